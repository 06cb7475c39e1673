"""Benchmark (not a test): the full import of the raw exports and opening/building the database.

Run: .venv/bin/python bench/bench_data.py [--reps 5]
Reports medians (min–max) in seconds/milliseconds for
  - import: every raw file through its importer (no writing),
  - mapping: observations → canonical facts,
  - build_db: DuckDB file from data/ (what the dashboard does when data/ changed),
  - open_db: a fresh process opening the built database and running one query (the dashboard's cold start),
  - query: warm latency of the page queries.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitoring import db  # noqa: E402
from monitoring.build import DEFAULT_RAW, canonical_facts, import_all, raw_files  # noqa: E402


def timed(function, reps):
    times = []
    result = None
    for _ in range(reps):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return result, times


def summary(times, unit="s"):
    scale = 1000 if unit == "ms" else 1
    values = [t * scale for t in times]
    return f"{statistics.median(values):.{0 if unit == 'ms' else 2}f} {unit} ({min(values):.2f}–{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    files = raw_files(DEFAULT_RAW)
    (observations, _), import_times = timed(lambda: import_all(files), args.reps)
    _, mapping_times = timed(lambda: canonical_facts(observations), args.reps)
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "bench.duckdb"
        _, build_times = timed(lambda: db.build_database(db.DATA_DIR, target), args.reps)
        probe = (f"import sys; sys.path.insert(0, {str(db.PROJECT_DIR)!r}); import duckdb; "
                 f"con = duckdb.connect({str(target)!r}, read_only=True); "
                 "con.execute(\"SELECT count(*) FROM facts WHERE indicator = 'auslaenderanteil'\").fetchall()")
        _, open_times = timed(lambda: subprocess.run([sys.executable, "-c", probe], check=True), args.reps)
    db.ensure_database()
    params = dict(indicator="auslaenderanteil", regions=["08216", "08", "DG"], category="", year_from=1995, year_to=2025)
    _, query_times = timed(lambda: db.run_query("series", **params), 50)
    _, ranking_times = timed(lambda: db.run_query("comparison_values", indicator="auslaenderanteil", scope="DG",
                                                  category="", year=2025), 50)
    results = {
        "files": len(files), "observations": len(observations),
        "import": summary(import_times), "mapping": summary(mapping_times), "build_db": summary(build_times),
        "open_db_fresh_process_incl_python_start": summary(open_times),
        "query_series_warm": summary(query_times, "ms"), "query_ranking_400_warm": summary(ranking_times, "ms"),
    }
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
