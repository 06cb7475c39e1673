"""Benchmark (not a test): time to build a 12-slide Kreistag report (PowerPoint and PDF).

Run: .venv/bin/python bench/bench_report.py [--reps 5] [--kreis 08216]

The report: title slide, the 10 trend charts of all Handlungsfelder for the district with its Land and Germany
(monitoring.report.build_report: queries, house-style figures, 1600 × 900 PNGs from kaleido, python-pptx,
reportlab), closing slide.  The export browser (one headless Chromium) is started once before the runs and its
start is reported separately; each run then builds the whole report.  Prints the median (min–max) of the runs and
of their stages.  The issue's floor: under 15 s.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitoring import db, images, report  # noqa: E402
from monitoring.catalog import load_fields  # noqa: E402

FLOOR_S = 15.0
SLIDES = 12


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--kreis", default="08216")
    args = parser.parse_args()

    db.connection()  # database opened (or built) before timing
    started = time.perf_counter()
    images.start()
    browser_start = time.perf_counter() - started
    # the first image also loads plotly.js into the browser's page: a warm-up outside the timed runs
    started = time.perf_counter()
    report.chart_slide("bevoelkerung", args.kreis, args.kreis[:2], 2010, 2011)
    first_image = time.perf_counter() - started

    fields = list(load_fields())
    totals, stages = [], {"Diagramme": [], "PowerPoint": [], "PDF": []}
    for _ in range(args.reps):
        marks = {}

        def progress(fraction: float, text: str, marks=marks) -> None:
            marks.setdefault(text.split(" ")[0], time.perf_counter())

        started = time.perf_counter()
        built = report.build_report(args.kreis, fields, 2005, 2025, date=dt.date.today(), progress=progress)
        ended = time.perf_counter()
        slides = len(built.slides) + 2
        if slides != SLIDES:
            raise SystemExit(f"erwartet {SLIDES} Folien, erstellt {slides}")
        totals.append(ended - started)
        stages["Diagramme"].append(marks["PowerPoint"] - started)
        stages["PowerPoint"].append(marks["PDF"] - marks["PowerPoint"])
        stages["PDF"].append(ended - marks["PDF"])

    def summary(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"

    print(f"Bericht {built.district}, {SLIDES} Folien ({len(built.slides)} Diagramme), {args.reps} Läufe")
    # kaleido starts Chromium in a background thread: the first image waits for it
    print(f"  Exportbrowser + erstes Bild (einmal): {browser_start + first_image:.2f} s")
    for name, values in stages.items():
        print(f"  {name + ':':<34} {summary(values)}")
    print(f"  Bericht gesamt (Median):           {summary(totals)}  — Grenze {FLOOR_S:.0f} s: "
          f"{'eingehalten' if statistics.median(totals) < FLOOR_S else 'ÜBERSCHRITTEN'}")
    print(f"  Größen: PPTX {len(built.pptx) / 1e6:.1f} MB, PDF {len(built.pdf) / 1e6:.1f} MB")
    images.stop()


if __name__ == "__main__":
    main()
