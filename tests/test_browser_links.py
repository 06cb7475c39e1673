"""A crafted shared link in a real browser: the note about ignored link values shows no link, loads no image.

Complements tests/test_url_params.py (AppTest sees the Markdown source; here Chromium renders it)."""
from __future__ import annotations

import urllib.parse

import pytest

from monitoring.browser_harness import (
    VIEWPORT,
    launch_browser,
    open_page,
)
from tests.conftest import dashboard_server

pytestmark = pytest.mark.browser

INJECTION = "[klick hier](https://evil.example/login) ![t](https://evil.example/t.png)"
SHORTCODES = ":material/home: :red[rot] <img src=https://evil.example/h.png>"
NOTE = '[data-testid="stSidebar"] [data-testid="stAlertContentWarning"] [data-testid="stMarkdownContainer"]'


@pytest.fixture(scope="module")
def server():
    srv = dashboard_server("streamlit-browser-links.log")
    yield srv
    srv.stop()


def test_markdown_in_link_values_is_shown_as_plain_text(server):
    from playwright.sync_api import sync_playwright

    query = urllib.parse.urlencode({"kreis": INJECTION, "vergleich": f"land,{SHORTCODES}", "zeitraum": INJECTION})
    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        try:
            context = browser.new_context(viewport=VIEWPORT, locale="de-DE")
            page = context.new_page()
            outside = []
            page.on("request", lambda r: outside.append(r.url)
                    if urllib.parse.urlsplit(r.url).hostname == "evil.example" else None)
            open_page(page, f"{server.url}arbeit?{query}", charts=1)
            note = page.locator(NOTE)
            note.wait_for()
            text, markup = note.inner_text(), note.inner_html()
        finally:
            browser.close()
    assert text.startswith("Unbekannte Angabe im Link ignoriert: Kreis „") and "klick hier" in text, text
    assert "<a" not in markup and "<img" not in markup and "material-symbols" not in markup.lower(), markup
    assert "evil.example" not in markup and not outside, outside
