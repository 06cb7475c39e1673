#!/usr/bin/env python3
"""Benchmark of the map page /kreisvergleich (all 400 German districts) against a bare 400-polygon choropleth app.

Not a test (pytest never collects it).  Run on an otherwise idle machine:

    .venv/bin/python bench/bench_map.py --reps 10 --out bench/results/ [--wait-load 300]

In one run, on the same machine, it measures

  1. cold load   /kreisvergleich?kreis=08216&gebiet=DG&indikator=auslaenderanteil&jahr=2015 in a fresh browser
                 context (empty HTTP cache, new session; the server's caches warm from one unmeasured load first),
                 ms since navigation start, measured in the page (performance.now()):
                   map  the map is drawn: the first visible `.js-plotly-plot` with district paths
                        (`.choroplethlayer path`, a geo map; or a MapLibre canvas for a go.Choroplethmap) has fired
                        `plotly_afterplot` (for a geo map with a GeoJSON URL, plotly.js fires it after the fetch and
                        the drawing);
                   all  the map is drawn and every chart of the page is drawn and visible (`.main-svg`), every
                        Plotly container is drawn (the page opens on its "Karte" tab: the map only);
                 against the same cold load of bench/bare_map_app.py (one go.Choropleth, SVG, 400 synthetic
                 polygons x 50 vertices embedded in the figure, empty base-map topojson served from app/static/:
                 the baseline's "choro_geo_50v").  Floor: page (all) <= 1.2 x bare.  Both servers run side by side
                 and the cold loads alternate (page, bare, page, ...), so drift in the machine's load hits both.
  2. rerun       indicator change in the main-area selectbox "Kennzahl" (typed to filter; the list is virtualised),
                 cycling through four indicators with values for ~400 districts in 2015 (one unmeasured pass first:
                 query and chart caches warm, then --reps measured changes): pointerdown on the option -> the script
                 run finished, the map has been redrawn (`plotly_afterplot`) with a title naming the new indicator,
                 every chart that named the indicator names the new one and all charts are drawn.  Floor: median
                 <= 300 ms.  The bare app's rerun after its selectbox change (same definition) for reference.
  3. SQL         every query the page runs, timed with monitoring.db.run_query directly (no Streamlit, no cache),
                 scope 'DG' (all 400 districts), kreis 08216, Land 08, several indicators and years; 3 warm-ups,
                 then --sql-runs runs per query cycling through the parameter sets.  Floor: p95 <= 20 ms.

Writes <out>/bench_map.json and <out>/bench_map.md (server logs: <out>/logs/map_*.log) and prints the table.
In-page instrumentation follows bench/bench_pages.py and ../shared/bench-baseline (instrument.py: afterplot for
maps; rerun_latency.py: breakdown trigger -> send -> last message -> drawn).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
sys.path.insert(0, str(PROJECT_DIR / "bench"))
from bench_pages import cell, log, log_mark, ratio, script_times, summarize, versions  # noqa: E402

from monitoring.browser_harness import (  # noqa: E402
    CHART_TITLE_JS,
    VIEWPORT,
    StreamlitServer,
    chart_texts,
    error_messages,
    launch_browser,
    pick_option,
    wait_for_charts,
)

PAGE = "kreisvergleich"
PAGE_QUERY = "kreis=08216&gebiet=DG&indikator=auslaenderanteil&jahr=2015"
KREIS, LAND, SCOPE = "08216", "08", "DG"
# "<Handlungsfeld> · <name>" (the selectbox label) -> the indicator's name, which every chart title contains.
# All four have values for ~397 districts in 2015, so the chosen year (jahr=2015) stays when the indicator changes.
INDICATOR_START = "Bevölkerung · Ausländeranteil"
INDICATOR_CYCLE = [
    "Bildung · Anteil der Kita-Kinder mit ausländischer Herkunft mindestens eines Elternteils",
    "Arbeit · Arbeitslosenquote der Ausländerinnen und Ausländer",
    "Zusammenleben · Einbürgerungen",
    INDICATOR_START,
]
BARE_START = "Indicator 00"
BARE_CYCLE = ["Indicator 01", "Indicator 02", "Indicator 03", BARE_START]
BARE_ENV = {"BENCH_MAP": "geo", "BENCH_VERTS": "50", "BENCH_GRID": "20", "BENCH_LOG": "1",
            "BENCH_TOPOJSON_URL": "app/static/"}
FLOORS = {"cold_ratio": 1.2, "rerun_ms": 300.0, "sql_p95_ms": 20.0}
TIMEOUT_MS = 60_000

# In-page instrumentation (add_init_script, before any page script).  Times are performance.now() (ms since
# navigation start).  __bm.load.map / .all: first time the map / the map and >= cfg.count charts are drawn.
# __bm.arm(cfg): the next pointerdown/keydown is the trigger; .map = the map fired plotly_afterplot with a title
# naming cfg.name; .match = additionally the script run finished, no skeleton left, >= cfg.count charts drawn, every
# Plotly container drawn and >= cfg.mentions charts name cfg.name (title or legend).  WebSocket sends and messages
# are recorded for the breakdown.
INSTRUMENT_JS = r"""
(() => {
  if (window.__bm) return;
  const CFG = %CFG%;
  const now = () => performance.now();
  const M = window.__bm = {load: {svg: null, map: null, mapPaint: null, all: null, allPaint: null}, armed: null,
                           states: [], sends: [], msgs: [], afterplot: [], long: []};
  try {  // main-thread tasks > 50 ms: how busy the browser was
    new PerformanceObserver((l) => { for (const e of l.getEntries()) M.long.push([e.startTime, e.duration]); })
      .observe({type: 'longtask', buffered: true});
  } catch (e) { /* not supported */ }
  const OrigWS = window.WebSocket;
  function WrappedWS(url, protocols) {
    const ws = protocols === undefined ? new OrigWS(url) : new OrigWS(url, protocols);
    ws.addEventListener('message', (e) => {
      const d = e.data;
      const n = (d && (d.byteLength !== undefined ? d.byteLength : (d.size !== undefined ? d.size : d.length))) || 0;
      M.msgs.push([now(), n]);
    });
    const send = ws.send.bind(ws);
    ws.send = (data) => { M.sends.push(now()); return send(data); };
    return ws;
  }
  WrappedWS.prototype = OrigWS.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) WrappedWS[k] = OrigWS[k];
  window.WebSocket = WrappedWS;
  const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const titleText = %TITLE_OF%;
  const titleOf = (el) => norm(titleText(el));
  // a geo map (SVG, go.Choropleth) with its district paths, or a MapLibre map (go.Choroplethmap)
  const isMap = (el) => el.querySelector('.choroplethlayer path, .maplibregl-canvas') !== null;
  const plots = () => [...document.querySelectorAll('.js-plotly-plot')]
      .filter(el => el.querySelector('.main-svg') && visible(el));
  const containers = () => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].filter(visible).length;
  const mentions = (name) => plots().filter(el => titleOf(el).includes(name) ||
      [...el.querySelectorAll('.legendtext')].some(t => norm(t.textContent).includes(name))).length;
  const state = () => { const a = document.querySelector('[data-testid="stApp"]');
                        return a ? a.getAttribute('data-test-script-state') : null; };
  const twoFrames = (cb) => requestAnimationFrame(() => requestAnimationFrame(cb));
  // plotly_afterplot on every graph div (keyed by Plotly's emitter, which a purge + new plot replaces); the map's
  // first one comes after MapLibre's load, so the hook (on the first DOM mutation) is always in time for it
  const hooked = new WeakSet();
  function hook() {
    for (const el of document.querySelectorAll('.js-plotly-plot')) {
      if (typeof el.on !== 'function' || !el._ev || hooked.has(el._ev)) continue;
      hooked.add(el._ev);
      el.on('plotly_afterplot', () => { M.afterplot.push({t: now(), map: isMap(el), title: titleOf(el)}); check(); });
    }
  }
  M.mentions = mentions;
  M.charts = () => plots().length;
  M.mapTitle = () => { const m = plots().find(isMap); return m ? titleOf(m) : null; };
  function check() {
    const t = now();
    hook();
    const s = state();
    if (M.states.length === 0 || M.states[M.states.length - 1][1] !== s) M.states.push([t, s]);
    const ps = plots();
    const mapDrawn = ps.some(isMap) && M.afterplot.some(a => a.map);
    const L = M.load;
    // every chart has its SVG (the map's MapLibre canvas may still be empty)
    if (L.svg === null && ps.length >= CFG.count && ps.length >= containers()) L.svg = t;
    if (L.map === null && mapDrawn) { L.map = t; twoFrames(() => { L.mapPaint = now(); }); }
    if (L.all === null && mapDrawn && ps.length >= CFG.count && ps.length >= containers()) {
      L.all = t; twoFrames(() => { L.allPaint = now(); });
    }
    const A = M.armed;
    if (A && A.trigger !== null && A.match === null) {
      if (A.running === null && (s === 'running' || s === 'rerunRequested')) A.running = t;
      if (A.running !== null && A.done === null && s === 'notRunning') A.done = t;
      const mapNew = M.afterplot.some(a => a.map && a.t >= A.trigger && a.title.includes(A.cfg.name));
      if (A.map === null && mapNew) { A.map = t; twoFrames(() => { A.mapPaint = now(); }); }
      // finished: 'running' was seen and is over; or, for a run too fast for the DOM to show 'running', the server
      // answered after the trigger and the state is notRunning (the map naming the option is required anyway)
      const lastMsg = M.msgs.length ? M.msgs[M.msgs.length - 1][0] : null;
      const finished = A.running !== null ? A.done !== null
                     : (lastMsg !== null && lastMsg >= A.trigger && s === 'notRunning');
      if (finished && mapNew && !document.querySelector('[data-testid="stSkeleton"]')) {
        const n = ps.length;
        if (n >= A.cfg.count && n >= containers() && mentions(A.cfg.name) >= A.cfg.mentions) {
          A.match = t; twoFrames(() => { A.paint = now(); });
        }
      }
    }
  }
  M.arm = (cfg) => {
    M.armed = {cfg, trigger: null, running: null, done: null, map: null, mapPaint: null, match: null, paint: null};
    kick();
  };
  const onTrigger = () => { if (M.armed && M.armed.trigger === null) { M.armed.trigger = now(); check(); } };
  window.addEventListener('pointerdown', onTrigger, true);
  window.addEventListener('keydown', onTrigger, true);
  new MutationObserver(check).observe(document,
      {subtree: true, childList: true, attributes: true, characterData: true});
  let polling = false;
  const pending = () => M.load.all === null || (M.armed && M.armed.match === null);
  const poll = () => { check(); if (pending()) requestAnimationFrame(poll); else polling = false; };
  const kick = () => { if (!polling) { polling = true; requestAnimationFrame(poll); } };
  kick();
})();
"""

# Breakdown of the last armed rerun: trigger -> first WebSocket send (frontend) -> last message before the match
# (server + transfer) -> match (render), bytes received in between.
RERUN_COLLECT_JS = r"""
() => {
  const M = window.__bm, A = M.armed;
  const send = M.sends.find(t => t >= A.trigger) ?? null;
  const msgs = M.msgs.filter(m => m[0] >= A.trigger && m[0] <= A.match);
  const last = msgs.length ? msgs[msgs.length - 1][0] : null;
  const long = M.long.filter(([s, d]) => s >= A.trigger && s < A.match);
  return {long_tasks_ms: long.reduce((s, x) => s + x[1], 0), long_tasks_n: long.length,
          trigger: A.trigger, send, last_msg: last, done: A.done, running: A.running, map: A.map,
          map_paint: A.mapPaint, match: A.match, paint: A.paint, bytes_in: msgs.reduce((s, m) => s + m[1], 0),
          n_msgs: msgs.length, map_title: M.mapTitle()};
}
"""

LOAD_COLLECT_JS = r"""
() => {
  const M = window.__bm, L = M.load;
  const nav = performance.getEntriesByType('navigation')[0] || {};
  const before = (t) => M.msgs.filter(m => m[0] <= t);
  const upto = before(L.all);
  const longBefore = M.long.filter(([s, d]) => s < L.all);
  return {svg: L.svg, map: L.map, map_paint: L.mapPaint, all: L.all, all_paint: L.allPaint,
          dom_content_loaded: nav.domContentLoadedEventEnd ?? null,
          ws_first_msg: M.msgs.length ? M.msgs[0][0] : null,
          ws_last_msg_before_all: upto.length ? upto[upto.length - 1][0] : null,
          ws_bytes_before_all: upto.reduce((s, m) => s + m[1], 0),
          long_tasks_ms: longBefore.reduce((s, x) => s + x[1], 0), long_tasks_n: longBefore.length,
          map_afterplots: M.afterplot.filter(a => a.map).map(a => a.t)};
}
"""


def instrument(count: int) -> str:
    return INSTRUMENT_JS.replace("%CFG%", json.dumps({"count": int(count)})).replace("%TITLE_OF%", CHART_TITLE_JS)


def norm(text: str) -> str:
    return " ".join(text.split())


def indicator_name(label: str) -> str:
    """'Bevölkerung · Ausländeranteil' -> 'Ausländeranteil' (what the chart titles say)."""
    return norm(label.split(" · ", 1)[-1])


# ── browser measurements ────────────────────────────────────────────────────────────────────────

def main_selectbox(page, label: str):
    """The selectbox in the main area whose label is exactly `label` (not "Zweite Kennzahl ...")."""
    exact = re.compile(rf"^\s*{re.escape(label)}\s*$")
    return page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]').filter(has_text=exact)).first


def open_main_selectbox(page, label: str, option: str, timeout: float = 30_000):
    """Main-area variant of monitoring.browser_harness.open_selectbox (the option is returned, not clicked)."""
    return pick_option(page, main_selectbox(page, label), option, timeout)


def main_selected(page, label: str) -> str:
    return main_selectbox(page, label).locator('input[role="combobox"]').input_value().strip()


def load_once(browser, url: str, count: int, *, watch_console: bool = False) -> dict:
    """One load in a fresh context with the instrumentation; returns the in-page figures (and, if asked, console
    errors, page errors, failed responses and the charts' titles)."""
    context = browser.new_context(viewport=VIEWPORT, locale="de-DE")
    context.add_init_script(instrument(count))
    console, responses = [], []
    try:
        page = context.new_page()
        if watch_console:
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.on("response", lambda r: responses.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        page.wait_for_function("() => window.__bm && window.__bm.load.allPaint !== null", timeout=TIMEOUT_MS,
                               polling=50)
        wall = (time.perf_counter() - t0) * 1000
        row = page.evaluate(LOAD_COLLECT_JS)
        row["wall_ms"] = wall
        wait_for_charts(page, count, timeout=TIMEOUT_MS)  # let the session finish before the next one starts
        if watch_console:
            row["charts"] = page.evaluate("() => window.__bm.charts()")
            row["titles"] = [text["title"] for text in chart_texts(page)]
            row["errors"] = error_messages(page)
            row["console_errors"] = console
            row["failed_responses"] = responses
        return row
    finally:
        context.close()


def interleaved_cold_loads(browser, page_url: str, page_count: int, bare_url: str, reps: int) -> tuple[list, list]:
    """`reps` cold loads of the page and of the bare app, alternating (page, bare, page, bare, ...), so that a
    machine that gets busier or quieter during the run shifts both sides alike instead of biasing the ratio."""
    page_rows, bare_rows = [], []
    for i in range(reps):
        page_rows.append(load_once(browser, page_url, page_count))
        bare_rows.append(load_once(browser, bare_url, 1))
        log(f"    cold {i + 1}/{reps}: page all {page_rows[-1]['all']:.0f} ms, bare {bare_rows[-1]['all']:.0f} ms")
    return page_rows, bare_rows


def reruns(browser, url: str, label: str, cycle: list[str], start: str, names: dict[str, str], reps: int,
           server: StreamlitServer, tag: str) -> dict:
    """Change the main-area selectbox `label` through `cycle`: one unmeasured pass (cache-cold changes; learns per
    option how many charts there are and how many name it), then `reps` measured changes."""
    context = browser.new_context(viewport=VIEWPORT, locale="de-DE")
    context.add_init_script(instrument(1))
    try:
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded", timeout=TIMEOUT_MS)
        wait_for_charts(page, 1, timeout=TIMEOUT_MS)
        selected = main_selected(page, label)
        if selected != start:
            raise RuntimeError(f"{tag}: selectbox {label!r} shows {selected!r}, expected {start!r}")
        expect = {start: (page.evaluate("() => window.__bm.charts()"),
                          page.evaluate("n => window.__bm.mentions(n)", names[start]))}
        first_pass, measured = [], []
        marks = {"first_pass": log_mark(server)}
        sequence = [(option, False) for option in cycle] + [(cycle[i % len(cycle)], True) for i in range(reps)]
        for option, timed in sequence:
            name = names[option]
            count, named = expect.get(option) or (expect[start][0], 1)
            if timed and "measured" not in marks:
                marks["measured"] = log_mark(server)
            item = open_main_selectbox(page, label, option)
            page.evaluate("cfg => window.__bm.arm(cfg)", {"count": count, "name": name, "mentions": named})
            item.click()
            try:
                page.wait_for_function("() => window.__bm.armed.paint !== null", timeout=TIMEOUT_MS, polling=50)
            except Exception as exc:
                state = page.evaluate("() => ({armed: window.__bm.armed, states: window.__bm.states.slice(-6),"
                                      " afterplot: window.__bm.afterplot.slice(-4), now: performance.now()})")
                raise RuntimeError(f"{tag}: change to {option!r} did not finish: {state}; selected "
                                   f"{main_selected(page, label)!r}") from exc
            r = page.evaluate(RERUN_COLLECT_JS)
            wait_for_charts(page, 1, timeout=TIMEOUT_MS)
            if not timed:
                expect[option] = (page.evaluate("() => window.__bm.charts()"),
                                  page.evaluate("n => window.__bm.mentions(n)", name))
            trig = r["trigger"]
            row = {"option": option, "match_ms": r["match"] - trig, "paint_ms": r["paint"] - trig,
                   "map_ms": r["map"] - trig,
                   "trigger_to_send_ms": (r["send"] - trig) if r["send"] is not None else None,
                   "send_to_last_msg_ms": (r["last_msg"] - r["send"])
                   if r["last_msg"] is not None and r["send"] is not None else None,
                   "last_msg_to_match_ms": (r["match"] - r["last_msg"]) if r["last_msg"] is not None else None,
                   "to_script_done_ms": (r["done"] - trig) if r["done"] is not None else None,
                   "running_seen": r["running"] is not None, "ws_bytes_in": r["bytes_in"],
                   "long_tasks_ms": r["long_tasks_ms"], "long_tasks_n": r["long_tasks_n"],
                   "charts": expect[option][0], "charts_naming_option": expect[option][1],
                   "map_title": r["map_title"]}
            (measured if timed else first_pass).append(row)
            log(f"    [{tag}] rerun {'' if timed else '(first pass) '}-> {option}: all {row['match_ms']:.0f} ms, "
                f"map {row['map_ms']:.0f} ms ({row['charts']} charts, {row['charts_naming_option']} name it)")
        text = server.log_text()
        return {"first_pass": first_pass, "measured": measured, "expect": expect,
                "script_first_pass": [ms for _, ms in script_times(text[marks["first_pass"]:marks["measured"]])],
                "script_measured": [ms for _, ms in script_times(text[marks["measured"]:])]}
    finally:
        context.close()


def rerun_summary(rr: dict) -> dict:
    rows = rr["measured"]
    keys = ("match_ms", "paint_ms", "map_ms", "trigger_to_send_ms", "send_to_last_msg_ms", "last_msg_to_match_ms",
            "ws_bytes_in", "long_tasks_ms")
    out = {k: summarize(r[k] for r in rows) for k in keys}
    out["first_pass_match_ms"] = summarize(r["match_ms"] for r in rr["first_pass"])
    out["script_ms"] = summarize(rr["script_measured"])
    out["per_option_match_ms"] = {o: summarize(r["match_ms"] for r in rows if r["option"] == o)
                                  for o in dict.fromkeys(r["option"] for r in rows)}
    return out


def load_summary(rows: list[dict]) -> dict:
    keys = ("svg", "map", "map_paint", "all", "all_paint", "dom_content_loaded", "ws_first_msg",
            "ws_last_msg_before_all", "ws_bytes_before_all", "long_tasks_ms")
    return {k: summarize(r[k] for r in rows) for k in keys}


# ── SQL ─────────────────────────────────────────────────────────────────────────────────────────

SQL_INDICATORS = ["auslaenderanteil", "kita_anteil_auslaendische_herkunft", "arbeitslosenquote_auslaender",
                  "einbuergerungen", "auslaenderanteil_svb_ao", "schutzsuchende_je_1000"]
SQL_YEARS = {"auslaenderanteil": [2015, 2011, 2022], "kita_anteil_auslaendische_herkunft": [2015, 2012],
             "arbeitslosenquote_auslaender": [2015, 2009, 2016], "einbuergerungen": [2015, 2011],
             "auslaenderanteil_svb_ao": [2015, 2024], "schutzsuchende_je_1000": [2024, 2015]}
SCATTER_Y = "arbeitslosenquote_auslaender"  # monitoring.ui.SCATTER_Y


def sql_param_sets(first_year: int, last_year: int) -> dict[str, list[dict]]:
    """Realistic parameters for every query the page runs (monitoring/ui.py), scope 'DG'."""
    pairs = [(i, y) for i in SQL_INDICATORS for y in SQL_YEARS[i]]
    return {
        "comparison_values": [{"indicator": i, "scope": SCOPE, "category": "", "year": y} for i, y in pairs],
        "indicator_years": [{"indicator": i, "scope": SCOPE, "category": ""} for i in SQL_INDICATORS],
        "scatter_values": [{"x": i, "y": SCATTER_Y if i != SCATTER_Y else "auslaenderanteil", "scope": SCOPE,
                            "year": y} for i, y in pairs],
        "structure_features": [{"scope": SCOPE, "year": y} for y in (2015, 2011, 2022, 2024)],
        "profile": [{"ags": KREIS, "land": LAND, "scope": SCOPE, "year_from": a, "year_to": b}
                    for a, b in ((first_year, last_year), (2010, 2020), (2015, 2015))],
        # trend chart (district, Land, Germany over the period) and the ranking's reference line (scope, 30 years)
        "series": [{"indicator": i, "regions": [KREIS, LAND, SCOPE], "category": "", "year_from": first_year,
                    "year_to": last_year} for i in SQL_INDICATORS]
                  + [{"indicator": i, "regions": [SCOPE], "category": "", "year_from": y - 30, "year_to": y}
                     for i, y in pairs],
        "districts": [{}],
        "year_range": [{}],  # not in the brief's list, but the page's sidebar runs it on every run too
    }


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    vals = sorted(values)
    k = (len(vals) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(vals) - 1)
    return vals[lo] + (vals[hi] - vals[lo]) * (k - lo)


def bench_sql(runs: int, warmups: int = 3) -> dict:
    from monitoring import db

    t0 = time.perf_counter()
    db.connection()
    open_ms = (time.perf_counter() - t0) * 1000
    first, last = (int(v) for v in db.run_query("year_range").iloc[0])
    out = {"open_ms": open_ms, "runs": runs, "warmups": warmups, "queries": {}}
    for name, sets in sql_param_sets(first, last).items():
        times, rows = [], []
        t = time.perf_counter()
        frame = db.run_query(name, **sets[0])
        first_ms = (time.perf_counter() - t) * 1000
        for i in range(warmups):
            db.run_query(name, **sets[i % len(sets)])
        for i in range(runs):
            params = sets[i % len(sets)]
            t = time.perf_counter()
            frame = db.run_query(name, **params)
            times.append((time.perf_counter() - t) * 1000)
            rows.append(len(frame))
        out["queries"][name] = {
            "param_sets": len(sets), "n": len(times), "first_ms": first_ms,
            "p50": percentile(times, 50), "p95": percentile(times, 95), "max": max(times), "min": min(times),
            "rows_min": min(rows), "rows_max": max(rows), "ok": percentile(times, 95) <= FLOORS["sql_p95_ms"],
            "times_ms": times,
        }
        log(f"    [sql] {name}: p50 {out['queries'][name]['p50']:.2f} ms, p95 {out['queries'][name]['p95']:.2f} ms "
            f"({len(sets)} parameter sets, {min(rows)}–{max(rows)} rows)")
    try:
        db.connection().close()
    finally:
        db.reset_connection()
    return out


# ── report ──────────────────────────────────────────────────────────────────────────────────────


def med(summary: dict) -> float | None:
    return summary["median"] if summary and summary.get("n") else None


def fmt_ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def ok(flag: bool | None) -> str:
    return "–" if flag is None else ("ok" if flag else "**over**")


def markdown(result: dict) -> str:
    m, v = result["machine"], result["versions"]
    load_start = "/".join(f"{x:.2f}" for x in m["loadavg_start"])
    load_end = "/".join(f"{x:.2f}" for x in m.get("loadavg_end", ()))
    page, bare = result.get("page", {}), result.get("bare", {})
    pc, bc = page.get("cold_summary", {}), bare.get("cold_summary", {})
    pr, br = page.get("rerun_summary", {}), bare.get("rerun_summary", {})
    r = result.get("ratios", {})
    lines = [
        f"# Map page benchmark (/{PAGE}, all 400 districts) — {result['started']}",
        "",
        f"reps {result['reps']}; {m['nproc']} cores; load average (1/5/15 min) at start {load_start}, at end "
        f"{load_end}{result.get('load_wait_note', '')}; {v.get('chromium', '')}; python {v.get('python')}, "
        f"streamlit {v.get('streamlit', '?')}, plotly {v.get('plotly', '?')}, duckdb {v.get('duckdb', '?')}, "
        f"pandas {v.get('pandas', '?')}, playwright {v.get('playwright', '?')}. Code: "
        f"{describe_source(result.get('source_start'))}.",
        "",
        f"Page: `/{PAGE}?{PAGE_QUERY}` ({page.get('charts', '?')} chart(s) drawn: the page opens on its tab "
        "\"Karte\"; ranking, time series, scatter, comparable districts and profile are the other tabs and are "
        "computed only when opened). The map is a go.Choropleth (SVG) whose boundaries the browser fetches once "
        "from app/static/. "
        f"Bare: `bench/bare_map_app.py` ({', '.join(f'{k}={x}' for k, x in BARE_ENV.items() if k != 'BENCH_LOG')}: "
        "one go.Choropleth, 400 polygons × 49 points embedded in the figure, full float precision). "
        "Medians (min–max) in ms. cold = fresh browser context, server caches warm, ms since navigation start; "
        "map = the map fired plotly_afterplot with its districts drawn; all = map and every chart drawn. "
        "rerun = pointerdown on the option → run finished, map redrawn naming the new indicator, all charts drawn "
        "(warm caches, one unmeasured pass first).",
        "",
        "| measure | page | bare map app | page ÷ bare | floor | verdict |",
        "|---|---|---|---|---|---|",
        f"| cold load, all charts drawn | {cell(pc.get('all'))} | {cell(bc.get('all'))} | "
        f"{fmt_ratio(r.get('cold_all'))} | ≤ {FLOORS['cold_ratio']}× bare | "
        f"{ok(None if r.get('cold_all') is None else r['cold_all'] <= FLOORS['cold_ratio'])} |",
        f"| cold load, map drawn | {cell(pc.get('map'))} | {cell(bc.get('map'))} | {fmt_ratio(r.get('cold_map'))} "
        f"| (info) | – |",
        f"| rerun after indicator change, all drawn | {cell(pr.get('match_ms'))} | {cell(br.get('match_ms'))} | "
        f"{fmt_ratio(r.get('rerun'))} | ≤ {FLOORS['rerun_ms']:.0f} ms | "
        f"{ok(None if med(pr.get('match_ms', {})) is None else med(pr['match_ms']) <= FLOORS['rerun_ms'])} |",
        f"| rerun, map redrawn | {cell(pr.get('map_ms'))} | {cell(br.get('map_ms'))} | "
        f"{fmt_ratio(ratio(pr.get('map_ms', {}), br.get('map_ms', {})))} | (info) | – |",
        f"| rerun, first pass (cache cold) | {cell(pr.get('first_pass_match_ms'))} | "
        f"{cell(br.get('first_pass_match_ms'))} | – | (info) | – |",
        f"| script run on the measured reruns (server) | {cell(pr.get('script_ms'), 1)} | "
        f"{cell(br.get('script_ms'), 1)} | – | (info) | – |",
        f"| first load after server start (caches cold), all | {cell_one(page.get('first_load', {}).get('all'))} | "
        f"{cell_one(bare.get('first_load', {}).get('all'))} | – | (info) | – |",
        "",
        "Breakdown (medians, ms; cold: ms since navigation start; rerun: ms since pointerdown; a message's time is "
        "when the page's JavaScript handled it, so a main thread busy drawing earlier elements delays it and "
        "'server + transfer' then includes some rendering):",
        "",
        "| | page | bare |",
        "|---|---|---|",
        f"| cold: DOMContentLoaded | {cell(pc.get('dom_content_loaded'))} | {cell(bc.get('dom_content_loaded'))} |",
        f"| cold: first WebSocket message | {cell(pc.get('ws_first_msg'))} | {cell(bc.get('ws_first_msg'))} |",
        f"| cold: last WebSocket message before all drawn | {cell(pc.get('ws_last_msg_before_all'))} | "
        f"{cell(bc.get('ws_last_msg_before_all'))} |",
        f"| cold: WebSocket kB received | {kb(pc.get('ws_bytes_before_all'))} | {kb(bc.get('ws_bytes_before_all'))} |",
        f"| cold: every chart has its SVG (map canvas maybe still empty) | {cell(pc.get('svg'))} | "
        f"{cell(bc.get('svg'))} |",
        f"| cold: main-thread long tasks before all drawn (sum) | {cell(pc.get('long_tasks_ms'))} | "
        f"{cell(bc.get('long_tasks_ms'))} |",
        f"| rerun: pointerdown → rerun request sent | {cell(pr.get('trigger_to_send_ms'))} | "
        f"{cell(br.get('trigger_to_send_ms'))} |",
        f"| rerun: sent → last message (server + transfer) | {cell(pr.get('send_to_last_msg_ms'))} | "
        f"{cell(br.get('send_to_last_msg_ms'))} |",
        f"| rerun: last message → all drawn (render) | {cell(pr.get('last_msg_to_match_ms'))} | "
        f"{cell(br.get('last_msg_to_match_ms'))} |",
        f"| rerun: WebSocket kB received | {kb(pr.get('ws_bytes_in'))} | {kb(br.get('ws_bytes_in'))} |",
        f"| rerun: main-thread long tasks until all drawn (sum) | {cell(pr.get('long_tasks_ms'))} | "
        f"{cell(br.get('long_tasks_ms'))} |",
    ]
    per_option = pr.get("per_option_match_ms") or {}
    if per_option:
        lines += ["", "Page rerun per indicator (all drawn, median ms): "
                  + "; ".join(f"{o} {cell(s)}" for o, s in per_option.items())]
    sql = result.get("sql")
    if sql:
        lines += [
            "",
            f"SQL: `monitoring.db.run_query` directly (no Streamlit cache), scope 'DG', kreis {KREIS}, Land {LAND}; "
            f"{sql['warmups']} warm-ups, then {sql['runs']} runs per query cycling through the parameter sets; "
            f"opening the database took {sql['open_ms']:.0f} ms. Floor: p95 ≤ {FLOORS['sql_p95_ms']:.0f} ms.",
            "",
            "| query | parameter sets | rows | n | first call | p50 | p95 | max | p95 ≤ 20 ms |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for name, q in sql["queries"].items():
            rows = f"{q['rows_min']}" if q["rows_min"] == q["rows_max"] else f"{q['rows_min']}–{q['rows_max']}"
            extra = " (sidebar)" if name == "year_range" else ""
            lines.append(f"| {name}{extra} | {q['param_sets']} | {rows} | {q['n']} | {q['first_ms']:.2f} | "
                         f"{q['p50']:.2f} | {q['p95']:.2f} | {q['max']:.2f} | {ok(q['ok'])} |")
    notes = result.get("notes") or []
    if notes:
        lines += ["", *[f"- {' '.join(str(n).split())}" for n in notes]]
    lines += ["", "Compare figures only between runs on the same machine; browser, Playwright and both servers share "
              "the machine's cores."]
    return "\n".join(lines) + "\n"


def describe_source(state: dict | None) -> str:
    if not state:
        return "?"
    where = f"commit {state['commit']}{' (uncommitted changes)' if state['dirty'] else ''}" if state["commit"] \
        else f"{state['project_dir']} (not a git checkout)"
    return f"{where}, source digest {state['digest']}"


def cell_one(value) -> str:
    return "–" if value is None else f"{value:.0f}"


def kb(summary: dict | None) -> str:
    return "–" if not summary or not summary.get("n") else f"{summary['median'] / 1000:.0f}"


# ── main ────────────────────────────────────────────────────────────────────────────────────────


def source_state() -> dict:
    """The git commit (if PROJECT_DIR is a checkout) and a digest of everything the page's code and data are made
    of, to notice code or data that changed while the benchmark ran (other work in the same tree)."""
    files = [PROJECT_DIR / "dashboard.py", *(PROJECT_DIR / "pages").glob("*.py"),
             *(PROJECT_DIR / "monitoring").glob("*.py"), *(PROJECT_DIR / "queries").glob("*.sql"),
             *(PROJECT_DIR / ".streamlit").glob("*.toml"), *(PROJECT_DIR / "data").glob("*.geojson"),
             *(PROJECT_DIR / "data").glob("*.toml"), *(PROJECT_DIR / "data").glob("*.csv"),
             *(PROJECT_DIR / "data").glob("*.parquet"), PROJECT_DIR / "bench" / "bare_map_app.py"]
    digest = hashlib.sha256()
    for path in sorted(f for f in files if f.is_file()):
        digest.update(str(path.relative_to(PROJECT_DIR)).encode())
        digest.update(path.read_bytes())
    state = {"project_dir": str(PROJECT_DIR), "digest": digest.hexdigest()[:16], "commit": None, "dirty": None}
    try:
        git = ["git", "-C", str(PROJECT_DIR)]
        if subprocess.run([*git, "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                          timeout=10).stdout.strip() == str(PROJECT_DIR):
            state["commit"] = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                             timeout=10).stdout.strip()
            state["dirty"] = bool(subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"],
                                                 capture_output=True, text=True, timeout=10).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return state


def wait_for_quiet(max_s: float, threshold: float = 1.0) -> dict:
    """Wait until the 1-min load average is below `threshold`, at most max_s seconds."""
    t0 = time.monotonic()
    while os.getloadavg()[0] >= threshold and time.monotonic() - t0 < max_s:
        time.sleep(5)
    return {"waited_s": time.monotonic() - t0, "loadavg": os.getloadavg(), "quiet": os.getloadavg()[0] < threshold}


def bare_app_dir(directory: Path) -> Path:
    """bench/bare_map_app.py with a static/ folder of the project's empty base-map topojson files beside it: a geo
    map loads one even when hidden, and Streamlit serves app/static/ only from next to the main script."""
    (directory / "static").mkdir(parents=True, exist_ok=True)
    shutil.copy2(PROJECT_DIR / "bench" / "bare_map_app.py", directory / "bare_map_app.py")
    for topojson in (PROJECT_DIR / "static").glob("world_*.json"):
        shutil.copy2(topojson, directory / "static" / topojson.name)
    return directory


def first_load(browser, url: str, dashboard: StreamlitServer, result: dict) -> dict:
    """The page's first load after the server started (caches cold); notes errors and failed requests."""
    log(f"[page] first load after server start: {url}")
    first = load_once(browser, url, 1, watch_console=True)
    page = {"url_path": f"/{PAGE}?{PAGE_QUERY}", "charts": first["charts"], "titles": first.pop("titles"),
            "first_load": first, "startup_ms": dashboard.startup_s * 1000}
    if first["errors"]:
        result["notes"].append(f"page shows an error: {first['errors'][0][:300]!r}")
    failed = [r for r in first["failed_responses"] if "/_stcore/" not in r]
    if failed:
        result["notes"].append(f"page: failed requests {failed[:5]}")
    if first["console_errors"]:
        stcore = all("404" in c for c in first["console_errors"]) and len(failed) == 0
        result["notes"].append(
            f"page: {len(first['console_errors'])} console error(s) on the first load"
            + (" — only Streamlit's 404 probes of <page>/_stcore/health and /_stcore/host-config "
               "(it tries the deep link's path as base URL first; harmless)" if stcore else
               f": {first['console_errors'][:5]}"))
    log(f"[page] {page['charts']} charts: {page['titles']}")
    return page


def bench_browser(result: dict, reps: int, log_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    names = {label: indicator_name(label) for label in [INDICATOR_START, *INDICATOR_CYCLE]}
    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        try:
            dashboard = StreamlitServer(PROJECT_DIR / "dashboard.py", env={"INTEGRATIONSMONITOR_TIMING": "1"},
                                        log_path=log_dir / "map_dashboard.log")
            bare_dir = bare_app_dir((log_dir / "bare_map").resolve())
            bare_srv = StreamlitServer(bare_dir / "bare_map_app.py", cwd=bare_dir, env=BARE_ENV,
                                       log_path=log_dir / "map_bare.log",
                                       extra_args=("--server.enableStaticServing", "true"))
            dashboard.start(timeout=60)
            bare_srv.start(timeout=60)
            try:
                url = f"{dashboard.url}{PAGE}?{PAGE_QUERY}"
                page = result["page"] = first_load(browser, url, dashboard, result)
                count = page["charts"]
                log("[bare] first load after server start")
                first = load_once(browser, bare_srv.url, 1, watch_console=True)
                bare = result["bare"] = {"charts": first["charts"], "titles": first.pop("titles"),
                                         "first_load": first, "startup_ms": bare_srv.startup_s * 1000}
                log("cold loads, page and bare app alternating")
                page["cold"], bare["cold"] = interleaved_cold_loads(browser, url, count, bare_srv.url, reps)
                page["cold_summary"] = load_summary(page["cold"])
                bare["cold_summary"] = load_summary(bare["cold"])
                log("[page] reruns (indicator change)")
                rr = reruns(browser, url, "Kennzahl", INDICATOR_CYCLE, INDICATOR_START, names, reps, dashboard, "page")
                page["rerun"] = rr
                page["rerun_summary"] = rerun_summary(rr)
                log("[bare] reruns")
                rr = reruns(browser, bare_srv.url, "Indicator", BARE_CYCLE, BARE_START,
                            {o: o for o in [BARE_START, *BARE_CYCLE]}, reps, bare_srv, "bare")
                bare["rerun"] = rr
                bare["rerun_summary"] = rerun_summary(rr)
                if "Traceback" in dashboard.log_text():
                    result["notes"].append("dashboard log contains a Traceback (see logs/map_dashboard.log)")
            finally:
                dashboard.stop()
                bare_srv.stop()
        finally:
            browser.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=10, help="cold loads and measured reruns per app (default 10)")
    ap.add_argument("--sql-runs", type=int, default=60, help="measured runs per query (default 60, at least 50)")
    ap.add_argument("--out", default=str(PROJECT_DIR / "bench" / "results"))
    ap.add_argument("--wait-load", type=float, default=0, metavar="SECONDS",
                    help="first wait up to SECONDS for the 1-min load average to drop below 1.0")
    ap.add_argument("--skip-sql", action="store_true")
    ap.add_argument("--skip-browser", action="store_true")
    ap.add_argument("--note", action="append", default=[], help="a line for the report's notes (repeatable)")
    args = ap.parse_args()
    out = Path(args.out)
    log_dir = out / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)

    result = {"reps": args.reps, "floors": FLOORS, "versions": versions(), "notes": list(args.note),
              "machine": {"nproc": os.cpu_count(), "platform": platform.platform()}}
    if args.wait_load > 0:
        log(f"waiting up to {args.wait_load:.0f} s for the 1-min load average < 1.0 (now {os.getloadavg()[0]:.2f})")
        result["load_wait"] = wait_for_quiet(args.wait_load)
        w = result["load_wait"]
        result["load_wait_note"] = (f" (after waiting {w['waited_s']:.0f} s for the 1-min load average to drop "
                                    f"below 1.0{'' if w['quiet'] else ': it did not'})")
    result["started"] = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
    result["machine"]["loadavg_start"] = os.getloadavg()
    result["source_start"] = source_state()
    t_start = time.perf_counter()
    json_path, md_path = out / "bench_map.json", out / "bench_map.md"
    try:
        if not args.skip_sql:
            log("[sql]")
            result["sql"] = bench_sql(max(args.sql_runs, 1))
        if not args.skip_browser:
            bench_browser(result, args.reps, log_dir)
    finally:
        page, bare = result.get("page", {}), result.get("bare", {})
        if page.get("cold_summary") and bare.get("cold_summary"):
            result["ratios"] = {
                "cold_all": ratio(page["cold_summary"]["all"], bare["cold_summary"]["all"]),
                "cold_map": ratio(page["cold_summary"]["map"], bare["cold_summary"]["map"]),
            }
        if page.get("rerun_summary") and bare.get("rerun_summary"):
            result.setdefault("ratios", {})["rerun"] = ratio(page["rerun_summary"]["match_ms"],
                                                             bare["rerun_summary"]["match_ms"])
            bare_rerun = med(bare["rerun_summary"]["match_ms"])
            if bare_rerun is not None and bare_rerun > FLOORS["rerun_ms"]:
                result["notes"].append(
                    f"the bare map app itself needs {bare_rerun:.0f} ms (median) for a selectbox change on this "
                    f"machine, more than the {FLOORS['rerun_ms']:.0f} ms floor: it re-sends its 400 polygons with "
                    "every figure, the page's map fetches them once")
        result["source_end"] = source_state()
        if result["source_end"]["digest"] != result["source_start"]["digest"]:
            result["notes"].append("the page's code or data changed while the benchmark ran (source digest "
                                   f"{result['source_start']['digest']} → {result['source_end']['digest']}); "
                                   "figures may mix versions")
        result["notes"] = list(dict.fromkeys(result["notes"]))
        result["wall_s"] = time.perf_counter() - t_start
        result["machine"]["loadavg_end"] = os.getloadavg()
        json_path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    table = markdown(result)
    md_path.write_text(table, encoding="utf-8")
    print(table)
    log(f"wrote {json_path} and {md_path} ({result['wall_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
