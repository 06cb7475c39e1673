"""Command line: `python -m monitoring build | indicators | facts [--ags CODE] [--indicator ID] [--year YEAR]`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import build as build_module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitoring", description="Integrationsmonitor: Daten und Katalog")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="Rohdaten importieren und data/ neu schreiben")
    build.add_argument("--raw", type=Path, default=build_module.DEFAULT_RAW, help="Ordner mit den amtlichen Exporten")

    commands.add_parser("indicators", help="Indikatorkatalog als CSV ausgeben")

    facts = commands.add_parser("facts", help="kanonische Werte als CSV ausgeben")
    facts.add_argument("--ags", help="Regionalschlüssel (DG, 08, 08216 …)")
    facts.add_argument("--indicator", help="Indikator-id (siehe indicators)")
    facts.add_argument("--year", type=int, help="Jahr")

    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            return _build(args.raw)
        if args.command == "indicators":
            return _indicators()
        return _facts(args.ags, args.indicator, args.year)
    except BrokenPipeError:  # `… | head` closes the pipe early: not an error
        return 0


def _build(raw: Path) -> int:
    report = build_module.build_dataset(raw, progress=build_module.print_progress)
    rejected = [f for f in report["files"] if f["status"] != "importiert"]
    print(f"{report['facts']} Werte, {report['indicators']} Indikatoren, {report['districts_with_data']} Kreise; "
          f"{len(rejected)} Dateien nicht importiert (siehe data/BUILD.md); {report['seconds']} s")
    return 0


def _indicators() -> int:
    from .catalog import load_catalog

    columns = ["id", "handlungsfeld", "name", "unit", "concept", "level", "source", "table", "direction", "definition"]
    load_catalog()[columns].to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def _facts(ags: str | None, indicator: str | None, year: int | None) -> int:
    from .db import run_query

    rows = run_query("facts_export", ags=ags, indicator=indicator, year=year)
    rows.to_csv(sys.stdout, index=False, lineterminator="\n", float_format="%.10g")
    return 0


if __name__ == "__main__":
    sys.exit(main())
