"""Readable everywhere: the pages at a projector's 1920×1080, a laptop's 1366×768 and a phone's 390×844, and on paper.

Per viewport and page: no element wider than the window, no tile text cut off (a text box whose content is wider than
the box, scrollWidth > clientWidth), chart titles of at least 20 px that wrap at the chart's width (one line on a
laptop for a title of up to 70 characters), axis labels of at least 16 px, a Land value's tile names its level; screenshots go to
test-artifacts/viewports/<viewport>/<page>.png.  On paper: the browser's print PDF, rendered with pdftoppm, has no
sidebar (the first page's left edge is not the sidebar's grey), is not blank, and every page has the paper's width;
charts drawn in a wide window fit the paper's column whole, with no empty band below them.
"""
from __future__ import annotations

import shutil
import subprocess

import pytest

from monitoring.browser_harness import (
    PROJECT_DIR,
    error_messages,
    full_page_screenshot,
    new_page,
    open_page,
)
from tests.conftest import dashboard_server

pytestmark = pytest.mark.browser

ARTIFACTS = PROJECT_DIR / "test-artifacts" / "viewports"
VIEWPORTS = {"projektor": (1920, 1080), "laptop": (1366, 768), "telefon": (390, 844)}
PAGES = ["ueberblick", "sprache", "arbeit", "bevoelkerung"]

# Elements wider than the window, and tile texts cut off: what a reader would miss.
# An element inside a container that scrolls sideways (a wide table) is reachable, not cut off.
TOO_WIDE = """() => [...document.querySelectorAll('[data-testid="stMain"] *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && getComputedStyle(e).position !== 'fixed')
  .filter(e => !e.closest('[data-testid="stPlotlyChart"] svg, .js-plotly-plot .main-svg'))
  .filter(e => { for (let a = e.parentElement; a; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX; if (o === 'auto' || o === 'scroll') return false; } return true; })
  .map(e => e.tagName + '.' + (e.getAttribute('data-testid') || e.className)).slice(0, 5)"""
CUT_TILE_TEXT = """() => [...document.querySelectorAll('[data-testid="stMetric"] p')]
  .filter(p => p.scrollWidth > p.clientWidth + 1 || p.parentElement.scrollWidth > p.parentElement.clientWidth + 1)
  .map(p => p.innerText)"""

# Chart titles (written above each chart, monitoring.ui.show_chart): size and the lines each takes.
CHART_TITLES = """() => [...document.querySelectorAll('.im-chart-title')].map(t => {
  const style = getComputedStyle(t);
  return {text: t.textContent, size: parseFloat(style.fontSize),
          lines: Math.round(t.getBoundingClientRect().height / parseFloat(style.lineHeight))};
})"""
# The smallest axis label of the page's charts (px), and how many there are.
AXIS_TEXT = """() => { const sizes = [...document.querySelectorAll('.js-plotly-plot .xtick text, .js-plotly-plot .ytick text')]
  .map(t => parseFloat(getComputedStyle(t).fontSize)); return {n: sizes.length, least: Math.min(...sizes)}; }"""
ONE_LINE_TITLE = 70  # characters: a title this short takes one line on a laptop or projector (at 20 px)


@pytest.fixture(scope="module")
def server():
    srv = dashboard_server("streamlit-viewports.log")
    yield srv
    srv.stop()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_pages_fit_the_window_and_no_tile_text_is_cut_off(server, browser, viewport):
    width, height = VIEWPORTS[viewport]
    page = new_page(browser, {"width": width, "height": height})
    folder = ARTIFACTS / viewport
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for name in PAGES:
            open_page(page, f"{server.url}{name}?kreis=08216")
            page.wait_for_timeout(500)  # layout after the last element arrived
            assert error_messages(page) == [], name
            assert page.evaluate(TOO_WIDE) == [], (viewport, name)
            assert page.evaluate(CUT_TILE_TEXT) == [], (viewport, name)
            titles = page.evaluate(CHART_TITLES)
            assert all(t["size"] >= 20 for t in titles), (viewport, name, titles)
            if viewport != "telefon":  # the title wraps at the chart's width, not at a phone's
                assert all(t["lines"] == 1 for t in titles if len(t["text"]) <= ONE_LINE_TITLE), (viewport, name, titles)
            if name != "ueberblick":
                assert titles, (viewport, name)
                axis = page.evaluate(AXIS_TEXT)
                assert axis["n"] and axis["least"] >= 16, (viewport, name, axis)  # readable on a projector
            full_page_screenshot(page, folder / f"{name}.png")
    finally:
        page.context.close()


