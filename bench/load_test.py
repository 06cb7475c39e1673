"""Bounded load through the deployment recipe (a tool, not a test): the dashboard started as the systemd unit starts
it (loopback, base path), nginx with deploy/nginx.conf in front, and N browser sessions (contexts of one headless
Debian Chromium) that click through pages and change filters for a fixed time each round.

Per round: page times (navigation or filter change until Streamlit is idle and the charts are drawn) as median and
p90 per minute, console errors of the browsers, errors in the server and nginx logs, the server's memory (RSS) at
the start and the end.  Prints a table; writes JSON to bench/results/.

    .venv/bin/python bench/load_test.py --sessions 5 10 20 --seconds 60 [--processes 2]

Note: the browsers run on the same machine as the server (here 2 cores), so the times include the browsers' own
work; on a real server the visitors' browsers are elsewhere.  Needs nginx and chromium (Debian packages).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from monitoring import browser_harness  # noqa: E402
from monitoring.browser_harness import CHROMIUM_ARGS, CHROMIUM_PATH, VIEWPORT  # noqa: E402
from monitoring.proxy_harness import NginxProxy, start_app  # noqa: E402

RESULTS = PROJECT_DIR / "bench" / "results"
# Pages a session opens (url path).  A page counts as loaded when Streamlit is idle and every chart it shows is
# drawn: how many depends on the district (outside Baden-Württemberg, Sprache has none).
PAGES = ["", "sprache", "bildung", "arbeit", "bevoelkerung", "zusammenleben", "kreisvergleich", "daten-methodik",
         "ziele-massnahmen"]
DISTRICTS = ["08216", "08226", "08117", "08111", "08125", "08221", "08317", "08425", "03159", "09162"]
DISTRICT_NAMES = ["Stuttgart", "Göppingen", "Rastatt", "Heidelberg", "Rhein-Neckar-Kreis", "Ortenaukreis", "Konstanz", "Ulm"]
BENCHMARKS = ["land,de", "land,de,08222", "land,08221,08226", "de"]
SERVER_ERRORS = ("Traceback", "Uncaught app exception", "Error", "Exception")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def settle(page, timeout_ms: float = 90_000) -> None:
    """Idle, and every Plotly container on the page drawn (at least none: n = 0), for 300 ms."""
    await page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    await page.evaluate("() => { window.__imSettledSince = null; }")
    await page.wait_for_function(browser_harness._SETTLED_JS, arg=[0, 300], timeout=timeout_ms, polling=50)


async def session(number: int, browser, proxy: NginxProxy, deadline: float, t0: float, log: dict) -> None:
    rng = random.Random(number)
    context = await browser.new_context(viewport=VIEWPORT, locale="de-DE")
    page = await context.new_page()
    page.on("console", lambda msg: log["console"].append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda err: log["console"].append(f"pageerror: {err}"))
    current = None
    try:
        while time.monotonic() < deadline:
            if current is not None and rng.random() < 0.35:  # change the district in the sidebar
                kind = "filter"
                field = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
                    has_text="Kreis").first.locator('input[role="combobox"]')
                name = rng.choice(DISTRICT_NAMES)
                start = time.monotonic()
                try:
                    await field.click()
                    await field.press("ControlOrMeta+a")
                    await page.keyboard.type(name)
                    await page.get_by_role("option", name=name, exact=True).first.click(timeout=30_000)
                    await asyncio.sleep(0.2)  # the rerun starts
                    await settle(page)
                    ok = True
                except Exception as err:  # noqa: BLE001 - count it, go on
                    ok = False
                    log["failures"].append(f"{kind} {name}: {str(err).splitlines()[0][:160]}")
            else:  # open a page with filters in the URL (a shared link)
                kind = "page"
                current = rng.choice(PAGES)
                query = f"?kreis={rng.choice(DISTRICTS)}"
                if rng.random() < 0.5:
                    query += f"&vergleich={rng.choice(BENCHMARKS)}"
                start = time.monotonic()
                try:
                    await page.goto(proxy.url(current + query), wait_until="domcontentloaded", timeout=90_000)
                    await settle(page)
                    ok = True
                except Exception as err:  # noqa: BLE001
                    ok = False
                    log["failures"].append(f"{kind} {current}: {str(err).splitlines()[0][:160]}")
            log["times"].append({"t": start - t0, "s": time.monotonic() - start, "kind": kind, "ok": ok})
            await asyncio.sleep(rng.uniform(0.5, 2.0))  # a person looks at the page
    finally:
        await context.close()


async def run_round(sessions: int, seconds: float, proxy: NginxProxy) -> dict:
    from playwright.async_api import async_playwright

    log = {"times": [], "console": [], "failures": []}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM_PATH,
                                                   args=[*CHROMIUM_ARGS, *proxy.browser_args])
        t0 = time.monotonic()
        deadline = t0 + seconds
        await asyncio.gather(*(session(n, browser, proxy, deadline, t0, log) for n in range(sessions)))
        await browser.close()
    return log


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def summarize(sessions: int, log: dict, rss_before: float, rss_after: float, server_errors: list[str]) -> dict:
    times = [t for t in log["times"] if t["ok"]]
    minutes = {}
    for t in times:
        minutes.setdefault(int(t["t"] // 60), []).append(t["s"])
    console = log["console"]  # every console error counts (the recipe's nginx spares deep links their 404 probes)
    return {
        "sessions": sessions, "actions": len(log["times"]), "failed_actions": len(log["failures"]),
        "median_s": statistics.median([t["s"] for t in times]) if times else float("nan"),
        "p90_s": percentile([t["s"] for t in times], 0.9),
        "per_minute": {m: {"n": len(v), "median_s": statistics.median(v), "p90_s": percentile(v, 0.9)}
                       for m, v in sorted(minutes.items())},
        "console_errors": len(console), "console_404_probes": len(log["console"]) - len(console),
        "server_errors": len(server_errors), "rss_start_mb": round(rss_before), "rss_end_mb": round(rss_after),
        "examples": {"console": console[:5], "failures": log["failures"][:5], "server": server_errors[:5]},
    }


def new_lines(path: Path, offset: int) -> tuple[list[str], int]:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return text[offset:].splitlines(), len(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[5, 10, 20])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--processes", type=int, default=1, help="app processes behind nginx (ip_hash)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="im-load-"))
    apps = [start_app(work / f"app{i}.log") for i in range(args.processes)]
    proxy = NginxProxy(work / "nginx", [app.port for app in apps])
    proxy.start()
    results = []
    try:
        offsets = {app.log_path: 0 for app in apps}
        for app in apps:
            offsets[app.log_path] = len(app.log_text())
        nginx_offset = 0
        for sessions in args.sessions:
            rss_before = sum(rss_mb(app.proc.pid) for app in apps)
            print(f"… {sessions} sessions for {args.seconds:.0f} s", flush=True)
            log = asyncio.run(run_round(sessions, args.seconds, proxy))
            rss_after = sum(rss_mb(app.proc.pid) for app in apps)
            errors = []
            for app in apps:
                lines, offsets[app.log_path] = new_lines(app.log_path, offsets[app.log_path])
                errors += [line for line in lines if any(word in line for word in SERVER_ERRORS)]
            lines, nginx_offset = new_lines(proxy.workdir / "error.log", nginx_offset)
            errors += [line for line in lines if "[error]" in line or "[crit]" in line or "[alert]" in line]
            results.append(summarize(sessions, log, rss_before, rss_after, errors))
    finally:
        proxy.stop()
        for app in apps:
            app.stop()
    header = (f"{'sessions':>8} {'actions':>7} {'failed':>6} {'median s':>8} {'p90 s':>6} {'console':>7} "
              f"{'server':>6} {'RSS start→end MB':>17}  per minute (n / median / p90)")
    print(header)
    for r in results:
        minutes = "; ".join(f"{m + 1}: {v['n']} / {v['median_s']:.2f} / {v['p90_s']:.2f}"
                            for m, v in r["per_minute"].items())
        print(f"{r['sessions']:>8} {r['actions']:>7} {r['failed_actions']:>6} {r['median_s']:>8.2f} {r['p90_s']:>6.2f} "
              f"{r['console_errors']:>7} {r['server_errors']:>6} {r['rss_start_mb']:>8} → {r['rss_end_mb']:<6}  {minutes}")
        for kind, examples in r["examples"].items():
            for example in examples:
                print(f"      {kind}: {example[:200]}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"load_{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps({"processes": args.processes, "seconds": args.seconds, "rounds": results}, indent=1),
                   encoding="utf-8")
    print(f"→ {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
