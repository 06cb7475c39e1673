"""The dashboard in a real browser (headless Debian Chromium through Playwright): every page renders, the sidebar
filters drive the charts and the URL, a shared link reproduces the view, a bad link falls back visibly.

One Streamlit server per module; a fresh browser context (a new visitor) per test.  Full-page screenshots of every
page go to test-artifacts/screenshots/<page>.png (git-ignored) so a person can look at them; the server's log goes to
test-artifacts/streamlit-browser-tests.log.

    .venv/bin/python -m pytest -q -m browser tests/test_browser.py
"""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from monitoring.browser_harness import (
    CHART_TITLE_JS,
    FIRST_LOAD_TIMEOUT_MS,
    PROJECT_DIR,
    VIEWPORT,
    add_to_multiselect,
    chart_count,
    chart_mentions,
    chart_texts,
    choose,
    error_messages,
    full_page_screenshot,
    multiselect_values,
    nudge_slider,
    open_page,
    path_of,
    query_of,
    selected_option,
    slider_values,
    wait_for_charts,
    wait_for_idle,
)
from tests.conftest import dashboard_server

pytestmark = pytest.mark.browser

ARTIFACTS = PROJECT_DIR / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
DEFAULT_KREIS = "Rastatt"  # .streamlit/integrationsmonitor.toml: default_kreis = "08216"
URL_NOTE = "Unbekannte Angabe"
STUTTGART = ("08111", "Stuttgart")  # the district code, or the label if the selectbox is bound to the URL

# url path -> (what the page must show, words its title contains)
PAGES = {
    "ueberblick": ("metrics", "Integrationsmonitor"),
    "sprache": ("charts", "Sprache"),
    "bildung": ("charts", "Bildung"),
    "arbeit": ("charts", "Arbeit"),
    "wohnen": ("charts", "Wohnen"),  # homeless people in accommodation (22971-0080): breakdown and ranking
    "gesundheit": ("info", "Gesundheit"),
    "zusammenleben": ("charts", "Zusammenleben"),
    "bevoelkerung": ("charts", "Bevölkerung"),
    "kreisvergleich": ("charts", "Kreisvergleich"),
    "daten-methodik": ("dataframes", "Daten & Methodik"),
    "daten-aktualisieren": ("uploader", "Daten aktualisieren"),
}


@pytest.fixture(scope="module")
def server():
    srv = dashboard_server("streamlit-browser-tests.log")
    yield srv
    srv.stop()


def _new_page(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="de-DE")
    context.set_default_timeout(30_000)
    return context, context.new_page()


@pytest.fixture
def page(browser):
    context, new = _new_page(browser)
    yield new
    context.close()


def main_title(page) -> str:
    heading = page.locator('[data-testid="stMain"] h1').first
    heading.wait_for(timeout=FIRST_LOAD_TIMEOUT_MS)
    return heading.inner_text().strip()


def sidebar_warnings(page) -> list[str]:
    return page.locator('[data-testid="stSidebar"] [data-testid="stAlertContentWarning"]').all_inner_texts()


def wait_for_mentions(page, name: str, at_least: int, timeout: float = FIRST_LOAD_TIMEOUT_MS) -> None:
    """Wait until at least `at_least` drawn charts name `name` in their title or legend."""
    page.wait_for_function(
        """([name, n]) => { const titleOf = %TITLE_OF%;
             return [...document.querySelectorAll('.js-plotly-plot')].filter(el => titleOf(el).includes(name) ||
               [...el.querySelectorAll('.legendtext')].some(t => (t.textContent || '').includes(name))).length >= n; }""".replace("%TITLE_OF%", CHART_TITLE_JS),
        arg=[name, at_least], timeout=timeout, polling=100)


