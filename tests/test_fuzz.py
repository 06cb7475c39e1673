"""Fuzzing with hypothesis, bounded for CI: hostile link values through the URL parsers and the pages, hostile
uploads through the import preview.  Nothing escapes as an exception (a bad file becomes rejected rows with a
German reason), nothing from a link reaches the screen as Markdown, and data/ stays byte-identical.

    .venv/bin/python -m pytest -q tests/test_fuzz.py
"""
from __future__ import annotations

import io
import re
import warnings
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from monitoring import url_params
from monitoring.updates import Preview, preview
from tests.conftest import PROJECT_DIR, RAW_DIR
from tests.test_updates import FLAT_2024, FLAT_ZIP, HEADER, OWN, TABLE_CSV, copy_store, snapshot
from tests.test_url_params import MARKDOWN_MEANINGFUL

DISTRICTS = ["08111", "08115", "08117", "08216", "08226", "03159"]
FUZZ = settings(max_examples=50, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
FEW = settings(max_examples=12, deadline=None, derandomize=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# What a hostile or broken link holds: any text, plus the tricks that got through before (Markdown links and
# images, HTML, Unicode digits that str.isdigit() accepts, bidi overrides, overlong values, near-valid codes).
TRICKS = ["[klick hier](https://evil.example/login)", "![t](https://evil.example/t.png)", "<img src=x onerror=1>",
          "²", "²-2020", "٢٠٢٠", "2020-²", "\u202e", "08216", "08216,08111", "land,de", "0821", "99999", "-", ",,",
          "2010-2020", "2020-2010", "1800-3000", "x" * 300, "%00", "\x00", "\n# H", ":red[x]", "$x$", "{{7*7}}"]
link_values = st.one_of(
    st.text(max_size=60),
    st.sampled_from(TRICKS),
    st.lists(st.sampled_from(TRICKS + DISTRICTS), min_size=1, max_size=10).map(",".join),
    st.builds(lambda a, b: f"{a}-{b}", st.text("0123456789²٣", min_size=1, max_size=5),
              st.text("0123456789²٣", min_size=1, max_size=5)),
)


# ── the parsers ─────────────────────────────────────────────────────────────────────────────────


@FUZZ
@given(value=st.one_of(st.none(), link_values))
def test_parsers_take_only_valid_values_and_never_raise(value):
    assert url_params.parse_kreis(value, DISTRICTS) in (None, *DISTRICTS)
    period = url_params.parse_zeitraum(value, 2000, 2024)
    assert period is None or 2000 <= period[0] <= period[1] <= 2024
    year = url_params.parse_jahr(value)
    assert year is None or (1000 <= year <= 9999 and value.isascii())
    for parse, options in ((url_params.parse_indikator, ["auslaenderanteil"]), (url_params.parse_gebiet, ["land"]),
                           (url_params.parse_klassen, ["quantile"]), (url_params.parse_ansicht, ["karte"])):
        assert parse(value, options) in (None, *options)
    benchmarks = url_params.parse_vergleich(value, DISTRICTS, limit=7)
    if benchmarks is not None:
        assert len(benchmarks.chosen) <= 7 and set(benchmarks.chosen) <= {*DISTRICTS, "land", "de"}
    if value:
        note = url_params.link_note([url_params.named("Kreis", value)], benchmarks.too_many if benchmarks else [],
                                    limit=7)
        shown = note.split("„", 1)[1].split("“", 1)[0]  # the excerpt of the value inside the note
        assert not set(shown) & MARKDOWN_MEANINGFUL and "\u202e" not in shown


# ── the pages ───────────────────────────────────────────────────────────────────────────────────


def run_link(page: str, url: dict) -> AppTest:
    at = AppTest.from_file(str(PROJECT_DIR / "dashboard.py"), default_timeout=120)
    for key, value in url.items():
        at.query_params[key] = value
    at.run()
    if page != "pages/ueberblick.py":
        at.switch_page(page)
        at.run()
    return at


def shown_text(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "caption", "warning", "info", "error")
                    for e in at.get(kind) if isinstance(getattr(e, "value", None), str))


@FEW
@given(kreis=link_values, vergleich=link_values, zeitraum=link_values)
def test_a_hostile_link_to_a_field_page_runs_without_exception_and_shows_no_markup(kreis, vergleich, zeitraum):
    at = run_link("pages/ueberblick.py", {"kreis": kreis, "vergleich": vergleich, "zeitraum": zeitraum})
    assert not at.exception, [e.message for e in at.exception]
    assert not re.search(r"\]\(https?:|!\[|<img|evil\.example", shown_text(at) + " ".join(
        w.value for w in at.sidebar.warning))


@FEW
@given(jahr=link_values, ansicht=link_values, indikator=link_values, klassen=link_values)
def test_a_hostile_link_to_the_comparison_runs_without_exception(jahr, ansicht, indikator, klassen):
    at = AppTest.from_file(str(PROJECT_DIR / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/kreisvergleich.py")
    for key, value in {"jahr": jahr, "ansicht": ansicht, "indikator": indikator, "klassen": klassen}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not re.search(r"\]\(https?:|!\[|<img|evil\.example", shown_text(at))


# ── uploads ─────────────────────────────────────────────────────────────────────────────────────


def _raw(relative: str) -> bytes:
    path = RAW_DIR / relative
    return path.read_bytes() if path.is_file() else b""


SEEDS = {
    "eigene.csv": (HEADER + f"\n08216;{OWN};2024;812;;Kursträger;\n08226;{OWN};2023;5;;;\n").encode(),
    "flat.csv": _raw(FLAT_2024)[:6000],
    "tabelle.csv": _raw(TABLE_CSV)[:6000],
    "flat.zip": _raw(FLAT_ZIP),
}
NAMES = st.sampled_from(["daten.csv", "export.zip", "tabelle.xlsx", "x.txt", "<b>x</b>.csv", "../../etc/passwd.csv",
                         "a" * 300 + ".csv", ".csv", "ü ß.CSV"])
CELLS = st.one_of(st.sampled_from(["08216", "08226", "DG", "08", OWN, "2024", "2024-12-31", "1.234,5", "-", ".",
                                   "x", "/", "(5)", "...", "*", "=1+1", "<script>", "NaN", "1e309", "-0", ""]),
                  st.text(max_size=12))


def _mutate(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for position, byte in edits:
        if out:
            out[position % len(out)] = byte
    return bytes(out)


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore", UserWarning)  # duplicate member names: a hostile archive may have them
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


csv_rows = st.lists(st.lists(CELLS, min_size=1, max_size=9).map(";".join), max_size=8)
uploads = st.one_of(
    st.tuples(NAMES, st.binary(max_size=2000)),
    st.tuples(NAMES, csv_rows.map(lambda rows: "\n".join([HEADER, *rows]).encode("utf-8"))),
    st.tuples(st.sampled_from(list(SEEDS)), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)),
                                                     max_size=12)).map(
        lambda s: (s[0], _mutate(SEEDS[s[0]], s[1]))),
    st.tuples(st.sampled_from(list(SEEDS)), st.integers(0, 6000)).map(lambda s: (s[0], SEEDS[s[0]][:s[1]])),
    st.tuples(st.just("paket.zip"), st.lists(st.tuples(NAMES, st.binary(max_size=500)), max_size=4).map(_zip)),
)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return copy_store(tmp_path_factory.mktemp("fuzz"))


@FUZZ
@given(files=st.lists(uploads, min_size=1, max_size=3))
def test_hostile_uploads_become_rejections_and_leave_data_byte_identical(store, files):
    data_dir, db_file = store
    before = snapshot(data_dir, db_file)
    result = preview(files, data_dir=data_dir, db_file=db_file)  # no exception: a bad file is a rejected row
    assert isinstance(result, Preview)
    counts = result.counts
    assert counts["rejected"] == len(result.rejected)
    if counts["rejected"]:
        assert result.rejected["reason"].astype(str).str.len().gt(0).all()  # every rejection says why
    assert snapshot(data_dir, db_file) == before
