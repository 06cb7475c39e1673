#!/usr/bin/env python3
"""Page benchmark of the Integrationsmonitor against a bare Streamlit app with the same number of charts.

Not a test (pytest never collects it).  Run on an otherwise idle machine:

    .venv/bin/python bench/bench_pages.py --reps 10 --out bench/results/

In one run, on the same machine, it starts the dashboard (with INTEGRATIONSMONITOR_TIMING=1, so dashboard.py prints
"SCRIPT_MS <page> <ms>" per script run) and, per chart count N, the bare app bench/bare_app.py (BENCH_CHARTS=N), and
measures for every Handlungsfeld page that shows charts:

  cold load   fresh browser context (empty HTTP cache, new session) -> all N charts drawn and visible;
              ms since navigation start, measured in the page (performance.now()); the server's query cache is warm
              (one unmeasured load first), so this is what a visitor who opens a link sees.
  rerun       district change in the sidebar selectbox: pointerdown on the option -> script run finished and every
              chart that named the old district names the new one (title or legend) and all charts are drawn;
              districts are cycled (defeats Streamlit's 2-run message cache); one unmeasured pass through the cycle
              first, so the query cache is warm (those first, cache-cold changes are reported separately).
  script      the page script's own run time on the measured (warm-cache) reruns, from SCRIPT_MS lines.

and the same cold load / rerun (selectbox change) for the bare app with the page's chart count, measured next to
the page: the bare servers keep running, each page's cold loads alternate with the bare app's (page, bare, page,
...), and the bare app's reruns follow the page's, so drift in the machine's load hits both sides.  Ratios are
page ÷ bare; floors: cold ≤ 1.2× bare, rerun ≤ 1.5× bare, script ≤ 50 ms.

Writes <out>/bench_pages.json and <out>/bench_pages.md (plus server logs in <out>/logs/) and prints the table.
Method and in-page instrumentation follow ../shared/bench-baseline (ttv.py, rerun_latency.py, instrument.py).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
from monitoring.browser_harness import (  # noqa: E402
    CHART_TITLE_JS,
    CHROMIUM_PATH,
    VIEWPORT,
    StreamlitServer,
    chart_count,
    chart_mentions,
    chart_texts,
    error_messages,
    launch_browser,
    open_selectbox,
    selected_option,
    wait_for_charts,
)

FIELD_PAGES = ["sprache", "bildung", "arbeit", "wohnen", "gesundheit", "zusammenleben", "bevoelkerung"]
DEFAULT_KREIS = "Rastatt"  # .streamlit/integrationsmonitor.toml default_kreis = "08216"
DISTRICT_CYCLE = ["Stuttgart", "Göppingen", "Rhein-Neckar-Kreis", DEFAULT_KREIS]  # > 2 options: no message cache
BARE_DEFAULT = "Kreis 01"
BARE_CYCLE = ["Kreis 02", "Kreis 03", "Kreis 04", BARE_DEFAULT]
FLOORS = {"cold": 1.2, "rerun": 1.5, "script_ms": 50.0}
TIMEOUT_MS = 60_000

# In-page instrumentation (added with add_init_script before any page script runs).  All times are
# performance.now(), i.e. ms since navigation start.  window.__im.load: first time >= cfg.count Plotly charts are
# drawn and visible.  window.__im.arm(cfg): the next pointerdown/keydown is the trigger; match = the script run that
# followed finished (stApp's data-test-script-state went to running and back to notRunning -- or, if the run was too
# fast for the DOM to ever show 'running', a WebSocket message arrived after the trigger and the state is notRunning),
# no skeleton placeholder is left, >= cfg.count charts drawn, every Plotly container drawn, and >= cfg.mentions charts
# name cfg.name in title or legend.
INSTRUMENT_JS = r"""
(() => {
  if (window.__im) return;
  const CFG = %CFG%;
  const now = () => performance.now();
  const M = window.__im = {load: {match: null, paint: null}, armed: null, states: [], lastMsg: null, nMsg: 0};
  // note when the server last sent something (a fast script run may never show 'running' in the DOM)
  const OrigWS = window.WebSocket;
  function WrappedWS(url, protocols) {
    const ws = protocols === undefined ? new OrigWS(url) : new OrigWS(url, protocols);
    ws.addEventListener('message', () => { M.lastMsg = now(); M.nMsg++; });
    return ws;
  }
  WrappedWS.prototype = OrigWS.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) WrappedWS[k] = OrigWS[k];
  window.WebSocket = WrappedWS;
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const plots = () => [...document.querySelectorAll('.js-plotly-plot')]
      .filter(el => el.querySelector('.main-svg') && visible(el));
  const containers = () => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].filter(visible).length;
  const titleOf = %TITLE_OF%;
  const mentions = (name) => plots().filter(el => titleOf(el).includes(name) ||
      [...el.querySelectorAll('.legendtext')].some(t => (t.textContent || '').includes(name))).length;
  const state = () => { const a = document.querySelector('[data-testid="stApp"]');
                        return a ? a.getAttribute('data-test-script-state') : null; };
  const twoFrames = (cb) => requestAnimationFrame(() => requestAnimationFrame(cb));
  function check() {
    const t = now();
    const s = state();
    if (M.states.length === 0 || M.states[M.states.length - 1][1] !== s) M.states.push([t, s]);
    if (M.load.match === null && plots().length >= CFG.count) {
      M.load.match = t; twoFrames(() => { M.load.paint = now(); });
    }
    const A = M.armed;
    if (A && A.trigger !== null && A.match === null) {
      if (A.running === null && (s === 'running' || s === 'rerunRequested')) A.running = t;
      if (A.running !== null && A.done === null && s === 'notRunning') A.done = t;
      // finished: 'running' was seen and is over; or, for a run too fast for the DOM to show 'running', the
      // server answered after the trigger, the state is notRunning and the charts already name the new option
      const answered = M.lastMsg !== null && M.lastMsg >= A.trigger;
      // (if no chart names the option, 'answered' must be followed by 300 ms of silence)
      const finished = A.running !== null ? A.done !== null
                     : (answered && s === 'notRunning' && (A.cfg.mentions > 0 || t - M.lastMsg > 300));
      if (finished && !document.querySelector('[data-testid="stSkeleton"]')) {
        const n = plots().length;
        if (n >= A.cfg.count && n >= containers() && mentions(A.cfg.name) >= A.cfg.mentions) {
          A.match = t; twoFrames(() => { A.paint = now(); });
        }
      }
    }
  }
  M.arm = (cfg) => { M.armed = {cfg, trigger: null, running: null, done: null, match: null, paint: null}; kick(); };
  const onTrigger = () => { if (M.armed && M.armed.trigger === null) { M.armed.trigger = now(); check(); } };
  window.addEventListener('pointerdown', onTrigger, true);
  window.addEventListener('keydown', onTrigger, true);
  new MutationObserver(check).observe(document,
      {subtree: true, childList: true, attributes: true, characterData: true});
  // safety net for changes that do not mutate the DOM: check every frame while something is pending
  let polling = false;
  const pending = () => M.load.match === null || (M.armed && M.armed.match === null);
  const poll = () => { check(); if (pending()) requestAnimationFrame(poll); else polling = false; };
  const kick = () => { if (!polling) { polling = true; requestAnimationFrame(poll); } };
  kick();
})();
"""


def instrument(count: int) -> str:
    return INSTRUMENT_JS.replace("%CFG%", json.dumps({"count": int(count)})).replace("%TITLE_OF%", CHART_TITLE_JS)


def summarize(values) -> dict:
    vals = [v for v in values if v is not None]
    if not vals:
        return {"n": 0}
    return {"n": len(vals), "median": statistics.median(vals), "min": min(vals), "max": max(vals)}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ── measurements ────────────────────────────────────────────────────────────────────────────────


def probe(browser, url: str) -> dict:
    """One unmeasured load: how many charts the page draws and what they say (also warms the server's caches)."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded", timeout=TIMEOUT_MS)
        wait_for_charts(page, 0, timeout=TIMEOUT_MS)
        return {"charts": chart_count(page), "texts": chart_texts(page), "errors": error_messages(page)}
    finally:
        context.close()


def cold_load(browser, url: str, count: int) -> dict:
    """One load in a fresh context; time until `count` charts are drawn and visible."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(instrument(count))
    try:
        page = context.new_page()
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        page.wait_for_function("() => window.__im && window.__im.load.paint !== null", timeout=TIMEOUT_MS,
                               polling=50)
        wall = (time.perf_counter() - t0) * 1000
        load = page.evaluate("() => window.__im.load")
        wait_for_charts(page, count, timeout=TIMEOUT_MS)  # let the session finish before the next one starts
        return {"match_ms": load["match"], "paint_ms": load["paint"], "wall_ms": wall}
    finally:
        context.close()


def interleaved_cold_loads(browser, page_url: str, bare_url: str, count: int, reps: int) -> tuple[list, list]:
    """`reps` cold loads of the page and of the bare app, alternating (page, bare, page, bare, ...), so that a
    machine that gets busier or quieter during the run shifts both sides alike instead of biasing the ratio."""
    page_rows, bare_rows = [], []
    for i in range(reps):
        page_rows.append(cold_load(browser, page_url, count))
        bare_rows.append(cold_load(browser, bare_url, count))
        log(f"    cold {i + 1}/{reps}: page {page_rows[-1]['match_ms']:.0f} ms, bare {bare_rows[-1]['match_ms']:.0f} ms")
    return page_rows, bare_rows


def reruns(browser, url: str, cycle: list[str], start: str, reps: int, server: StreamlitServer) -> dict:
    """Change the sidebar selectbox "Kreis" through `cycle`: one unmeasured pass (cache-cold changes, and learning per
    option how many charts there are and how many name it), then `reps` measured changes.  The server's SCRIPT_MS
    lines printed during the first pass and during the measured changes are returned separately."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(instrument(1))
    try:
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded", timeout=TIMEOUT_MS)
        wait_for_charts(page, 1, timeout=TIMEOUT_MS)
        expect = {start: (chart_count(page), chart_mentions(chart_texts(page), start))}
        first_pass, measured = [], []
        marks = {"first_pass": log_mark(server)}
        sequence = [(option, False) for option in cycle] + [(cycle[i % len(cycle)], True) for i in range(reps)]
        for option, timed in sequence:
            # not seen yet (first pass): the run finished and every chart it shows is drawn -- how many charts and
            # whether one names the district depends on the district (Sprache: district charts only where the
            # district published figures), so the first pass learns both for the measured changes
            count, named = expect.get(option) or (0, 0)
            if timed and "measured" not in marks:
                marks["measured"] = log_mark(server)
            item = open_selectbox(page, "Kreis", option)
            page.evaluate("cfg => window.__im.arm(cfg)", {"count": count, "name": option, "mentions": named})
            item.click()
            try:
                page.wait_for_function("() => window.__im.armed.paint !== null", timeout=TIMEOUT_MS, polling=50)
            except Exception as exc:
                state = page.evaluate("() => ({armed: window.__im.armed, states: window.__im.states.slice(-6),"
                                      " lastMsg: window.__im.lastMsg, now: performance.now()})")
                raise RuntimeError(f"rerun to {option!r} did not finish: {state}; selected "
                                   f"{selected_option(page, 'Kreis')!r}; charts {chart_texts(page)}") from exc
            armed = page.evaluate("() => window.__im.armed")
            wait_for_charts(page, 0, timeout=TIMEOUT_MS)
            if option not in expect or not timed:
                expect[option] = (chart_count(page), chart_mentions(chart_texts(page), option))
            row = {"option": option, "match_ms": armed["match"] - armed["trigger"],
                   "paint_ms": armed["paint"] - armed["trigger"],
                   "to_script_done_ms": (armed["done"] - armed["trigger"]) if armed["done"] else None,
                   "running_seen": armed["running"] is not None, "charts": expect[option][0],
                   "charts_naming_option": expect[option][1]}
            (measured if timed else first_pass).append(row)
            log(f"    rerun {'' if timed else '(first pass) '}-> {option}: {row['match_ms']:.0f} ms "
                f"({row['charts']} charts, {row['charts_naming_option']} name it)")
        text = server.log_text()
        return {"first_pass": first_pass, "measured": measured, "expect": expect,
                "script_first_pass": script_times(text[marks["first_pass"]:marks["measured"]]),
                "script_measured": script_times(text[marks["measured"]:])}
    finally:
        context.close()


SCRIPT_LINE = re.compile(r"^(?:BENCH_)?SCRIPT_MS\s+(?:(\S+)\s+)?([0-9]+(?:\.[0-9]+)?)\s*$")


def script_times(text: str) -> list[tuple[str | None, float]]:
    """(page, ms) from 'SCRIPT_MS <page> <ms>' (dashboard) and 'BENCH_SCRIPT_MS <ms>' (bare app) lines."""
    out = []
    for line in text.splitlines():
        match = SCRIPT_LINE.match(line.strip())
        if match:
            out.append((match.group(1), float(match.group(2))))
    return out


def log_mark(server: StreamlitServer) -> int:
    return len(server.log_text())


# ── report ──────────────────────────────────────────────────────────────────────────────────────


def cell(summary: dict, digits: int = 0) -> str:
    if not summary or not summary.get("n"):
        return "–"
    return f"{summary['median']:.{digits}f} ({summary['min']:.{digits}f}–{summary['max']:.{digits}f})"


def ratio(a: dict, b: dict) -> float | None:
    if a.get("n") and b.get("n") and b["median"]:
        return a["median"] / b["median"]
    return None


def verdict(value: float | None, floor: float) -> str:
    if value is None:
        return "–"
    return f"{value:.2f} {'ok' if value <= floor else '**over**'}"


def markdown(result: dict) -> str:
    machine = result["machine"]
    load = " → ".join(f"{machine[k][0]:.1f}" for k in ("loadavg_start", "loadavg_end") if machine.get(k))
    lines = [
        f"# Page benchmark — {result['started']}",
        "",
        f"reps {result['reps']}; {result['machine']['nproc']} cores (load average {load}); "
        f"{result['versions'].get('chromium', '')}; "
        f"streamlit {result['versions'].get('streamlit', '?')}, plotly {result['versions'].get('plotly', '?')}. "
        "Medians (min–max) in ms. cold = fresh browser context until all charts are drawn (ms since navigation "
        "start, server cache warm); rerun = pointerdown on a new district until the run finished and all charts "
        "show it (warm cache); script = the page script's own time on those reruns (SCRIPT_MS). "
        f"Floors: cold ≤ {FLOORS['cold']}× bare, rerun ≤ {FLOORS['rerun']}× bare, "
        f"script ≤ {FLOORS['script_ms']:.0f} ms.",
        "",
        "| page | charts | cold page | cold bare | cold ÷ bare | rerun page | rerun bare | rerun ÷ bare | "
        "script page | script bare | script ≤ 50 ms | first rerun, cold cache |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for slug, r in result["pages"].items():
        if r.get("skipped"):
            reason = " ".join(str(r["skipped"]).replace("|", "/").split())
            lines.append(f"| {slug} | {r.get('charts', 0)} | {reason} |  |  |  |  |  |  |  |  |  |")
            continue
        s, b = r["summary"], r["bare"]["summary"]
        script_ok = (f"{'ok' if s['script_ms']['median'] <= FLOORS['script_ms'] else '**over**'}"
                     if s["script_ms"].get("n") else "n/a")
        lines.append(
            f"| {slug} | {r['charts']} | {cell(s['cold'])} | {cell(b['cold'])} | "
            f"{verdict(r['ratios']['cold'], FLOORS['cold'])} | "
            f"{cell(s['rerun'])} | {cell(b['rerun'])} | {verdict(r['ratios']['rerun'], FLOORS['rerun'])} | "
            f"{cell(s['script_ms'], 1)} | {cell(b['script_ms'], 1)} | {script_ok} | {cell(s['rerun_first_pass'])} |")
    notes = result.get("notes") or []
    if notes:
        lines += ["", *[f"- {' '.join(str(n).split())}" for n in notes]]
    lines += ["", "Compare figures only between runs on the same machine; a busy machine (load average above the "
              "number of cores) inflates both sides, the ratios less than the absolute times."]
    return "\n".join(lines) + "\n"


def versions() -> dict:
    import importlib.metadata as md

    out = {"python": sys.version.split()[0]}
    for pkg in ("streamlit", "plotly", "duckdb", "pandas", "playwright"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    try:
        out["chromium"] = subprocess.run([CHROMIUM_PATH, "--version"], capture_output=True, text=True,
                                         timeout=30).stdout.strip()
    except Exception as exc:  # noqa: BLE001
        out["chromium"] = f"unknown ({exc})"
    return out


# ── main ────────────────────────────────────────────────────────────────────────────────────────


def bare_server(servers: dict, count: int, log_dir: Path) -> StreamlitServer:
    """The bare app with `count` charts, started on first use and kept running for the pages that follow."""
    if count not in servers:
        server = StreamlitServer(PROJECT_DIR / "bench" / "bare_app.py", env={"BENCH_CHARTS": str(count), "BENCH_LOG": "1"},
                                 log_path=log_dir / f"bare_{count}.log")
        server.start(timeout=60)
        servers[count] = server
    return servers[count]


def timing_summary(cold: list, rr: dict, scripts: list) -> dict:
    return {"cold": summarize(r["match_ms"] for r in cold),
            "rerun": summarize(r["match_ms"] for r in rr["measured"]),
            "rerun_first_pass": summarize(r["match_ms"] for r in rr["first_pass"]),
            "script_ms": summarize(scripts)}


def bench_page(browser, dashboard: StreamlitServer, slug: str, reps: int, bare_servers: dict, log_dir: Path,
               result: dict) -> dict:
    """Cold loads (interleaved with the bare app's) and reruns of one dashboard page, then the bare app's reruns."""
    url = dashboard.url + slug
    log(f"[{slug}] probe")
    info = probe(browser, url)
    if info["errors"]:
        result["notes"].append(f"{slug}: error on the page: {info['errors'][0][:300]!r}")
        log(f"[{slug}] ERROR on page, skipped: {info['errors'][0][:300]}")
        return {"skipped": "page shows an error", "charts": info["charts"], "errors": info["errors"]}
    if info["charts"] == 0:
        log(f"[{slug}] no charts, skipped")
        return {"skipped": "no charts (nothing to compare)", "charts": 0}
    count = info["charts"]
    bare = bare_server(bare_servers, count, log_dir)
    probe(browser, bare.url)
    log(f"[{slug}] {count} charts; cold loads, alternating with the bare app with {count} charts")
    cold, bare_cold = interleaved_cold_loads(browser, url, bare.url, count, reps)
    log(f"[{slug}] reruns")
    rr = reruns(browser, url, DISTRICT_CYCLE, DEFAULT_KREIS, reps, dashboard)
    log(f"[{slug}] bare app reruns")
    bare_rr = reruns(browser, bare.url, BARE_CYCLE, BARE_DEFAULT, reps, bare)
    scripts = [ms for page, ms in rr["script_measured"] if page in (None, slug)]
    bare_scripts = [ms for _, ms in bare_rr["script_measured"]]
    if not rr["script_measured"] and not rr["script_first_pass"]:
        result["notes"].append("no SCRIPT_MS lines in the dashboard's output: dashboard.py does not "
                               "print them (INTEGRATIONSMONITOR_TIMING=1 was set)")
    if any(r["charts_naming_option"] == 0 for r in rr["measured"]):
        result["notes"].append(f"{slug}: no chart names the district (Land/Bund values only); its rerun "
                               "ends when the script run finished and all charts are drawn")
    page = {"charts": count, "chart_titles": [t["title"] for t in info["texts"]],
            "cold": cold, "rerun": rr["measured"], "rerun_first_pass": rr["first_pass"],
            "rerun_expect": rr["expect"], "script_ms": scripts,
            "script_runs_per_change": len(rr["script_measured"]) / max(1, reps),
            "script_ms_first_pass": [ms for _, ms in rr["script_first_pass"]],
            "summary": timing_summary(cold, rr, scripts),
            "bare": {"charts": count, "cold": bare_cold, "rerun": bare_rr["measured"], "script_ms": bare_scripts,
                     "summary": timing_summary(bare_cold, bare_rr, bare_scripts)}}
    page_summary, bare_summary = page["summary"], page["bare"]["summary"]
    page["ratios"] = {"cold": ratio(page_summary["cold"], bare_summary["cold"]),
                      "rerun": ratio(page_summary["rerun"], bare_summary["rerun"])}
    return page


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--out", default=str(PROJECT_DIR / "bench" / "results"))
    ap.add_argument("--pages", default=",".join(FIELD_PAGES), help="comma-separated url paths")
    args = ap.parse_args()
    out = Path(args.out)
    log_dir = out / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    started = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
    result = {"started": started, "reps": args.reps, "floors": FLOORS, "versions": versions(),
              "machine": {"nproc": os.cpu_count(), "platform": platform.platform(),
                          "loadavg_start": os.getloadavg()},
              "pages": {}, "notes": []}
    t_start = time.perf_counter()
    dashboard = StreamlitServer(PROJECT_DIR / "dashboard.py", env={"INTEGRATIONSMONITOR_TIMING": "1"},
                                log_path=log_dir / "dashboard.log")
    dashboard.start(timeout=60)
    result["dashboard_startup_ms"] = dashboard.startup_s * 1000
    bare_servers: dict[int, StreamlitServer] = {}
    try:
        with sync_playwright() as playwright:
            browser = launch_browser(playwright)
            for slug in [s for s in args.pages.split(",") if s]:
                try:
                    result["pages"][slug] = bench_page(browser, dashboard, slug, args.reps, bare_servers, log_dir,
                                                       result)
                except Exception as exc:  # noqa: BLE001 - one page failing must not lose the others
                    log(f"[{slug}] FAILED: {exc}")
                    result["pages"][slug] = {"skipped": f"failed: {str(exc)[:200]}", "charts": 0, "error": str(exc)}
                    result["notes"].append(f"{slug}: measurement failed: {str(exc)[:500]}")
                (out / "bench_pages.json").write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
            browser.close()
    finally:
        dashboard.stop()
        for server in bare_servers.values():
            server.stop()
    result["notes"] = list(dict.fromkeys(result["notes"]))
    result["wall_s"] = time.perf_counter() - t_start
    result["machine"]["loadavg_end"] = os.getloadavg()
    (out / "bench_pages.json").write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    table = markdown(result)
    (out / "bench_pages.md").write_text(table, encoding="utf-8")
    print(table)
    log(f"wrote {out / 'bench_pages.json'} and {out / 'bench_pages.md'} ({result['wall_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
