"""Links into the dashboard that name a page: /ueberblick and the data pages open without Streamlit's English
"Page not found", also as the very first request after the server started, and keep the link's district.

The Überblick is Streamlit's default page and lives at "/"; /ueberblick reaches it through a hidden page
(dashboard.py).  The first request after a start is special: Streamlit runs a folder pages/ the legacy way until the
entry point has called st.navigation once (monitoring/ui.py `_leave_legacy_page_mode`), which is why this module
starts a server of its own and makes its first request a deep link.
"""
from __future__ import annotations

import pytest

from monitoring.browser_harness import VIEWPORT, open_page, path_of, query_of
from tests.conftest import dashboard_server

pytestmark = pytest.mark.browser

NOT_FOUND = "Page not found"


@pytest.fixture(scope="module")
def server():
    srv = dashboard_server("streamlit-deep-links.log")
    yield srv
    srv.stop()


def _visit(browser, url: str) -> tuple[str, str, str]:
    """(page text, final path, final kreis parameter) after the page has settled."""
    context = browser.new_context(viewport=VIEWPORT, locale="de-DE")
    try:
        page = context.new_page()
        open_page(page, url)
        page.wait_for_timeout(500)  # the page-not-found dialog arrives with the first script run's messages
        heading = page.locator('[data-testid="stMain"] h1').first
        heading.wait_for()
        return page.locator("body").inner_text(), path_of(page.url), query_of(page.url).get("kreis", [""])[0]
    finally:
        context.close()


def test_first_request_after_start_to_ueberblick_opens_the_overview_of_the_linked_district(server, browser):
    text, path, kreis = _visit(browser, server.url + "ueberblick?kreis=08117")
    assert NOT_FOUND not in text
    assert "Integrationsmonitor Göppingen" in text
    assert path == "/" and kreis == "08117"


@pytest.mark.parametrize("slug, title", [("ueberblick", "Integrationsmonitor Rhein-Neckar-Kreis"),
                                         ("daten-methodik", "Daten & Methodik"),
                                         ("ziele-massnahmen", "Ziele & Maßnahmen")])
def test_deep_links_open_their_page_without_not_found(server, browser, slug, title):
    text, path, _ = _visit(browser, server.url + f"{slug}?kreis=08226")
    assert NOT_FOUND not in text
    assert title in text
    assert path == ("/" if slug == "ueberblick" else f"/{slug}")
