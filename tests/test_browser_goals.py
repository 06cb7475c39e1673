"""Goals in the browser under two of the example structures (issue 14): a Handlungsfeld page with a goal card (its
computed status and the chart with baseline, target path and target) and the page Ziele & Maßnahmen (summary,
the steering group's review, goal cards, measures).  One server per structure (INTEGRATIONSMONITOR_STRUKTUR);
full-page screenshots go to test-artifacts/goals/<struktur>/<page>.png for a person to look at."""
from __future__ import annotations

import pytest

from monitoring import goals
from monitoring.browser_harness import (
    PROJECT_DIR,
    chart_texts,
    error_messages,
    full_page_screenshot,
    new_page,
    open_page,
    wait_for_idle,
)
from tests.conftest import dashboard_server

pytestmark = pytest.mark.browser

ARTIFACTS = PROJECT_DIR / "test-artifacts" / "goals"
# structure -> (district, the field page with a goal measured by an indicator, a goal text on it)
STRUCTURES = {
    "rastatt": ("08216", "bildung-und-arbeit", "Die Arbeitslosenquote der Ausländerinnen und Ausländer sinkt."),
    "rhein-neckar": ("08226", "ausbildung-und-arbeit", None),
}
GOAL_CARD = '[class*="st-key-feld_ziel_"], [class*="st-key-ziel_"]'
# The outermost keyed containers: the card (its numbers popover inside carries a key with the same prefix).
CARD_TEXTS = f"""() => [...document.querySelectorAll('{GOAL_CARD}')]
  .filter(e => !e.parentElement.closest('{GOAL_CARD}')).map(e => e.innerText)"""


@pytest.fixture(scope="module", params=list(STRUCTURES))
def server(request):
    srv = dashboard_server(f"streamlit-goals-{request.param}.log", env={"INTEGRATIONSMONITOR_STRUKTUR": request.param})
    srv.struktur = request.param
    yield srv
    srv.stop()


@pytest.mark.xfail(reason="a plain `streamlit run` (no warm-up run): Streamlit's 'Page not found' dialog on the first "
                          "visit after the server's start to a structure's own field page; the page itself is shown, "
                          "later visits are fine; the deployment recipe's warm-up avoids it (tests/test_proxy.py "
                          "test_the_first_visitor_after_a_start_sees_no_page_not_found)", strict=False)
def test_first_deep_link_to_a_structure_field_page_has_no_page_not_found(server, browser):
    kreis, slug, _ = STRUCTURES[server.struktur]
    page = new_page(browser, {"width": 1366, "height": 900})
    try:
        open_page(page, f"{server.url}{slug}?kreis={kreis}")
        page.wait_for_timeout(500)
        assert page.get_by_text("Page not found").count() == 0
    finally:
        page.context.close()


def goal_cards(page) -> list[str]:
    return page.evaluate(CARD_TEXTS)


def assert_goal_cards_with_status_and_target_path(page) -> None:
    cards = goal_cards(page)
    assert cards, "no goal card"
    assert all(any(status in card for status in goals.STATUSES) for card in cards), cards
    target_charts = [t for t in chart_texts(page) if "Zielpfad" in t["legend"] and "Ausgangswert" in t["legend"]]
    assert target_charts, chart_texts(page)


def test_field_page_shows_its_goal_with_status_and_target_path(server, browser):
    kreis, slug, goal_text = STRUCTURES[server.struktur]
    page = new_page(browser, {"width": 1366, "height": 900})
    try:
        open_page(page, f"{server.url}{slug}?kreis={kreis}", charts=1)
        page.get_by_text("Ziele und Maßnahmen des Integrationskonzepts").first.scroll_into_view_if_needed()
        page.wait_for_timeout(800)  # the charts below the fold have drawn
        assert error_messages(page) == [] and page.get_by_text("Page not found").count() == 0
        assert_goal_cards_with_status_and_target_path(page)
        if goal_text:
            assert any(goal_text in card for card in goal_cards(page))
        assert page.get_by_text("Beispiele:", exact=False).count() >= 1  # the example banner
        folder = ARTIFACTS / server.struktur
        folder.mkdir(parents=True, exist_ok=True)
        wait_for_idle(page)
        full_page_screenshot(page, folder / f"{slug}.png")
    finally:
        page.context.close()


def test_goals_page_shows_summary_review_goals_and_measures(server, browser):
    kreis = STRUCTURES[server.struktur][0]
    page = new_page(browser, {"width": 1366, "height": 900})
    try:
        open_page(page, f"{server.url}ziele-massnahmen?kreis={kreis}", charts=1)
        page.wait_for_timeout(800)
        assert error_messages(page) == []
        headers = page.locator("h2").all_inner_texts()
        for header in ("Stand je Handlungsfeld", "Seit der letzten Überprüfung", "Wirkungsziele", "Maßnahmen"):
            assert any(header in h for h in headers), (header, headers)
        assert_goal_cards_with_status_and_target_path(page)
        folder = ARTIFACTS / server.struktur
        folder.mkdir(parents=True, exist_ok=True)
        wait_for_idle(page)
        full_page_screenshot(page, folder / "ziele-massnahmen.png")
    finally:
        page.context.close()
