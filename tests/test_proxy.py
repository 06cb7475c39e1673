"""The deployment recipe, tested: deploy/nginx.conf (ports and paths replaced, nothing else) runs in front of a
Streamlit server with --server.baseUrlPath integrationsmonitor; HTTP checks of the security headers, gzip and the
host check, then a real browser through the proxy (WebSocket upgrade, base path, no console errors, nothing from
outside), and that editing is not offered through the proxy without a configured sign-in.

nginx is the Debian package (`apt-get install nginx`); it runs as an unprivileged-port process with its pid, logs and
temp files in a temporary folder (monitoring/proxy_harness.py, shared with bench/load_test.py).

    .venv/bin/python -m pytest -q tests/test_proxy.py
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import re
from pathlib import Path

import pytest

from monitoring import browser_harness
from monitoring.browser_harness import (
    FIRST_LOAD_TIMEOUT_MS,
    PROJECT_DIR,
    chart_count,
    chart_mentions,
    chart_texts,
    chromium_available,
    error_messages,
    launch_browser,
    wait_for_charts,
)
from monitoring.proxy_harness import BASE, HOST, NGINX, NginxProxy, app_request, start_app

ARTIFACTS = PROJECT_DIR / "test-artifacts"


def inline_script_hashes() -> list[str]:
    """CSP hashes of the inline scripts in the installed Streamlit's index.html."""
    import streamlit

    index = (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    return ["'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
            for body in re.findall(r"<script>(.*?)</script>", index, re.S)]


# ── fixtures ────────────────────────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def app():
    if not NGINX:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx); the proxy recipe cannot be tested")
    server = start_app(ARTIFACTS / "streamlit-proxy-tests.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def proxy(app, tmp_path_factory):
    nginx = NginxProxy(tmp_path_factory.mktemp("nginx"), [app.port])
    nginx.start()
    yield nginx
    nginx.stop()


# ── HTTP ────────────────────────────────────────────────────────────────────────────────────────


def test_the_page_comes_through_the_base_path_with_security_headers(proxy):
    status, headers, body = proxy.request(f"/{BASE}/arbeit?kreis=08117")
    assert status == 200 and b'id="root"' in body
    csp = headers["content-security-policy"]
    directives = dict((d.split()[0], d.split()[1:]) for d in csp.split(";") if d.strip())
    for name, sources in directives.items():
        for source in sources:  # keywords, hashes and data:/blob: only: no host, no wildcard, no http(s):
            assert source.startswith("'") or source in ("data:", "blob:"), (name, source)
    assert directives["frame-ancestors"] == ["'none'"] and directives["object-src"] == ["'none'"]
    for digest in inline_script_hashes():  # Streamlit's inline script in index.html is allowed, nothing else
        assert digest in directives["script-src"], f"{digest}: Streamlit's index.html changed, update the CSP"
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "server" not in headers or "nginx/" not in headers["server"]  # server_tokens off


def test_the_health_check_and_the_root_redirect(proxy):
    status, headers, body = proxy.request(f"/{BASE}/_stcore/health")
    assert (status, body.strip()) == (200, b"ok") and "content-security-policy" in headers
    status, headers, _ = proxy.request("/")
    assert status == 302 and headers["location"].endswith(f"/{BASE}/")
    assert proxy.request("/etc/passwd")[0] == 404


def test_the_script_health_check_is_for_the_app_itself_not_for_visitors(proxy, app):
    assert proxy.request(f"/{BASE}/_stcore/script-health-check")[0] == 404  # nginx: never from outside
    assert app_request(app.port, f"/{BASE}/_stcore/script-health-check", timeout=60) == (200, b"ok")


def test_javascript_is_gzipped(proxy):
    _, _, index = proxy.request(f"/{BASE}/")
    script = re.search(rb'src="\./(static/js/index\.[^"]+\.js)"', index).group(1).decode()
    status, headers, body = proxy.request(f"/{BASE}/{script}", headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("content-encoding") == "gzip" and "accept-encoding" in headers["vary"].lower()
    plain = gzip.decompress(body)
    assert len(body) < len(plain) / 2
    assert headers["x-content-type-options"] == "nosniff"  # headers on static files as well


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1", f"{HOST}.evil.example"])
def test_an_unknown_host_gets_the_connection_closed(proxy, host):
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine)):
        proxy.request(f"/{BASE}/", host=host)


