"""Helpers for driving the dashboard in a real browser: a Streamlit server as a subprocess, Debian's Chromium through
Playwright, and waits that end when Streamlit is idle and the Plotly charts are drawn.

Used by the browser tests (tests/test_browser*.py) and the benchmarks (bench/); not by the dashboard itself: it
imports no browser library (Playwright is a test dependency the caller passes in).  Learned from
../shared/bench-baseline (common.py: server start and health check, Chromium flags; rerun_latency.py: "quiet"
waits, typing into the searchable selectbox).

How "idle" is detected (Streamlit 1.67): the app root `[data-testid="stApp"]` carries `data-test-script-state`
(initial / running / rerunRequested / stopRequested / notRunning / compilationError) and
`data-test-connection-state` (CONNECTED, ...).  Idle = connected, script state notRunning or compilationError,
no `stStatusWidgetRunningIcon` ("Running...") shown, no `stSkeleton` placeholder left (elements whose JavaScript
is loaded lazily -- the Plotly chart above all, ~1-2 s after the script run on a cold load -- show a skeleton until
then), all held continuously for `quiet_ms` so a rerun that is just being requested (a fresh session may run the
script twice) is not mistaken for the end of one.  The running indicator in the status widget appears only after a
delay, so the attribute is the primary signal and the widget the secondary one.

How filters appear in the URL.  Streamlit 1.67 widgets bound with `bind="query-params"` (verified in the browser):
selectbox `?kreis=<label>` -- the format_func label, URL-encoded (`kreis=Stuttgart`, `kreis=G%C3%B6ppingen`), not the
option value, so `?kreis=08111` is not accepted; multiselect one repeated key per item, labels again
(`vergleich=Land+%28Baden-W%C3%BCrttemberg%29&vergleich=Deutschland&vergleich=Stuttgart`); range slider two repeated
keys (`zeitraum=2010&zeitraum=2020`).  A value equal to the widget's default is left out of the URL; a value that
matches no option is silently dropped from the URL and the widget shows its default (st.query_params read before
the widget call still holds it, after the call no longer).  The dashboard writes st.query_params itself instead
(monitoring/ui.py), on every run: `?kreis=08111&vergleich=land%2Cde%2C08117&zeitraum=2010-2020` (codes; the comma
list URL-encoded).  The tests accept either form where it matters.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
CHROMIUM_PATH = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
ERROR_SELECTOR = '[data-testid="stException"], [data-testid="stAlertContentError"]'
FIRST_LOAD_TIMEOUT_MS = 60_000
TIMEOUT_MS = 30_000

# ── Streamlit server ────────────────────────────────────────────────────────────────────────────


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def health_ok(port: int, timeout: float = 0.5) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=timeout) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except Exception:  # noqa: BLE001 - not up yet
        return False


class StreamlitServer:
    """`python -m streamlit run APP` on a free port; `start()` returns when /_stcore/health says ok.

    stdout and stderr go to `log_path` (a file, never a pipe that could fill up); `log_text()` reads it back.
    """

    def __init__(self, app: str | Path = "dashboard.py", *, cwd: str | Path = PROJECT_DIR, port: int | None = None,
                 env: dict[str, str] | None = None, log_path: str | Path | None = None, extra_args=()):
        self.app = str(app)
        self.cwd = Path(cwd)
        self.port = port or free_port()
        self.env = dict(os.environ, **(env or {}))
        self.log_path = Path(log_path) if log_path else None
        self.cmd = [sys.executable, "-m", "streamlit", "run", self.app, "--server.port", str(self.port),
                    "--server.headless", "true", "--browser.gatherUsageStats", "false", *extra_args]
        self.proc: subprocess.Popen | None = None
        self.startup_s: float | None = None
        self._log = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 60.0) -> float:
        if self.log_path:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=self._log or subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        while time.perf_counter() - t0 < timeout:
            if self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"streamlit exited early (rc={self.proc.returncode}): {' '.join(self.cmd)}"
                                   + (f"\n{self.log_text()[-2000:]}" if self.log_path else ""))
            if health_ok(self.port, timeout=0.3):
                self.startup_s = time.perf_counter() - t0
                return self.startup_s
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"streamlit did not answer /_stcore/health within {timeout:.0f} s: {' '.join(self.cmd)}")

    def stop(self) -> None:
        """SIGTERM to the server's own process group (it was started in a new session), SIGKILL if it hangs."""
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if self._log:
            self._log.close()
            self._log = None

    def log_text(self) -> str:
        if self._log:
            self._log.flush()
        if not (self.log_path and self.log_path.exists()):
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def __enter__(self) -> StreamlitServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# ── browser ─────────────────────────────────────────────────────────────────────────────────────


