"""The presentation page and the Foliensatz page through AppTest: a saved set opens at the slide its link names, the
buttons move through it, the district stays the set's whatever the sidebar says; cards offer images and "Zum
Foliensatz", which collects into the working set.  Slides are rendered by the export browser (kaleido + Debian's
Chromium); without one these tests are skipped."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from monitoring import images, slide_sets
from monitoring.slide_sets import Item, SlideSet
from tests.conftest import PROJECT_DIR

pytestmark = pytest.mark.skipif(images.browser_path() is None, reason="kein Chromium für kaleido")

ITEMS = [Item("trend", "auslaenderanteil"), Item("tiles", field="Arbeit"), Item("ranking", "arbeitslosenquote_auslaender")]


@pytest.fixture
def saved_set(tmp_path, monkeypatch):
    monkeypatch.setattr(slide_sets, "DATA_DIR", tmp_path)
    monkeypatch.setattr(slide_sets, "DB_FILE", tmp_path / "test.duckdb")
    return slide_sets.save_set(SlideSet("Kreistag Test", "08216", 2008, 2023, list(ITEMS)))


def open_app(page: str, params: dict) -> AppTest:
    at = AppTest.from_file(str(PROJECT_DIR / "dashboard.py"), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def bar_text(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def test_a_prepared_link_opens_the_set_at_its_slide_and_the_buttons_move_through_it(saved_set):
    # the sidebar's district is Stuttgart: the set's district (Rastatt) is what the slides show
    at = open_app("pages/praesentation.py", {"foliensatz": saved_set, "folie": "1", "praesentation": "1",
                                             "kreis": "08111"})
    assert at.session_state["filters"].kreis == "08111"
    assert "Folie 1 von 3" in bar_text(at) and "Rastatt" in bar_text(at)
    assert "Rastatt: 16,6 %" in bar_text(at).replace("\\", "")
    shown = at.get("image")
    assert len(shown) == 1
    assert at.button(key="praesentation_zurueck").disabled
    at.button(key="praesentation_weiter").click()
    at.run()
    assert "Folie 2 von 3" in bar_text(at) and "Rastatt" in bar_text(at)
    assert at.query_params["folie"] in ("2", ["2"])
    assert at.session_state["praesentation_folie"] == 2
    at.button(key="praesentation_weiter").click()
    at.run()
    assert "Folie 3 von 3" in bar_text(at)
    assert "Rang" in bar_text(at) and "Stuttgart" not in bar_text(at)
    assert at.button(key="praesentation_weiter").disabled
    at.button(key="praesentation_zurueck").click()
    at.run()
    assert "Folie 2 von 3" in bar_text(at)
    assert not at.exception


def test_the_link_may_start_at_any_slide_and_a_wrong_number_is_clamped(saved_set):
    at = open_app("pages/praesentation.py", {"foliensatz": saved_set, "folie": "3", "praesentation": "1"})
    assert "Folie 3 von 3" in bar_text(at)
    at = open_app("pages/praesentation.py", {"foliensatz": saved_set, "folie": "99", "praesentation": "1"})
    assert "Folie 3 von 3" in bar_text(at)


def test_an_unknown_or_bad_set_name_says_so(saved_set):
    at = open_app("pages/praesentation.py", {"foliensatz": "../indicators", "praesentation": "1"})
    assert at.error and "ungültig" in at.error[0].value
    at = open_app("pages/praesentation.py", {"foliensatz": "fehlt", "praesentation": "1"})
    assert at.error and "gibt es nicht" in at.error[0].value


def test_cards_offer_images_and_collect_into_the_working_set(saved_set):
    at = open_app("pages/arbeit.py", {"kreis": "08216"})
    image_buttons = [p for p in at.get("popover") if p.proto.popover.label == "Bild"]
    cards = [c for c in at.get("plotly_chart") if str(c.key).startswith(("trend_", "breakdown_", "ranking_"))]
    assert len(image_buttons) == len(cards) >= 4
    slide_buttons = [b for b in at.button if b.label == "Zum Foliensatz"]
    assert len(slide_buttons) == len(image_buttons)
    slide_buttons[0].click()
    at.run()
    slide_buttons = [b for b in at.button if b.label == "Zum Foliensatz"]
    slide_buttons[-1].click()  # the ranking
    at.run()
    working = at.session_state["foliensatz_arbeitsstand"]
    assert [item.kind for item in working["items"]] == ["trend", "ranking"]
    assert working["kreis"] == "08216"

    at.switch_page("pages/foliensatz.py")
    at.run()
    assert not at.exception
    assert "1.** Zeitreihe: Arbeitslosenquote" in bar_text(at)
    at.button(key="foliensatz_runter_0").click()
    at.run()
    assert [item.kind for item in at.session_state["foliensatz_arbeitsstand"]["items"]] == ["ranking", "trend"]
    at.text_input(key="foliensatz_name").input("Ausschuss Mai")
    at.button(key="foliensatz_speichern").click()
    at.run()
    assert not at.error, [e.value for e in at.error]
    assert slide_sets.load_set("ausschuss_mai").items == [Item("ranking", "arbeitslosenquote_auslaender"),
                                                          Item("trend", "arbeitslosenquote_auslaender")]


def test_public_installations_offer_no_sets(saved_set, monkeypatch):
    monkeypatch.setenv("INTEGRATIONSMONITOR_PUBLIC", "1")
    at = open_app("pages/arbeit.py", {"kreis": "08216"})
    assert not [b for b in at.button if b.label == "Zum Foliensatz"]
    assert [p for p in at.get("popover") if p.proto.popover.label == "Bild"]  # images stay


def test_the_slide_picture_is_the_slide_size(saved_set):
    from monitoring import report

    slide = report.item_slide(ITEMS[1], "08216", 2008, 2023)
    assert Image.open(io.BytesIO(slide.png)).size == images.PNG_SIZE
    assert slide.title == "Arbeit: Kennzahlen – Rastatt"
    assert any(line.startswith("Arbeitslosenquote Ausländer: ") for line in slide.key_figures)