# ── every page ──────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("slug", list(PAGES))
def test_page_loads_without_error_and_renders(server, page, slug):
    shows, title_word = PAGES[slug]
    page.goto(server.url + slug, wait_until="domcontentloaded", timeout=FIRST_LOAD_TIMEOUT_MS)
    try:
        if shows == "charts":
            wait_for_charts(page, 1, timeout=FIRST_LOAD_TIMEOUT_MS)
        else:
            wait_for_idle(page, timeout=FIRST_LOAD_TIMEOUT_MS)
    finally:  # a picture of the page even when it failed to render
        full_page_screenshot(page, SCREENSHOTS / f"{slug}.png")

    assert error_messages(page) == [], f"/{slug} shows an error"
    # the default page (Überblick) is shown at "/": Streamlit rewrites /ueberblick to the root
    assert path_of(page.url) in ({f"/{slug}", "/"} if slug == "ueberblick" else {f"/{slug}"}), page.url
    assert title_word in main_title(page)
    if shows == "charts":
        assert chart_count(page) >= 1, f"/{slug}: a Handlungsfeld with data shows at least one chart"
        assert all(t["title"] for t in chart_texts(page)), "every chart has a title"
    elif shows == "info":
        assert chart_count(page) == 0, f"/{slug} has no official data and shows no chart"
        info = page.locator('[data-testid="stMain"] [data-testid="stAlertContentInfo"]')
        assert info.count() >= 1 and "keine amtliche Statistik" in info.first.inner_text()
    elif shows == "metrics":
        assert page.locator('[data-testid="stMetric"]').count() >= 4, "Überblick shows one tile per Handlungsfeld"
    elif shows == "dataframes":
        assert page.locator('[data-testid="stDataFrame"]').count() >= 2, "catalogue and sources as tables"
    elif shows == "uploader":
        assert page.locator('[data-testid="stFileUploader"]').count() >= 1, "editors can upload exports"


def test_nothing_is_loaded_from_outside_the_server(server, page):
    """Offline in the Kreistag: no web fonts, no CDN, no map tiles, no usage statistics — every request of every
    page goes to the dashboard's own server."""
    outside = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:")) else None)
    for slug, (shows, _) in PAGES.items():
        page.goto(server.url + slug, wait_until="domcontentloaded", timeout=FIRST_LOAD_TIMEOUT_MS)
        if shows == "charts":
            wait_for_charts(page, 1, timeout=FIRST_LOAD_TIMEOUT_MS)
        else:
            wait_for_idle(page, timeout=FIRST_LOAD_TIMEOUT_MS)
    assert outside == []


def _clicked_switches_only_on_request_and_leads_back(page) -> None:
    """After a click on the map or a bar: the clicked district's values appear in place, the dashboard stays with
    Rastatt; "als Kreis wählen" switches it, "Zurück zu Rastatt" returns."""
    choose_button = page.get_by_role("button", name="als Kreis wählen")
    choose_button.wait_for(timeout=FIRST_LOAD_TIMEOUT_MS)
    wait_for_idle(page)
    assert query_of(page.url)["kreis"][0].startswith("08216") and DEFAULT_KREIS in main_title(page)
    clicked = choose_button.inner_text().split("\n")[-1].replace(" als Kreis wählen", "").strip()  # after the icon
    assert clicked and clicked != DEFAULT_KREIS
    choose_button.click()
    page.wait_for_function("() => !new URL(location.href).searchParams.get('kreis')?.startsWith('08216')",
                           timeout=FIRST_LOAD_TIMEOUT_MS)
    wait_for_idle(page)
    chosen = query_of(page.url)["kreis"][0]
    assert chosen.startswith("08") and chosen != "08216"
    assert selected_option(page, "Kreis") == clicked and DEFAULT_KREIS not in main_title(page)
    page.get_by_role("button", name=f"Zurück zu {DEFAULT_KREIS}").click()
    page.wait_for_function("() => new URL(location.href).searchParams.get('kreis')?.startsWith('08216')",
                           timeout=FIRST_LOAD_TIMEOUT_MS)
    wait_for_idle(page)
    assert selected_option(page, "Kreis") == DEFAULT_KREIS


