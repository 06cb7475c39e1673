"""The deployment recipe, tested: deploy/nginx.conf (ports and paths replaced, nothing else) runs in front of a
Streamlit server with --server.baseUrlPath integrationsmonitor; HTTP checks of the security headers, gzip and the
host check, then a real browser through the proxy (WebSocket upgrade, base path, no console errors, nothing from
outside), and that editing is not offered through the proxy without a configured sign-in.

nginx is the Debian package (`apt-get install nginx`); it runs as an unprivileged-port process with its pid, logs and
temp files in a temporary folder.  `NginxProxy` is reused by bench/load_test.py.

    .venv/bin/python -m pytest -q tests/test_proxy.py
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from monitoring import browser_harness
from monitoring.browser_harness import (
    FIRST_LOAD_TIMEOUT_MS,
    PROJECT_DIR,
    StreamlitServer,
    chart_count,
    chart_mentions,
    chart_texts,
    chromium_available,
    error_messages,
    free_port,
    launch_browser,
    wait_for_charts,
)

DEPLOY_CONF = PROJECT_DIR / "deploy" / "nginx.conf"
HOST = "monitor.example-kreis.de"  # server_name in deploy/nginx.conf
BASE = "integrationsmonitor"  # --server.baseUrlPath
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)
ARTIFACTS = PROJECT_DIR / "test-artifacts"


# ── helpers (also used by bench/load_test.py) ───────────────────────────────────────────────────


def site_config(port: int, upstream_ports: list[int]) -> str:
    """deploy/nginx.conf with the listening port on loopback and the given app ports; nothing else changed."""
    text = DEPLOY_CONF.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^\s*listen \[::\]:80( default_server)?;\n", "", text)
    text = text.replace("listen 80 default_server;", f"listen 127.0.0.1:{port} default_server;")
    text = text.replace("listen 80;", f"listen 127.0.0.1:{port};")
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;\n" for p in upstream_ports)
    text, n = re.subn(r"(?m)(^    server 127\.0\.0\.1:\d+ [^\n]*\n)+", servers, text)
    assert n == 1 and "listen 80" not in text, "deploy/nginx.conf no longer has the expected listen/upstream lines"
    return text


def main_config(workdir: Path, site: Path) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach the temp files in a 0700 folder
    temp = "".join(f"    {kind}_temp_path {workdir / kind};\n" for kind in ("client_body", "proxy", "fastcgi",
                                                                              "uwsgi", "scgi"))
    return (f"{user}worker_processes 1;\npid {workdir / 'nginx.pid'};\nerror_log {workdir / 'error.log'} warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
            f"    access_log {workdir / 'access.log'};\n{temp}    include {site};\n}}\n")


class NginxProxy:
    """nginx with deploy/nginx.conf on a free loopback port in front of `upstream_ports`."""

    def __init__(self, workdir: Path, upstream_ports: list[int], port: int | None = None):
        if not NGINX:
            raise FileNotFoundError("nginx")
        self.workdir = Path(workdir)
        self.port = port or free_port()
        self.upstream_ports = upstream_ports
        self.proc: subprocess.Popen | None = None

    @property
    def origin(self) -> str:
        """The public origin as a browser sees it (resolve HOST to 127.0.0.1: `browser_args`)."""
        return f"http://{HOST}:{self.port}"

    def url(self, path: str = "") -> str:
        return f"{self.origin}/{BASE}/{path}"

    @property
    def browser_args(self) -> list[str]:
        return [f"--host-resolver-rules=MAP {HOST} 127.0.0.1"]

    def start(self, timeout: float = 10.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        site = self.workdir / "integrationsmonitor.conf"
        site.write_text(site_config(self.port, self.upstream_ports), encoding="utf-8")
        conf = self.workdir / "nginx.conf"
        conf.write_text(main_config(self.workdir, site), encoding="utf-8")
        cmd = [NGINX, "-c", str(conf), "-p", str(self.workdir), "-e", str(self.workdir / "error.log")]
        check = subprocess.run([*cmd, "-t", "-q"], capture_output=True, text=True, timeout=30)
        if check.returncode:
            raise RuntimeError(f"nginx -t failed:\n{check.stderr}")
        self.proc = subprocess.Popen([*cmd, "-g", "daemon off;"], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.error_log()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.3).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise TimeoutError("nginx did not listen")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGQUIT)  # graceful: finish open requests
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)

    def error_log(self) -> str:
        path = self.workdir / "error.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def request(self, path: str, host: str = HOST, headers: dict | None = None) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", path, headers={"Host": host, **(headers or {})})
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()


def base_path_health(port: int, timeout: float = 0.5) -> bool:
    """/_stcore/health under the base path (Streamlit answers 404 at the root once baseUrlPath is set)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", f"/{BASE}/_stcore/health")
        response = conn.getresponse()
        return response.status == 200 and response.read().strip() == b"ok"
    except OSError:
        return False
    finally:
        conn.close()


def start_app(log_path: Path, port: int | None = None, env: dict | None = None) -> StreamlitServer:
    """The dashboard as the systemd unit starts it: loopback, base path; the harness's health check follows it."""
    server = StreamlitServer("dashboard.py", port=port, log_path=log_path, env=env,
                             extra_args=["--server.address", "127.0.0.1", "--server.baseUrlPath", BASE])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(browser_harness, "health_ok", base_path_health)
        server.start(timeout=90)
    return server


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
