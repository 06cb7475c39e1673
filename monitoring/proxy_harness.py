"""nginx with the deployment recipe (deploy/nginx.conf, ports replaced) in front of the dashboard started as the
systemd unit starts it (loopback, base path): for tests/test_proxy.py and bench/load_test.py.  Not used by the app.

nginx is the Debian package (`apt-get install nginx`); it runs as an unprivileged-port process with its pid, logs and
temp files in a folder of the caller's choice.
"""
from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from . import browser_harness
from .browser_harness import PROJECT_DIR, StreamlitServer, free_port

DEPLOY_CONF = PROJECT_DIR / "deploy" / "nginx.conf"
HOST = "monitor.example-kreis.de"  # server_name in deploy/nginx.conf
BASE = "integrationsmonitor"  # --server.baseUrlPath
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)



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


def start_app(log_path: Path, port: int | None = None, env: dict | None = None, *, warm_up: bool = True
              ) -> StreamlitServer:
    """The dashboard as deploy/integrationsmonitor@.service starts it: loopback, base path, the script health check
    on; started = its health check answers, then (warm_up) one run of the script through the script health check,
    as the unit's ExecStartPost does."""
    server = StreamlitServer("dashboard.py", port=port, log_path=log_path, env=env,
                             extra_args=["--server.address", "127.0.0.1", "--server.baseUrlPath", BASE,
                                         "--server.scriptHealthCheckEnabled", "true"])
    plain_health, browser_harness.health_ok = browser_harness.health_ok, base_path_health
    try:
        server.start(timeout=90)
    finally:
        browser_harness.health_ok = plain_health
    if warm_up:
        status, body = app_request(server.port, f"/{BASE}/_stcore/script-health-check", timeout=60)
        if status != 200:
            server.stop()
            raise RuntimeError(f"script health check: {status} {body[:300]!r}")
    return server


def app_request(port: int, path: str, timeout: float = 30) -> tuple[int, bytes]:
    """A GET straight to an app process (not through nginx)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()
