"""The district's own structure of Handlungsfelder (data/strukturen/*.toml, monitoring/structures.py): the shipped
example structures load and validate with their goals; the chosen one drives navigation, Überblick and URLs
(AppTest of dashboard.py with INTEGRATIONSMONITOR_STRUKTUR set); a broken structure is refused with file, line and
entry, at start of the dashboard too."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from monitoring import catalog, goals, structures
from monitoring.settings import settings
from tests.conftest import PROJECT_DIR

EXAMPLES = {
    "rastatt": ["Sprache", "Bildung und Arbeit", "Gesundheit", "Wohnen", "Zusammenleben und Demokratie"],
    "rhein-neckar": ["Basiskennzahlen für die Integrationsarbeit", "Wohnraummanagement", "Ausbildung und Arbeit",
                     "Sprachförderung", "Kinder-, Jugend- und Familienbildung", "Gesundheit",
                     "Gesellschaftliches Zusammenleben"],
    "goeppingen": ["Bevölkerungsstatistiken", "Wohnen", "Bildung", "Arbeit", "Gesundheit", "Zusammenleben",
                   "Monitoring"],
    "beispielkreis": ["Sprache und Bildung", "Ausbildung, Beruf, Arbeit", "Gesundheit und Beratung",
                      "Behördenzusammenarbeit und Interkulturelle Öffnung", "Antidiskriminierung, Teilhabe, Empowerment",
                      "Wohnen und Mobilität"],
}
# A field of each structure whose page is not a file of pages/ (a callable page under its own URL).
NEW_URL = {"rastatt": ("bildung-und-arbeit", "Bildung und Arbeit"),
           "rhein-neckar": ("wohnraummanagement", "Wohnraummanagement"),
           "goeppingen": ("monitoring", "Monitoring"),
           "beispielkreis": ("interkulturelle-oeffnung", "Behördenzusammenarbeit und Interkulturelle Öffnung")}
CATALOG_IDS = set(catalog.load_catalog()["id"])


def blocks() -> dict[str, dict]:
    return {e["name"]: e for e in tomllib.loads(catalog.FIELDS_FILE.read_text(encoding="utf-8"))["handlungsfeld"]}


# ── loading ─────────────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("name", ["standard", *EXAMPLES])
def test_shipped_structures_load_with_their_goals_and_measures(name):
    structure = structures.load_structure(name)
    assert structure.fields and structure.title
    assert name == "standard" or list(structure.fields) == EXAMPLES[name]
    named = {i for f in structure.fields.values() for _key, i in catalog.field_indicator_ids(f)}
    assert named <= CATALOG_IDS
    goal_set = goals.load_goals(structure.goals_dir, catalog_ids=CATALOG_IDS, fields=structure.fields)
    assert goal_set.goals and goal_set.measures and goal_set.any_example
    assert {g.handlungsfeld for g in goal_set.goals} <= set(structure.fields)


def test_the_default_is_today_s_seven_fields_unchanged():
    assert settings(path=Path("/nonexistent.toml"), environ={}).struktur == "standard"
    default = catalog.load_fields()
    blocks_as_before = catalog.load_fields(catalog.FIELDS_FILE)
    assert list(default) == list(blocks_as_before) == catalog.HANDLUNGSFELDER
    for name, before in blocks_as_before.items():
        assert {key: default[name][key] for key in before} == before


def test_merged_field_shows_both_sets_and_a_field_may_have_no_indicator():
    rastatt = structures.load_structure("rastatt").fields["Bildung und Arbeit"]
    parts = blocks()
    assert rastatt["tiles"] == parts["Bildung"]["tiles"] + parts["Arbeit"]["tiles"]
    assert rastatt["trends"] == parts["Bildung"]["trends"] + parts["Arbeit"]["trends"]
    assert rastatt["catalog_fields"] == ["Bildung", "Arbeit"]
    monitoring = structures.load_structure("goeppingen").fields["Monitoring"]
    assert not catalog.field_indicator_ids(monitoring) and monitoring["own_figures"]


def test_order_key_reorders_and_querschnittsthemen_are_kept():
    rnk = structures.load_structure("rhein-neckar")
    assert next(iter(rnk.fields)) == "Basiskennzahlen für die Integrationsarbeit"  # order = 0
    fourth = structures.load_structure("beispielkreis")
    assert fourth.fields["Sprache und Bildung"]["querschnittsthemen"] == ["Frauen", "Digitalisierung"]
    assert fourth.themes == {"Frauen": ("svb_ao_auslaender:weiblich",)}


def test_goals_naming_a_field_the_structure_does_not_have_are_refused():
    rastatt = structures.load_structure("rastatt")
    with pytest.raises(goals.GoalsError, match="unbekanntes Handlungsfeld „Bildung“"):
        goals.load_goals(goals.GOALS_DIR, catalog_ids=CATALOG_IDS, fields=rastatt.fields)


# ── refusing a broken structure ─────────────────────────────────────────────────────────────────────────────

BROKEN = """[struktur]
name = "Kaputt"

