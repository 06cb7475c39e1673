"""The presentation mode in a real browser (headless Debian Chromium through Playwright): a prepared link to a saved
Foliensatz opens without sidebar and controls, the keyboard (arrow keys, PageUp / PageDown as presenter remotes send
them) moves through the set, the district stays the set's (a link with another ?kreis= and clicks on the slide do not
change it), the slide is large enough for a hall, and screenshots at 1920 × 1080 and 1366 × 768 go to
test-artifacts/presentation/ (git-ignored).

The server runs on a copy of data/ (INTEGRATIONSMONITOR_DATA) with a saved set in it, so the real data/ gets no test
set.

    .venv/bin/python -m pytest -q -m browser tests/test_browser_presentation.py
"""
from __future__ import annotations

import shutil

import pytest

from monitoring import images, slide_sets
from monitoring.browser_harness import (
    FIRST_LOAD_TIMEOUT_MS,
    PROJECT_DIR,
    StreamlitServer,
    error_messages,
    wait_for_idle,
)
from monitoring.settings import DATA_DIR, DB_FILE
from monitoring.slide_sets import Item, SlideSet
from tests.conftest import require_browser

pytestmark = pytest.mark.browser

ARTIFACTS = PROJECT_DIR / "test-artifacts"
SHOTS = ARTIFACTS / "presentation"
ITEMS = [Item("trend", "auslaenderanteil"), Item("tiles", field="Arbeit"), Item("ranking", "arbeitslosenquote_auslaender")]
FULL_HD = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 768}
PNG_TITLE_PX = 20 * images.SLIDE_SCALE  # the house style's 20 px title in the 1600 px picture
BAR = '.st-key-praesentation_leiste'
SLIDE_IMAGE = '.st-key-praesentation_folie img'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_browser()
    data = tmp_path_factory.mktemp("data") / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("imports", "foliensaetze", ".*"))
    db_file = data / DB_FILE.name
    if DB_FILE.is_file():  # the same input files: the copy's fingerprint matches, no rebuild
        shutil.copy2(DB_FILE, db_file)
    slug = slide_sets.save_set(SlideSet("Kreistag Browser", "08216", 2008, 2023, list(ITEMS)), data_dir=data,
                               db_file=db_file)
    srv = StreamlitServer("dashboard.py", log_path=ARTIFACTS / "streamlit-browser-presentation.log",
                          env={"INTEGRATIONSMONITOR_DATA": str(data), "INTEGRATIONSMONITOR_DB": str(db_file),
                               "INTEGRATIONSMONITOR_PUBLIC": "0"})
    srv.start(timeout=120)
    srv.slug = slug
    yield srv
    srv.stop()


def open_presentation(browser, server, viewport: dict, folie: int = 1, extra: str = ""):
    context = browser.new_context(viewport=viewport, locale="de-DE")
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(f"{server.url}praesentation?foliensatz={server.slug}&folie={folie}&praesentation=1{extra}",
              wait_until="domcontentloaded")
    wait_for_slide(page, folie)
    return context, page


def wait_for_slide(page, number: int, count: int = len(ITEMS)) -> None:
    """The bar says "Folie n von N", the slide picture is loaded, Streamlit is idle."""
    page.wait_for_function(
        """([bar, img, text]) => {
             const b = document.querySelector(bar), i = document.querySelector(img);
             return b && b.innerText.includes(text) && i && i.complete && i.naturalWidth > 0;
           }""",
        arg=[BAR, SLIDE_IMAGE, f"Folie {number} von {count}"], timeout=FIRST_LOAD_TIMEOUT_MS, polling=100)
    wait_for_idle(page, timeout=FIRST_LOAD_TIMEOUT_MS)
    assert not error_messages(page), error_messages(page)


def bar_text(page) -> str:
    return page.locator(BAR).inner_text()


def visible(page, selector: str) -> bool:
    return page.evaluate("""(sel) => [...document.querySelectorAll(sel)].some(el => {
        const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
        return r.width > 0 && r.height > 0 && s.display !== 'none' && s.visibility !== 'hidden'; })""", selector)


def test_keyboard_moves_through_the_set_and_the_district_stays(browser, server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    # the link also names another district (Stuttgart): the set's Rastatt is shown all the same
    context, page = open_presentation(browser, server, FULL_HD, extra="&kreis=08111")
    try:
        # no sidebar, no header, no district control, no chart that reacts to clicks
        assert not visible(page, '[data-testid="stSidebar"]')
        assert not visible(page, '[data-testid="stHeader"]')
        assert not visible(page, 'input[role="combobox"]')
        assert not visible(page, '.js-plotly-plot')
        assert "Folie 1 von 3" in bar_text(page) and "Rastatt" in bar_text(page)
        assert "Stuttgart" not in bar_text(page)
        # large type: the picture is drawn at (nearly) its own width, so its 33 px title stays >= 32 px
        box = page.locator(SLIDE_IMAGE).bounding_box()
        assert PNG_TITLE_PX * box["width"] / images.PNG_SIZE[0] >= 32, box
        assert box["y"] + box["height"] <= FULL_HD["height"]  # picture and bar on one screen
        assert page.locator(BAR).bounding_box()["y"] + 20 <= FULL_HD["height"]
        page.screenshot(path=str(SHOTS / "1920x1080_folie1.png"))

        page.keyboard.press("ArrowRight")
        wait_for_slide(page, 2)
        assert "Rastatt" in bar_text(page)
        assert "folie=2" in page.url
        page.screenshot(path=str(SHOTS / "1920x1080_folie2.png"))

        page.keyboard.press("PageDown")  # what a presenter remote sends
        wait_for_slide(page, 3)
        assert "Rang" in bar_text(page) and "Rastatt" in bar_text(page)
        page.screenshot(path=str(SHOTS / "1920x1080_folie3.png"))
        page.keyboard.press("PageDown")  # the last slide: stays
        page.wait_for_timeout(500)
        wait_for_slide(page, 3)

        page.keyboard.press("PageUp")
        wait_for_slide(page, 2)
        page.keyboard.press("ArrowLeft")
        wait_for_slide(page, 1)

        # a click on the slide changes nothing (it is a picture, not a chart with selectable bars)
        page.locator(SLIDE_IMAGE).click()
        page.wait_for_timeout(500)
        wait_for_slide(page, 1)
        assert "Rastatt" in bar_text(page) and "Stuttgart" not in bar_text(page)

        # and the buttons on screen
        page.locator('.st-key-praesentation_weiter button').first.click()
        wait_for_slide(page, 2)
    finally:
        context.close()


def test_a_laptop_screen_shows_the_whole_slide(browser, server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page = open_presentation(browser, server, LAPTOP, folie=2)
    try:
        assert "Folie 2 von 3" in bar_text(page)
        picture = page.locator(SLIDE_IMAGE).bounding_box()
        bar = page.locator(BAR).bounding_box()
        assert picture["x"] >= 0 and picture["x"] + picture["width"] <= LAPTOP["width"]
        assert bar["y"] + bar["height"] <= LAPTOP["height"], (picture, bar)  # no scrolling to reach the buttons
        page.screenshot(path=str(SHOTS / "1366x768_folie2.png"))
        page.keyboard.press("ArrowRight")
        wait_for_slide(page, 3)
        page.screenshot(path=str(SHOTS / "1366x768_folie3.png"))
    finally:
        context.close()
