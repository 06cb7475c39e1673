"""Foliensätze (monitoring/slide_sets.py): saved and read back, refused with file and item named, edited as lists; a
set's items as slides (monitoring/report.py item_slide) and its PowerPoint read back."""
from __future__ import annotations

import io
import tomllib

import pytest

from monitoring import images, report, slide_sets
from monitoring.slide_sets import Item, SlideSet, SlideSetError

ITEMS = [Item("trend", "auslaenderanteil"), Item("breakdown", "schueler_auslaenderanteil", breakdown="Schulart"),
         Item("ranking", "arbeitslosenquote_auslaender"), Item("tiles", field="Arbeit")]


@pytest.fixture
def sets_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(slide_sets, "DATA_DIR", tmp_path)
    monkeypatch.setattr(slide_sets, "DB_FILE", tmp_path / "test.duckdb")
    return tmp_path


def test_a_set_is_saved_as_toml_and_reads_back_the_same(sets_dir):
    slug = slide_sets.save_set(SlideSet("Kreistag Juni 2026", "08216", 2008, 2023, list(ITEMS)))
    assert slug == "kreistag_juni_2026"
    path = sets_dir / "foliensaetze" / "kreistag_juni_2026.toml"
    values = tomllib.loads(path.read_text(encoding="utf-8"))
    assert values["kreis"] == "08216" and values["period"] == [2008, 2023]
    assert values["items"][1] == {"kind": "breakdown", "indicator": "schueler_auslaenderanteil",
                                  "breakdown": "Schulart"}
    loaded = slide_sets.load_set(slug)
    assert (loaded.name, loaded.kreis, loaded.year_from, loaded.year_to) == ("Kreistag Juni 2026", "08216", 2008, 2023)
    assert loaded.items == ITEMS
    assert [row[:2] for row in slide_sets.list_sets()] == [("kreistag_juni_2026", "Kreistag Juni 2026")]
    assert not list((sets_dir / "foliensaetze").glob(".*"))  # no temporary file left behind


def test_an_unknown_indicator_is_refused_naming_file_and_item(sets_dir):
    folder = sets_dir / "foliensaetze"
    folder.mkdir()
    (folder / "alt.toml").write_text(
        'name = "Alt"\nkreis = "08216"\nperiod = [2010, 2020]\n'
        '[[items]]\nkind = "trend"\nindicator = "auslaenderanteil"\n'
        '[[items]]\nkind = "trend"\nindicator = "gibt_es_nicht"\n'
        '[[items]]\nkind = "tiles"\nfield = "Raumfahrt"\n', encoding="utf-8")
    with pytest.raises(SlideSetError) as caught:
        slide_sets.load_set("alt")
    message = str(caught.value)
    assert "Foliensatz „alt.toml“" in message
    assert "Folie 2: unbekannte Kennzahl „gibt_es_nicht“" in message
    assert "Folie 3: unbekanntes Handlungsfeld „Raumfahrt“" in message
    assert "Folie 1" not in message


@pytest.mark.parametrize("values, words", [
    ({"kreis": "8216"}, "kein fünfstelliger Kreisschlüssel"),
    ({"period": [2020, 2010]}, "kein Zeitraum"),
    ({"items": [{"kind": "karte", "indicator": "auslaenderanteil"}]}, "Folie 1: kind = 'karte'"),
    ({"items": [{"kind": "breakdown", "indicator": "auslaenderanteil"}]}, "Folie 1: breakdown fehlt"),
    ({"items": [{"kind": "ranking", "indicator": "auslaenderanteil", "x": "1"}]}, "unbekannte Angabe(n) x"),
])
def test_broken_sets_are_refused_with_a_german_message(values, words):
    base = {"name": "Test", "kreis": "08216", "period": [2010, 2020], "items": []}
    with pytest.raises(SlideSetError, match=r"Foliensatz „t\.toml“ fehlerhaft") as caught:
        slide_sets.parse_set({**base, **values}, "t.toml")
    assert words in str(caught.value)


def test_links_cannot_reach_outside_the_folder(sets_dir):
    for slug in ("../indicators", "a/b", "", "X" * 200, "..", "kreistag.toml"):
        with pytest.raises(SlideSetError, match="ungültig"):
            slide_sets.load_set(slug)
    with pytest.raises(SlideSetError, match="gibt es nicht"):
        slide_sets.load_set("fehlt")


def test_public_installations_write_no_sets(sets_dir, monkeypatch):
    monkeypatch.setenv("INTEGRATIONSMONITOR_PUBLIC", "1")
    with pytest.raises(SlideSetError, match="öffentlichen Installation"):
        slide_sets.save_set(SlideSet("Test", "08216", 2010, 2020, list(ITEMS)))
    assert not (sets_dir / "foliensaetze").exists()


def test_empty_or_nameless_sets_are_not_saved(sets_dir):
    with pytest.raises(SlideSetError, match="leer"):
        slide_sets.save_set(SlideSet("Test", "08216", 2010, 2020, []))
    with pytest.raises(SlideSetError, match="Namen"):
        slide_sets.save_set(SlideSet("–––", "08216", 2010, 2020, list(ITEMS)))