def test_a_land_value_names_its_level_on_the_tile(server, browser):
    page = new_page(browser, {"width": 1366, "height": 768})
    try:
        open_page(page, f"{server.url}sprache?kreis=08216")
        labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
        assert any("Land BW" in label for label in labels), labels
    finally:
        page.context.close()


def test_printing_gives_full_width_pages_without_the_sidebar(server, browser, tmp_path):
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (Debian poppler-utils) is missing")
    from PIL import Image

    page = new_page(browser, {"width": 1366, "height": 768})
    try:
        open_page(page, f"{server.url}arbeit?kreis=08216")
        page.wait_for_timeout(500)
        page.emulate_media(media="print")
        assert page.locator('[data-testid="stSidebar"]').first.is_hidden()
        # a chart's title (written above it) is never left at the foot of a page without its chart
        breaks = page.evaluate("""() => [...document.querySelectorAll('.im-chart-title')].map(t =>
            getComputedStyle(t.closest('[data-testid="stElementContainer"]')).breakAfter)""")
        assert breaks and set(breaks) == {"avoid"}, breaks
        pdf = tmp_path / "arbeit.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
    finally:
        page.context.close()
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "seite")], check=True)
    pages = sorted(tmp_path.glob("seite*.png"))
    assert pages
    (ARTIFACTS / "druck").mkdir(parents=True, exist_ok=True)
    for number, path in enumerate(pages, start=1):
        shutil.copy(path, ARTIFACTS / "druck" / f"arbeit-seite{number}.png")
    for path in pages:
        image = Image.open(path).convert("L")
        assert abs(image.width / image.height - 210 / 297) < 0.02  # A4 portrait
    first = Image.open(pages[0]).convert("L")
    left = first.crop((0, first.height // 4, first.width // 5, first.height // 2))
    assert left.getextrema()[0] < 200, "the left fifth of the first page is blank: a sidebar's place, or nothing"
    assert first.getextrema()[0] < 100  # there is text on the page


# Per chart in the print layout: its drawn width (the SVG's width attribute times its zoom), the box it has, and the
# heights of the chart and of its element container.
PRINTED_CHARTS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].map(c => {
  const svg = c.querySelector('.main-svg');
  const width = Number(svg.getAttribute('width'));
  return {width, drawn: width * Number(getComputedStyle(svg).zoom), box: c.clientWidth,
          chart: svg.getBoundingClientRect().height,
          container: c.closest('[data-testid="stElementContainer"]').getBoundingClientRect().height};
})"""
PAPER_COLUMN = 718  # px: A4's 794 px less the browser's default margins


def _print_layout(page) -> None:
    """The page as the browser lays it out for paper: print media at the paper's width, with scripts switched off as
    in the browser's print (no resize handler runs, so Plotly does not redraw)."""
    page.emulate_media(media="print")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
    cdp.send("Emulation.setDeviceMetricsOverride",
             {"width": PAPER_COLUMN, "height": 1000, "deviceScaleFactor": 1, "mobile": False})


def test_charts_drawn_in_a_wide_window_fit_the_paper(server, browser):
    page = new_page(browser, {"width": 1366, "height": 768})
    try:
        open_page(page, f"{server.url}arbeit?kreis=08216")
        _print_layout(page)
        charts = page.evaluate(PRINTED_CHARTS)
    finally:
        page.context.close()
    assert len(charts) == 7
    assert all(chart["width"] > PAPER_COLUMN for chart in charts), charts  # drawn for the window, not for paper
    assert all(chart["drawn"] <= chart["box"] + 1 for chart in charts), charts  # none cut at the right edge
    assert all(chart["container"] <= chart["chart"] + 2 for chart in charts), charts  # no empty band below


def test_the_printed_map_keeps_its_legend_beside_it(server, browser):
    page = new_page(browser, {"width": 1366, "height": 768})
    try:
        open_page(page, f"{server.url}kreisvergleich?kreis=08216", charts=1)
        _print_layout(page)
        chart = page.locator('[data-testid="stPlotlyChart"]').first.bounding_box()
        legend = page.locator(".im-map-legend").bounding_box()
    finally:
        page.context.close()
    assert legend["x"] >= chart["x"] + chart["width"], (chart, legend)
    assert legend["y"] < chart["y"] + chart["height"] / 2, (chart, legend)
