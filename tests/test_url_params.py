"""Values from a shared link (query string): parsed strictly, echoed only as a short defused excerpt.

The parsers are tested on their own; the pages through AppTest with crafted links (Markdown/HTML in the value,
non-ASCII digits that str.isdigit() accepts, more benchmark districts than the filter allows).
"""
from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from monitoring import url_params
from monitoring.ui import MAX_BENCHMARK_DISTRICTS
from tests.conftest import PROJECT_DIR

OPTIONS = ["08111", "08115", "08116", "08117", "08118", "08119", "08121", "08125", "08216", "08226"]
INJECTION = "[klick hier](https://evil.example/login) ![t](https://evil.example/t.png)"
# Characters that carry meaning in Streamlit's Markdown (links, images, HTML, emphasis, code, LaTeX, shortcodes
# like :material/icon: or :red[text], autolinks www.x.y / a@b.c) or could break the line (newline, tab).
MARKDOWN_MEANINGFUL = set("[]()!<>*_`~$:\\|#&@.=\"'{}\n\r\t")


# ── the excerpt shown in the note ───────────────────────────────────────────────────────────────


@pytest.mark.parametrize("value", [
    INJECTION, "<img src=x onerror=alert(1)>", "**fett** _kursiv_ `code`", ":material/home: :red[rot] $x^2$",
    "www.evil.example", "mail@evil.example", "a\nb\r\n# Überschrift", "\u202eevil", "&lt;b&gt;", "\\[x\\]",
])
def test_excerpt_contains_nothing_markdown_could_act_on(value):
    shown = url_params.excerpt(value)
    assert not set(shown) & MARKDOWN_MEANINGFUL, shown
    assert "\u202e" not in shown  # no bidi override either
    assert len(shown) <= url_params.EXCERPT_CHARS + 1


def test_excerpt_keeps_what_a_typo_looks_like():
    assert url_params.excerpt("99999") == "99999"
    assert url_params.excerpt("1800-3000") == "1800-3000"
    assert url_params.excerpt("Göppingen") == "Göppingen"
    assert url_params.excerpt("x" * 300) == "x" * url_params.EXCERPT_CHARS + "…"
    assert url_params.excerpt("[a](b)") == "·a··b·"


# ── one parser per parameter ────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("value, expected", [
    ("08216", "08216"), ("99999", None), ("", None), ("０８２１６", None), ("08216 ", None), ("²8216", None),
    ("08216" + "0" * 300, None),
])
def test_parse_kreis_accepts_only_a_listed_code(value, expected):
    assert url_params.parse_kreis(value, OPTIONS) == expected


@pytest.mark.parametrize("value, expected", [
    ("2005-2015", (2005, 2015)), ("1995-2025", (1995, 2025)), ("2015-2015", (2015, 2015)),
    ("²-2020", None), ("2005-２０１５", None), ("٢٠٠٥-2015", None), ("2015-2005", None), ("1800-3000", None),
    ("2005", None), ("2005-2015-2020", None), ("-2015", None), (" 2005-2015", None), ("9" * 5000 + "-2015", None),
])
def test_parse_zeitraum_takes_ascii_years_inside_the_data(value, expected):
    assert url_params.parse_zeitraum(value, 1995, 2025) == expected


@pytest.mark.parametrize("value, expected", [
    ("2015", 2015), ("²", None), ("２０１５", None), ("", None), ("20150", None), ("-2015", None), ("2015.0", None),
])
def test_parse_jahr_takes_four_ascii_digits(value, expected):
    assert url_params.parse_jahr(value) == expected


def test_parse_choice_for_the_comparison_parameters():
    assert url_params.parse_indikator("auslaenderanteil", ["auslaenderanteil", "x"]) == "auslaenderanteil"
    assert url_params.parse_indikator("AUSLAENDERANTEIL", ["auslaenderanteil"]) is None
    assert url_params.parse_gebiet("DG", {"land": 1, "DG": 2}) == "DG"
    assert url_params.parse_gebiet("de", {"land": 1, "DG": 2}) is None
    assert url_params.parse_klassen("equal", ["quantile", "equal"]) == "equal"
    assert url_params.parse_ansicht("karte" * 100, ["karte"]) is None


def test_parse_vergleich_keeps_valid_entries_and_separates_unknown_from_too_many():
    limit = MAX_BENCHMARK_DISTRICTS + 2
    assert limit == 7  # Land, Deutschland and five districts: the filter's max_selections
    codes = OPTIONS[:6]
    result = url_params.parse_vergleich(",".join(["land", "de", *codes, "xx"]), OPTIONS, limit=limit)
    assert result.chosen == ["land", "de", *codes[:5]]
    assert result.too_many == [codes[5]]
    assert result.unknown == ["xx"]
    twice = url_params.parse_vergleich("land,08216,land,08216", OPTIONS, limit=limit)
    assert twice.chosen == ["land", "08216"] and not twice.unknown and not twice.too_many
    assert url_params.parse_vergleich("land," * 100, OPTIONS, limit=limit) is None  # over the length cap