def test_click_on_the_map_shows_that_district_in_place_and_switches_only_on_request(server, page):
    open_page(page, server.url + "kreisvergleich?kreis=08216", charts=1)
    # the boundaries come from app/static/ (static serving): without them the map would stay empty
    districts = page.locator(".js-plotly-plot .choroplethlayer path.choroplethlocation")
    page.wait_for_function("() => document.querySelectorAll('.choroplethlayer path.choroplethlocation').length >= 44",
                           timeout=FIRST_LOAD_TIMEOUT_MS)
    assert districts.count() >= 44
    full_page_screenshot(page, SCREENSHOTS / "kreisvergleich-karte.png")
    box = page.locator(".js-plotly-plot .choroplethlayer").first.bounding_box()
    # the map shows Baden-Württemberg: the point in its middle lies in a district other than Rastatt
    page.mouse.click(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.5)
    _clicked_switches_only_on_request_and_leads_back(page)


def test_comparison_tab_switch_shows_the_ranking_in_the_url_and_a_bar_click_shows_the_district(server, page, browser):
    open_page(page, server.url + "kreisvergleich?kreis=08216", charts=1)
    page.get_by_role("tab", name="Rangfolge").click()
    page.wait_for_url(lambda url: query_of(url).get("ansicht") == ["rangfolge"], timeout=30_000)
    wait_for_charts(page, 1)
    assert any(text["title"].startswith("Rangfolge") for text in chart_texts(page)), chart_texts(page)
    assert page.locator(".js-plotly-plot .choroplethlayer").count() == 0  # the map tab is not drawn meanwhile
    full_page_screenshot(page, SCREENSHOTS / "kreisvergleich-rangfolge.png")
    # the copied link opens the same tab for a new visitor
    context, other = _new_page(browser)
    try:
        open_page(other, page.url, charts=1)
        assert other.get_by_role("tab", name="Rangfolge").get_attribute("aria-selected") == "true"
        assert any(text["title"].startswith("Rangfolge") for text in chart_texts(other))
    finally:
        context.close()
    # a click on the top bar (the highest value, not Rastatt) shows that district in place
    top_bar = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot .bars .point path')]
        .map(p => p.getBoundingClientRect()).sort((a, b) => a.top - b.top)[0].toJSON()""")
    page.mouse.click(top_bar["x"] + top_bar["width"] / 2, top_bar["y"] + top_bar["height"] / 2)
    _clicked_switches_only_on_request_and_leads_back(page)


def test_numbers_behind_a_chart_open_on_request_and_download_as_german_csv(server, page):
    open_page(page, server.url + "arbeit?kreis=08216", charts=1)
    assert page.locator('[data-testid="stDataFrame"]').count() == 0  # no table is built before it is asked for
    numbers = page.get_by_role("button", name="Zahlen und CSV").first
    numbers.evaluate("button => button.scrollIntoView({block: 'center'})")  # the popover opens below its button
    numbers.click()
    table = page.locator('[data-testid="stDataFrame"]').first
    table.wait_for(state="visible")
    with page.expect_download() as download:
        page.get_by_role("button", name="CSV herunterladen").first.click()
    with page.expect_download() as workbook:  # the same numbers as a workbook (checked below)
        page.get_by_role("button", name="XLSX herunterladen").first.click()
    full_page_screenshot(page, SCREENSHOTS / "arbeit-zahlen.png")  # after: it resizes the window for the shot
    text = download.value.path().read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert re.fullmatch(r"[a-z_]+_08216_\d{4}-\d{2}-\d{2}\.csv", download.value.suggested_filename)
    header = [line for line in lines if line.startswith("# ")]
    assert lines[0].startswith("# ") and any(line.startswith("# Quelle:") for line in header)
    assert "# Kreis: Rastatt (08216)" in header  # the filters are named in the header
    header = next(line for line in lines if line and not line.startswith("#"))
    assert header.split(";")[:3] == ["Region", "Ebene", "Stichtag"]  # the level named beside every value
    rastatt = next(line for line in lines if line.startswith("Rastatt;"))
    assert rastatt.split(";")[1] == "Kreis"
    value = rastatt.split(";")[3]
    assert value == "" or "," in value or value.isdigit()  # decimal comma, never a point
    # the workbook: sheet "Daten" with the CSV's rows as numbers, sheet "Kontext" with what they are
    assert workbook.value.suggested_filename == download.value.suggested_filename.removesuffix(".csv") + ".xlsx"
    book = load_workbook(io.BytesIO(workbook.value.path().read_bytes()))  # no .xlsx suffix on the temp file
    assert book.sheetnames == ["Daten", "Kontext"]
    rows = list(book["Daten"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Region", "Ebene", "Stichtag")
    table = [line for line in lines if line and not line.startswith("#")]
    assert len(rows) == len(table)  # the CSV's rows, header included
    assert all(isinstance(row[3], (int, float)) for row in rows[1:] if row[3] is not None)
    context = {label: text for label, text in book["Kontext"].iter_rows(values_only=True)}
    assert context["Kreis"] == "Rastatt (08216)" and context["Lizenz"]


def test_root_shows_the_overview(server, page):
    open_page(page, server.url)
    assert error_messages(page) == []
    assert main_title(page) == f"Integrationsmonitor {DEFAULT_KREIS}"
    assert page.locator('[data-testid="stMetric"]').count() >= 4


# ── filters ─────────────────────────────────────────────────────────────────────────────────────


def test_district_change_updates_charts_and_url(server, page):
    open_page(page, server.url + "arbeit", charts=1)
    before = chart_texts(page)
    named_before = chart_mentions(before, DEFAULT_KREIS)
    assert named_before >= 1, f"a chart names the district: {before}"

    choose(page, "Kreis", "Stuttgart")
    page.wait_for_url(lambda url: query_of(url).get("kreis", [""])[0] in STUTTGART, timeout=30_000)
    wait_for_mentions(page, "Stuttgart", named_before)
    wait_for_charts(page, 1)

    after = chart_texts(page)
    assert after != before
    assert chart_mentions(after, "Stuttgart") >= named_before, after
    assert selected_option(page, "Kreis") == "Stuttgart"
    assert "Stuttgart" in main_title(page)
    assert query_of(page.url)["kreis"][0] in STUTTGART, page.url
    assert path_of(page.url) == "/arbeit"
    assert error_messages(page) == []
    assert not [w for w in sidebar_warnings(page) if URL_NOTE in w], \
        "choosing a district in the sidebar must not produce the 'unknown value in the link' note"


def test_copied_url_reproduces_the_view(server, browser, page):
    open_page(page, server.url + "bevoelkerung", charts=1)
    choose(page, "Kreis", "Göppingen")
    wait_for_mentions(page, "Göppingen", 1)
    wait_for_charts(page, 1)
    before = page.url
    add_to_multiselect(page, "Vergleich", "Stuttgart")
    page.wait_for_url(lambda url: url != before and "vergleich=" in url, timeout=30_000)
    wait_for_mentions(page, "Stuttgart", 1)
    wait_for_charts(page, 1)
    before = page.url
    nudge_slider(page, "Zeitraum", "start", 3)
    page.wait_for_url(lambda url: url != before and "zeitraum=" in url, timeout=30_000)
    wait_for_charts(page, 1)

    shared = page.url
    params = query_of(shared)
    assert {"kreis", "vergleich", "zeitraum"} <= params.keys(), shared
    sender = {
        "path": path_of(shared),
        "title": main_title(page),
        "kreis": selected_option(page, "Kreis"),
        "vergleich": multiselect_values(page, "Vergleich"),
        "zeitraum": slider_values(page, "Zeitraum"),
        "charts": chart_texts(page),
    }
    assert sender["kreis"] == "Göppingen" and "Stuttgart" in sender["vergleich"]

    context, receiver_page = _new_page(browser)
    try:
        open_page(receiver_page, shared, charts=len(sender["charts"]))
        receiver = {
            "path": path_of(receiver_page.url),
            "title": main_title(receiver_page),
            "kreis": selected_option(receiver_page, "Kreis"),
            "vergleich": multiselect_values(receiver_page, "Vergleich"),
            "zeitraum": slider_values(receiver_page, "Zeitraum"),
            "charts": chart_texts(receiver_page),
        }
        full_page_screenshot(receiver_page, SCREENSHOTS / "shared-link.png")
        assert error_messages(receiver_page) == []
        assert receiver == sender, f"shared link {shared} shows a different view"
        assert not [w for w in sidebar_warnings(receiver_page) if URL_NOTE in w], \
            f"a valid shared link must not show the fallback note: {sidebar_warnings(receiver_page)}"
    finally:
        context.close()


def test_district_code_in_url_opens_that_district(server, page):
    """The documented link form (.streamlit/integrationsmonitor.toml): ?kreis=<AGS>."""
    open_page(page, server.url + "arbeit?kreis=08111", charts=1)
    assert error_messages(page) == []
    assert selected_option(page, "Kreis") == "Stuttgart"
    assert "Stuttgart" in main_title(page)
    assert chart_mentions(chart_texts(page), "Stuttgart") >= 1
    assert not [w for w in sidebar_warnings(page) if URL_NOTE in w]


def test_unknown_district_in_url_falls_back_with_visible_note(server, page):
    open_page(page, server.url + "?kreis=99999")
    full_page_screenshot(page, SCREENSHOTS / "unknown-district.png")
    assert error_messages(page) == []
    notes = [w for w in sidebar_warnings(page) if URL_NOTE in w]
    assert notes, f"expected a sidebar warning containing '{URL_NOTE}', got {sidebar_warnings(page)}"
    assert selected_option(page, "Kreis") == DEFAULT_KREIS
    assert DEFAULT_KREIS in main_title(page)


def test_file_uploader_speaks_german(server, page):
    """Streamlit's uploader has English texts no option sets ("Upload", "50MB per file"): the page style draws
    German ones in their place (monitoring/page_style.css) and shrinks the English ones to nothing."""
    open_page(page, server.url + "daten-aktualisieren")
    zone = page.locator('[data-testid="stFileUploaderDropzone"]').first
    zone.wait_for()
    drawn = zone.evaluate("""zone => {
        const label = zone.querySelector('button [data-testid="stMarkdownContainer"] p');
        const line = zone.querySelector('[data-testid="stFileUploaderDropzoneInstructions"] span');
        const shown = el => ({after: getComputedStyle(el, '::after').content,
                              size: parseFloat(getComputedStyle(el).fontSize)});
        return {button: shown(label), line: shown(line)};
    }""")
    assert drawn["button"]["after"] == '"Dateien wählen"' and drawn["button"]["size"] == 0
    assert drawn["line"]["after"] == '"oder hierher ziehen"' and drawn["line"]["size"] == 0


def test_sidebar_menu_button_speaks_german(server, page):
    """Streamlit folds a menu of more than ten pages behind "View 5 more" / "View less", texts no option sets: the
    page style draws German ones, and which one follows whether the menu shows its last page."""
    open_page(page, server.url + "arbeit")
    button = page.locator('[data-testid="stSidebarNavViewButton"]')
    drawn = """b => ({after: getComputedStyle(b, '::after').content, size: parseFloat(getComputedStyle(b).fontSize)})"""
    assert button.evaluate(drawn) == {"after": '"Alle Seiten zeigen"', "size": 0}
    links = page.locator('[data-testid="stSidebarNavLink"]')
    folded = links.count()
    button.click()
    expect(links).not_to_have_count(folded)
    assert button.evaluate(drawn) == {"after": '"Weniger Seiten zeigen"', "size": 0}


def test_chart_toolbar_speaks_german(server, page):
    """Plotly's toolbar is German (locale de); the "Fullscreen" button Streamlit adds to it says "Vollbild"."""
    open_page(page, server.url + "arbeit?kreis=08216")
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.hover()
    tooltips = chart.locator(".modebar-btn").evaluate_all(
        "buttons => buttons.map(b => getComputedStyle(b, '::after').content)")
    assert '"Vollbild"' in tooltips and '"Grafik als PNG herunterladen"' in tooltips, tooltips
    assert not [t for t in tooltips if "Fullscreen" in t or "Download" in t], tooltips