[[handlungsfeld]]
name = "Sprache"
slug = "sprache"
umfasst = ["Sprache"]

[[handlungsfeld]]
name = "Bildung und Arbeit"
slug = "sprache"
tiles = ["schueler_auslaenderanteil", "gibt_es_nicht:Ausländer"]

[[handlungsfeld]]
name = "Wohnen"
slug = "wohnen"
umfasst = ["Wohnungsbau"]
"""


def parse(text: str, name: str = "kaputt.toml") -> structures.Structure:
    return structures.parse_structure(text, Path(name), blocks=blocks(), catalog_ids=CATALOG_IDS)


def test_broken_structure_is_refused_with_file_line_and_entry():
    with pytest.raises(structures.StructureError) as caught:
        parse(BROKEN)
    message = str(caught.value)
    assert "kaputt.toml, Zeile 12, Handlungsfeld „Bildung und Arbeit“: unbekannte Kennzahl tiles = gibt_es_nicht" in message
    assert "kaputt.toml, Zeile 11, Handlungsfeld „Bildung und Arbeit“: Slug „sprache“ doppelt" in message
    assert "kaputt.toml, Zeile 17, Handlungsfeld „Wohnen“: umfasst „Wohnungsbau“" in message


@pytest.mark.parametrize("text, expected", [
    ('[[handlungsfeld]]\nname = "A"\nslug = "A B"\n', "Zeile 3, Handlungsfeld „A“: slug = 'A B' ist kein gültiger"),
    ('[[handlungsfeld]]\nname = "A"\nslug = "bericht"\n', "Zeile 3, Handlungsfeld „A“: slug „bericht“ ist schon"),
    ('[[handlungsfeld]]\nslug = "a"\n', "Zeile 1, 1. Handlungsfeld: name fehlt"),
    ('[[handlungsfeld]]\nname = "A"\nslug = "a"\n[[handlungsfeld]]\nname = "A"\nslug = "b"\n',
     "Zeile 5, Handlungsfeld „A“: Name „A“ doppelt"),
    ('[[handlungsfeld]]\nname = "A"\nslug = "a"\nkacheln = []\n', "Zeile 4, Handlungsfeld „A“: unbekannter Schlüssel"),
    ('[querschnittsthemen]\nFrauen = ["gibt_es_nicht"]\n[[handlungsfeld]]\nname = "A"\nslug = "a"\n',
     "Zeile 1, Querschnittsthema „Frauen“: unbekannte Kennzahl"),
    ('[[handlungsfeld]\n', "keine gültige TOML-Datei"),
])
def test_each_kind_of_mistake_is_named(text, expected):
    with pytest.raises(structures.StructureError, match="kaputt.toml") as caught:
        parse(text)
    assert expected in str(caught.value)


def test_unknown_structure_name_lists_the_available_ones():
    with pytest.raises(structures.StructureError, match="Struktur „gibtsnicht“ nicht gefunden.*rastatt"):
        structures.load_structure("gibtsnicht")


def test_dashboard_refuses_a_broken_structure_at_start(monkeypatch, tmp_path):
    broken = tmp_path / "kaputt.toml"
    broken.write_text(BROKEN, encoding="utf-8")
    monkeypatch.setenv("INTEGRATIONSMONITOR_STRUKTUR", str(broken))
    at = AppTest.from_file(str(PROJECT_DIR / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    message = " ".join(e.value for e in at.error).replace("\\", "")  # Markdown-escaped on the page
    assert "kaputt.toml, Zeile 12, Handlungsfeld „Bildung und Arbeit“" in message
    assert not at.metric  # nothing half-built


# ── the chosen structure drives navigation, Überblick and URLs ─────────────────────────────────────────────


def open_dashboard(monkeypatch, name: str) -> AppTest:
    monkeypatch.setenv("INTEGRATIONSMONITOR_STRUKTUR", name)
    at = AppTest.from_file(str(PROJECT_DIR / "dashboard.py"), default_timeout=90)
    at.query_params["kreis"] = "08216"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def navigation(at: AppTest) -> dict[str, str]:
    """Title -> URL path of the pages st.navigation registered (AppTest keeps them for switch_page)."""
    return {info["page_name"]: info.get("url_pathname", "") for info in at._registered_pages.values()}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_example_structure_drives_navigation_overview_and_urls(monkeypatch, name):
    at = open_dashboard(monkeypatch, name)
    structure = structures.load_structure(name)
    pages = navigation(at)
    for field in structure.fields.values():
        assert pages[field["name"]] == field["slug"]
    assert not {"Arbeit", "Bildung"} - set(EXAMPLES[name]) or "arbeit" not in pages.values()
    # Überblick: one tile and one link per field, in the structure's order, each to the field's URL
    links = [link.proto for link in at.get("page_link")]
    assert [link.label for link in links] == [f"Zu {n}" for n in EXAMPLES[name]]
    assert [link.page for link in links] == [f["slug"] for f in structure.fields.values()]
    labels = [m.label for m in at.metric]
    assert [label.split(":")[0] for label in labels] == EXAMPLES[name]
    # a field's URL: follow the Überblick's link (a callable page; AppTest.switch_page takes files only)
    slug, title = NEW_URL[name]
    link = next(link for link in links if link.page == slug)
    at._page_hash = link.page_script_hash
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == f"{title} – Rastatt"
    assert not at.error


def test_merged_field_page_shows_both_sets_goals_and_measures(monkeypatch):
    at = open_dashboard(monkeypatch, "rastatt")
    link = next(link.proto for link in at.get("page_link") if link.page == "bildung-und-arbeit")
    at._page_hash = link.page_script_hash
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    labels = [m.label for m in at.metric]
    assert any(label.startswith("Arbeitslosenquote") for label in labels)  # from Arbeit
    assert any("Kita" in label or "Schüler" in label for label in labels)  # from Bildung
    badges = " ".join(m.value for m in at.markdown)
    assert "Bildung und Arbeit" in badges and "-badge[" in badges
    measures = next(m.value for m in at.markdown if m.value.startswith("| Maßnahme |"))  # a Markdown table
    rows = measures.splitlines()[2:]
    assert {row.split(" | ")[0].removeprefix("| ") for row in rows} == {"Ausbildungspatenschaften",
                                                                        "Jobcoaching für zugewanderte Frauen"}


def test_default_structure_keeps_the_page_files_and_urls(monkeypatch):
    monkeypatch.delenv("INTEGRATIONSMONITOR_STRUKTUR", raising=False)
    at = open_dashboard(monkeypatch, "standard")
    pages = navigation(at)
    assert pages["Arbeit"] == "arbeit" and pages["Bevölkerung"] == "bevoelkerung"
    at.switch_page("pages/arbeit.py").run()
    assert at.title[0].value == "Arbeit – Rastatt"


def test_goeppingen_keeps_files_where_name_and_url_match():
    fields = structures.load_structure("goeppingen").fields
    assert fields["Arbeit"]["block_page"] and fields["Zusammenleben"]["block_page"]
    assert not fields["Monitoring"]["block_page"] and not fields["Bevölkerungsstatistiken"]["block_page"]