def test_a_request_without_host_is_refused(proxy):
    assert proxy.request(f"/{BASE}/", host="")[0] == 400  # nginx itself: HTTP/1.1 needs a Host


# ── browser ─────────────────────────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def browser(proxy):
    if not chromium_available():
        pytest.skip("Debian's Chromium is missing at /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = launch_browser(playwright, proxy.browser_args)
        yield chromium
        chromium.close()


@pytest.mark.browser
def test_a_shared_link_through_the_proxy_shows_its_page_and_chart_without_console_errors(proxy, browser):
    context = browser.new_context(viewport=browser_harness.VIEWPORT, locale="de-DE")
    page = context.new_page()
    console, outside, sockets, failed = [], [], [], []
    page.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.on("pageerror", lambda err: console.append(str(err)))
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith((proxy.origin, "data:", "blob:")) else None)
    page.on("websocket", lambda ws: sockets.append(ws.url))
    try:
        page.goto(proxy.url("arbeit?kreis=08117"), wait_until="domcontentloaded", timeout=FIRST_LOAD_TIMEOUT_MS)
        wait_for_charts(page, 1, timeout=FIRST_LOAD_TIMEOUT_MS)
        heading = page.locator('[data-testid="stMain"] h1').first.inner_text()
        assert "Arbeit" in heading
        assert page.locator("html").get_attribute("lang") == "de"
        assert chart_count(page) >= 1 and error_messages(page) == []
        assert chart_mentions(chart_texts(page), "Göppingen") >= 1  # ?kreis=08117 applied
        assert page.url.startswith(proxy.url("arbeit"))  # the base path stays in the address
        assert sockets and all(url.startswith(f"ws://{HOST}:{proxy.port}/{BASE}/_stcore/stream") for url in sockets)
        # no sign-in is configured and the visitor comes through a proxy: editing is not offered
        assert page.locator('[data-testid="stSidebarNav"]').inner_text().count("Daten aktualisieren") == 0
        page.goto(proxy.url("kreisvergleich?kreis=08117"), wait_until="domcontentloaded")
        wait_for_charts(page, 1, timeout=FIRST_LOAD_TIMEOUT_MS)
    finally:
        context.close()
    # The page is told its base path (deploy/nginx.conf: _base_url.js), so a deep link makes no probe that fails:
    # no failed request and no console error at all
    assert failed == [], failed
    assert console == [], console
    assert outside == [], outside
    assert "[error]" not in proxy.error_log() and "[crit]" not in proxy.error_log()


@pytest.mark.browser
@pytest.mark.parametrize("slug", ["ziele-massnahmen", "daten-methodik"])
def test_the_first_visitor_after_a_start_sees_no_page_not_found(tmp_path, browser, slug):
    """Started like the systemd unit (with its warm-up run of the script), the very first request of a fresh app
    process may be a link whose path is not a file name in pages/: no "Page not found" (without the warm-up,
    Streamlit's legacy handling of pages/ shows it once)."""
    server = start_app(ARTIFACTS / f"streamlit-first-visit-{slug}.log")
    nginx = NginxProxy(tmp_path / "nginx", [server.port])
    try:
        nginx.start()
        context = browser.new_context(viewport=browser_harness.VIEWPORT, locale="de-DE")
        page = context.new_page()
        page.goto(nginx.url(f"{slug}?kreis=08117"), wait_until="domcontentloaded", timeout=FIRST_LOAD_TIMEOUT_MS)
        page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=FIRST_LOAD_TIMEOUT_MS)
        browser_harness.wait_for_idle(page)
        text = page.locator("body").inner_text()
        context.close()
    finally:
        nginx.stop()
        server.stop()
    assert "Page not found" not in text
    assert {"ziele-massnahmen": "Ziele & Maßnahmen", "daten-methodik": "Daten & Methodik"}[slug] in text