def chromium_available() -> bool:
    return Path(CHROMIUM_PATH).is_file() and os.access(CHROMIUM_PATH, os.X_OK)


def launch_browser(playwright, extra_args=()):
    """Debian's Chromium, headless; Playwright never downloads a browser of its own."""
    return playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=[*CHROMIUM_ARGS, *extra_args])


def new_page(browser, viewport: dict | None = None):
    """A page in a fresh context: empty HTTP cache, new Streamlit session (a "cold" visitor)."""
    context = browser.new_context(viewport=viewport or VIEWPORT, locale="de-DE")
    return context.new_page()


# ── waits ───────────────────────────────────────────────────────────────────────────────────────

# Counts Plotly charts that are drawn (have their SVG) and visible, and all Streamlit Plotly containers.
_CHART_STATE_JS = """
() => {
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  const drawn = plots.filter(el => el.querySelector('.main-svg') && visible(el)).length;
  return {drawn, containers: [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].filter(visible).length};
}
"""

_IDLE_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  const state = app.getAttribute('data-test-script-state');
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (state !== 'notRunning' && state !== 'compilationError') return false;
  if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')) return false;
  // lazily loaded elements (Plotly, metrics, toggles ...) show a skeleton until their JS chunk is loaded
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  return true;
}
"""

# Idle (and, if asked, >= n charts drawn and every Plotly container drawn) held for quiet_ms.
_SETTLED_JS = """
([n, quiet]) => {
  const isIdle = %IDLE%;
  const chartState = %CHARTS%;
  let ok = isIdle();
  if (ok && n !== null) {
    const c = chartState();
    // an error box ends the wait early: no chart is going to come
    ok = (c.drawn >= n && c.drawn >= c.containers) || document.querySelector(%ERRORS%) !== null;
  }
  const now = performance.now();
  if (!ok) { window.__imSettledSince = null; return false; }
  if (!window.__imSettledSince) window.__imSettledSince = now;
  return now - window.__imSettledSince >= quiet;
}
""".replace("%IDLE%", _IDLE_JS.strip()).replace("%CHARTS%", _CHART_STATE_JS.strip()) \
    .replace("%ERRORS%", repr(ERROR_SELECTOR))


class PageError(AssertionError):
    """The page shows a Streamlit exception or error box where charts were expected."""


def _settled(page, n: int | None, timeout: float, quiet_ms: int) -> None:
    page.evaluate("() => { window.__imSettledSince = null; }")
    page.wait_for_function(_SETTLED_JS, arg=[n, quiet_ms], timeout=timeout, polling=50)


def wait_for_idle(page, timeout: float = TIMEOUT_MS, quiet_ms: int = 400) -> None:
    """Wait until the app is connected and no script run is under way (continuously for quiet_ms)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    _settled(page, None, timeout, quiet_ms)


def wait_for_charts(page, n: int = 1, timeout: float = FIRST_LOAD_TIMEOUT_MS, quiet_ms: int = 400) -> int:
    """Wait until at least n Plotly charts are drawn (`.js-plotly-plot .main-svg`, visible), every Plotly container
    on the page is drawn, and Streamlit is idle; return the number of drawn charts.

    If the script run ends with an exception or error box and fewer than n charts, raise PageError at once with the
    page's error text instead of waiting for charts that will never come."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    _settled(page, n, timeout, quiet_ms)
    drawn = chart_count(page)
    if drawn < n:
        raise PageError(f"{page.url}: {drawn} of {n} charts, the page shows an error:\n"
                        + "\n---\n".join(error_messages(page)))
    return drawn


def chart_count(page) -> int:
    return page.evaluate(_CHART_STATE_JS)["drawn"]


def open_page(page, url: str, *, charts: int | None = None, timeout: float = FIRST_LOAD_TIMEOUT_MS) -> None:
    """Navigate and wait for the first script run to finish (and for `charts` charts if given)."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout)
    if charts:
        wait_for_charts(page, charts, timeout=timeout)
    else:
        wait_for_idle(page, timeout=timeout)


# ── reading the screen ──────────────────────────────────────────────────────────────────────────

# A drawn chart's title (JS, el = its .js-plotly-plot): the dashboard writes it as text right above the chart
# (monitoring.ui.show_chart); a bare Plotly figure (the benchmarks' bare app) draws it inside, a wrapped title one
# tspan per line.
CHART_TITLE_JS = """(el) => {
  const box = el.closest('[data-testid="stElementContainer"]');
  const above = box && box.previousElementSibling && box.previousElementSibling.querySelector('.im-chart-title');
  if (above) return above.textContent;
  return [...el.querySelectorAll('.gtitle')].map(t => {
    const lines = t.querySelectorAll('tspan.line');
    return lines.length ? [...lines].map(l => l.textContent).join(' ') : t.textContent;
  }).join(' ');
}"""