def test_working_set_edits():
    items = slide_sets.added([], ITEMS[0])
    items = slide_sets.added(items, ITEMS[1])
    assert slide_sets.added(items, Item("trend", "auslaenderanteil")) == items  # the same chart once
    assert slide_sets.moved(items, 1, -1) == [ITEMS[1], ITEMS[0]]
    assert slide_sets.moved(items, 0, -1) == items  # at the top already
    assert slide_sets.removed(items, 0) == [ITEMS[1]]


@pytest.mark.skipif(images.browser_path() is None, reason="kein Chromium für kaleido")
def test_every_kind_of_item_becomes_a_slide_and_the_set_a_report(test_db):
    from PIL import Image
    from pptx import Presentation

    slide_set = SlideSet("Kreistag", "08216", 2008, 2023, list(ITEMS))
    built = report.build_set_report(slide_set)
    assert [s.title.split(" (")[0].split(":")[0] for s in built.slides] == [
        "Ausländeranteil", "Ausländeranteil an den Schülerinnen und Schülern nach Schulart",
        "Arbeitslosenquote der Ausländerinnen und Ausländer", "Arbeit"]
    for slide in built.slides:
        assert Image.open(io.BytesIO(slide.png)).size == images.PNG_SIZE
        assert slide.statement and slide.source.startswith("Quelle:")
    assert "Rang" in built.slides[2].statement
    assert built.slides[2].subtitle.startswith("Kreise in Baden-Württemberg")
    deck = Presentation(io.BytesIO(built.pptx))
    assert len(deck.slides) == len(ITEMS) + 2  # title and closing slide
    assert "Kreistag" in deck.slides[0].placeholders[1].text_frame.text
    assert "Definition:" in deck.slides[4].notes_slide.notes_text_frame.text  # the tiles' definitions


# ── "Kennzahlen zum Foliensatz" under a Handlungsfeld's tiles (monitoring/ui_fields.py key_figures) ───────────


def _field_page(page: str, monkeypatch, struktur: str | None = None):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import PROJECT_DIR

    if struktur:
        monkeypatch.setenv("INTEGRATIONSMONITOR_STRUKTUR", struktur)
    at = AppTest.from_file(str(PROJECT_DIR / "dashboard.py"), default_timeout=120)
    at.query_params["kreis"] = "08216"
    at.run()
    if page.endswith(".py"):
        at.switch_page(page)
    else:  # a structure's own field page is a callable: follow the Überblick's link to it
        at._page_hash = next(link.proto for link in at.get("page_link") if link.page == page).page_script_hash
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _tile_buttons(at) -> list:
    from monitoring.ui_fields import TILES_TO_SET

    return [b for b in at.button if b.label == TILES_TO_SET]


def test_a_field_s_tiles_go_into_the_saved_set_as_one_slide(sets_dir, monkeypatch):
    at = _field_page("pages/arbeit.py", monkeypatch)
    buttons = _tile_buttons(at)
    assert len(buttons) == 1
    buttons[0].click()
    at.run()
    working = at.session_state["foliensatz_arbeitsstand"]
    assert working["items"] == [Item("tiles", field="Arbeit")] and working["kreis"] == "08216"
    _tile_buttons(at)[0].click()  # twice: still one slide
    at.run()
    assert at.session_state["foliensatz_arbeitsstand"]["items"] == [Item("tiles", field="Arbeit")]

    at.switch_page("pages/foliensatz.py")
    at.run()
    at.text_input(key="foliensatz_name").input("Kennzahlen Arbeit")
    at.button(key="foliensatz_speichern").click()
    at.run()
    assert not at.error, [e.value for e in at.error]
    saved = tomllib.loads((sets_dir / "foliensaetze" / "kennzahlen_arbeit.toml").read_text(encoding="utf-8"))
    assert saved["items"] == [{"kind": "tiles", "field": "Arbeit"}] and saved["kreis"] == "08216"
    assert slide_sets.load_set("kennzahlen_arbeit").items == [Item("tiles", field="Arbeit")]


def test_a_merged_field_s_rows_of_tiles_are_one_group(sets_dir, monkeypatch):
    """Rastatt's "Bildung und Arbeit" shows eight tiles in two rows: one action, the whole field as one slide."""
    at = _field_page("bildung-und-arbeit", monkeypatch, struktur="rastatt")
    assert len(at.metric) >= 8
    buttons = _tile_buttons(at)
    assert len(buttons) == 1
    buttons[0].click()
    at.run()
    assert at.session_state["foliensatz_arbeitsstand"]["items"] == [Item("tiles", field="Bildung und Arbeit")]


def test_public_installations_offer_no_tiles_action(sets_dir, monkeypatch):
    monkeypatch.setenv("INTEGRATIONSMONITOR_PUBLIC", "1")
    at = _field_page("pages/arbeit.py", monkeypatch)
    assert at.metric and not _tile_buttons(at)
    assert not [b for b in at.button if b.label == "Zum Foliensatz"]  # like the charts' action