def test_note_names_unknown_and_too_many_apart():
    note = url_params.link_note(["Kreis „99999“"], too_many=["08111"], limit=7)
    assert note.startswith("Unbekannte Angabe im Link ignoriert: Kreis „99999“. Es gilt die Voreinstellung.")
    assert "zu viele" in note and "08111" in note
    only_many = url_params.link_note([], too_many=["08111", "08115"], limit=7)
    assert "Unbekannte" not in only_many and "zu viele" in only_many and "08111, 08115" in only_many
    assert url_params.link_note([]) == ""


# ── through the pages ───────────────────────────────────────────────────────────────────────────


def open_link(page: str, url: dict) -> tuple[AppTest, list[str]]:
    """The app opened with a link, then on `page`; and the sidebar's warnings of the first run (AppTest shows the
    sidebar of an st.navigation app only on the first run, as tests/test_pages.py explains)."""
    at = AppTest.from_file(str(PROJECT_DIR / "dashboard.py"), default_timeout=60)
    for key, value in url.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    sidebar_warnings = [w.value for w in at.sidebar.warning]
    if page != "pages/ueberblick.py":
        at.switch_page(page)
        at.run()
    return at, sidebar_warnings


def no_markdown_link_or_image(text: str) -> bool:
    return not re.search(r"\]\(|!\[|<|https?:|www\.", text)


def test_field_page_link_with_markdown_in_every_filter_shows_no_link_and_no_image():
    at, warnings = open_link("pages/arbeit.py", {"kreis": INJECTION, "vergleich": f"land,{INJECTION}",
                                                 "zeitraum": INJECTION})
    assert not at.exception, [e.message for e in at.exception]
    assert len(warnings) == 1 and warnings[0].startswith("Unbekannte Angabe im Link ignoriert: Kreis „")
    assert no_markdown_link_or_image(warnings[0]), warnings[0]
    assert "klick" in warnings[0]  # still recognisable
    assert at.query_params["kreis"] == "08216" and at.query_params["vergleich"] == "land"


def test_comparison_link_with_markdown_in_every_parameter_shows_no_link_and_no_image():
    url = {"kreis": "08216", **{name: INJECTION for name in ("indikator", "jahr", "gebiet", "klassen", "ansicht")}}
    at, _ = open_link("pages/kreisvergleich.py", url)
    assert not at.exception, [e.message for e in at.exception]
    warnings = [w.value for w in at.main.warning]
    assert len(warnings) == 1
    for name in ("Indikator", "Gebiet", "Klassen", "Ansicht", "Jahr"):
        assert f"{name} „" in warnings[0]
    assert no_markdown_link_or_image(warnings[0]), warnings[0]
    assert at.query_params["indikator"] == "auslaenderanteil" and at.query_params["ansicht"] == "karte"


@pytest.mark.parametrize("page, url", [
    ("pages/arbeit.py", {"kreis": "08216", "zeitraum": "²-2020"}),
    ("pages/arbeit.py", {"kreis": "08216", "zeitraum": "2005-２０１５"}),
    ("pages/kreisvergleich.py", {"kreis": "08216", "jahr": "²"}),
    ("pages/kreisvergleich.py", {"kreis": "08216", "jahr": "٢٠١٥"}),
])
def test_unicode_digits_in_a_link_fall_back_with_a_note_instead_of_a_traceback(page, url):
    at, sidebar_warnings = open_link(page, url)
    assert not at.exception, [e.message for e in at.exception]
    warnings = sidebar_warnings if "zeitraum" in url else [w.value for w in at.main.warning]
    assert len(warnings) == 1 and warnings[0].startswith("Unbekannte Angabe im Link ignoriert:"), warnings


def test_eighth_valid_benchmark_is_too_many_not_unknown():
    codes = ["08111", "08115", "08116", "08117", "08118", "08119"]
    at, warnings = open_link("pages/ueberblick.py", {"kreis": "08216", "vergleich": ",".join(["land", "de", *codes])})
    assert at.sidebar.multiselect(key="vergleich").value == ["land", "de", *codes[:5]]
    assert len(warnings) == 1
    assert "Unbekannte" not in warnings[0] and "zu viele" in warnings[0] and "08119" in warnings[0], warnings


def test_overlong_link_value_is_refused_whole():
    at, warnings = open_link("pages/ueberblick.py", {"kreis": "08216", "vergleich": "land," * 60})
    assert at.sidebar.multiselect(key="vergleich").value == ["land", "de"]  # the default
    assert len(warnings) == 1 and "Vergleich „land" in warnings[0] and len(warnings[0]) < 200