_CHART_TEXTS_JS = """
() => { const titleOf = %TITLE_OF%;
  return [...document.querySelectorAll('.js-plotly-plot')].map(el => ({
    title: titleOf(el),
    legend: [...el.querySelectorAll('.legendtext')].map(t => t.textContent),
  }));
}
""".replace("%TITLE_OF%", CHART_TITLE_JS)


def chart_texts(page) -> list[dict]:
    """Per drawn chart: its title and its legend entries (trace names), in page order."""
    return page.evaluate(_CHART_TEXTS_JS)


def chart_mentions(texts: list[dict], name: str) -> int:
    """How many charts name `name` in their title or legend."""
    return sum(1 for t in texts if name in t["title"] or any(name in entry for entry in t["legend"]))


def error_messages(page) -> list[str]:
    """Texts of exception boxes and error alerts (st.exception, uncaught exceptions, st.error)."""
    return page.locator(ERROR_SELECTOR).all_inner_texts()


def sidebar_selectbox(page, label: str):
    return page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text=label).first


def selected_option(page, label: str) -> str:
    """The text shown in a sidebar selectbox (Streamlit 1.67: a react-aria combobox input)."""
    return sidebar_selectbox(page, label).locator('input[role="combobox"]').input_value().strip()


def open_selectbox(page, label: str, option: str, timeout: float = TIMEOUT_MS):
    """Open the sidebar selectbox `label`, type to filter (the option list is virtualised) and return the option
    locator, visible and ready to click (so a benchmark can start its clock just before the click)."""
    return pick_option(page, sidebar_selectbox(page, label), option, timeout)


def pick_option(page, selectbox, option: str, timeout: float = TIMEOUT_MS):
    """Type `option` into the selectbox's combobox and return the visible option locator (not yet clicked)."""
    field = selectbox.locator('input[role="combobox"]')
    field.click()
    field.press("ControlOrMeta+a")
    page.keyboard.type(option)
    item = page.get_by_role("option", name=option, exact=True).first
    item.wait_for(state="visible", timeout=timeout)
    return item


def choose(page, label: str, option: str, timeout: float = TIMEOUT_MS) -> None:
    open_selectbox(page, label, option, timeout).click()


def _multiselect(page, label: str):
    return page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text=label).first


def multiselect_values(page, label: str) -> list[str]:
    return [t.strip() for t in _multiselect(page, label).locator("[data-tag] span[title]").all_inner_texts()]


def add_to_multiselect(page, label: str, option: str, timeout: float = TIMEOUT_MS) -> None:
    _multiselect(page, label).locator('input[role="combobox"]').click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).first.click(timeout=timeout)
    page.keyboard.press("Escape")


def slider_values(page, label: str) -> list[str]:
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSlider"]').filter(has_text=label).first
    return [t.strip() for t in box.locator('[data-testid="stSliderThumbValue"]').all_inner_texts()]


def nudge_slider(page, label: str, thumb: str = "start", steps: int = 1) -> None:
    """Move a range slider thumb ("start" or "end") by `steps` with the keyboard (negative = left)."""
    handle = page.locator(f'[data-testid="stSidebar"] input[aria-label="{label} — {thumb}"]').first
    handle.focus()
    key = "ArrowRight" if steps > 0 else "ArrowLeft"
    for _ in range(abs(steps)):
        page.keyboard.press(key)
    handle.blur()


def query_of(url: str) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)


def path_of(url: str) -> str:
    return urllib.parse.urlsplit(url).path


_CONTENT_HEIGHT_JS = """
() => Math.max(document.documentElement.scrollHeight,
  ...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"],'
       + ' [data-testid="stSidebarContent"], [data-testid="stMainBlockContainer"]')].map(el => el.scrollHeight))
"""


def full_page_screenshot(page, path: str | Path, max_height: int = 20_000) -> Path:
    """Screenshot of the whole page.  Streamlit scrolls inside its main container, not the document, so the
    viewport is made as tall as the content for the shot (charts are redrawn to the new size) and restored after."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size or VIEWPORT
    height = min(max(int(page.evaluate(_CONTENT_HEIGHT_JS)) + 40, original["height"]), max_height)
    try:
        if height > original["height"]:
            page.set_viewport_size({"width": original["width"], "height": height})
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            _settled(page, None if chart_count(page) == 0 else 1, TIMEOUT_MS, 300)
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(original)
    return path
