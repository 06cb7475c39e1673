"""Command line: `python -m monitoring build | indicators | facts | import | imports | undo | template | fetch | goals`.

    build [--raw DIR]                      official exports -> data/ (the default dataset)
    indicators                             the catalogue as CSV
    facts [--ags] [--indicator] [--year]   canonical values as CSV
    import FILE… [--dry-run] [--describe SNIPPET.toml]
                                           preview and apply an update (exit 0 ok, 1 refused, 2 something rejected
                                           or a new table without a description); --describe: a new table becomes
                                           a new indicator (fields: monitoring/describe.py SNIPPET_EXAMPLE)
    imports                                the list of imports
    undo ID                                take an import back out (a description made with it stays)
    described                              the descriptions of new tables made so far
    undescribe ID                          take a description out of the catalogue (after its imports are undone)
    template [--xlsx] OUT                  the own-figures template
    fetch TABLE [--regionalkey 08*] [--years 2020-2024] [--dry-run]   GENESIS API -> preview/apply
    goals FILE… [--dry-run] | --list | --undo ID
                                           goals and measures of the structure in force (ziele.toml,
                                           massnahmen.toml): preview and save (exit 2 when refused), the list of
                                           changes, undo one (monitoring/goal_updates.py)
"""
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

    _update_commands(commands)
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            return _build(args.raw)
        if args.command == "indicators":
            return _indicators()
        if args.command == "facts":
            return _facts(args.ags, args.indicator, args.year)
        return _update(args)
    except BrokenPipeError:  # `… | head` closes the pipe early: not an error
        return 0


def _update_commands(commands) -> None:
    load = commands.add_parser("import", help="Dateien prüfen (Vorschau) und übernehmen")
    load.add_argument("files", nargs="+", type=Path, metavar="FILE", help="CSV, ZIP oder XLSX")
    load.add_argument("--dry-run", action="store_true", help="nur die Vorschau zeigen, nichts ändern")
    load.add_argument("--describe", type=Path, action="append", default=[], metavar="SNIPPET.toml",
                      help="eine neue Tabelle als Kennzahl beschreiben (TOML: name, handlungsfeld, unit, concept, "
                           "level, direction, caveats, [numerator] measure, optional [denominator]); ohne Datei "
                           "zeigt die Vorschau, welche Messgrößen und Merkmale die Datei hat")
    commands.add_parser("imports", help="bisherige Importe auflisten")
    commands.add_parser("described", help="beschriebene neue Tabellen auflisten")
    undescribe = commands.add_parser("undescribe", help="eine Beschreibung aus dem Katalog nehmen")
    undescribe.add_argument("id", help="Kennung der Beschreibung (siehe described)")
    undo = commands.add_parser("undo", help="einen Import rückgängig machen")
    undo.add_argument("id", help="Import-Kennung (siehe imports)")
    template = commands.add_parser("template", help="Vorlage für eigene Zahlen schreiben")
    template.add_argument("out", type=Path, help="Zieldatei (.csv oder mit --xlsx .xlsx)")
    template.add_argument("--xlsx", action="store_true", help="als Excel-Arbeitsmappe (sonst CSV + zwei Listen)")
    fetch = commands.add_parser("fetch", help="Tabelle über die GENESIS-Schnittstelle abrufen und importieren")
    fetch.add_argument("table", help="Tabellencode, z. B. 12411-01-01-4 oder 12531-0043")
    fetch.add_argument("--regionalkey", help="Regionalschlüssel, z. B. 08* für alle Kreise in Baden-Württemberg")
    fetch.add_argument("--years", help="Jahr oder Zeitraum, z. B. 2023 oder 2020-2024")
    fetch.add_argument("--time-limit", type=float, default=20, help="Minuten für einen Hintergrund-Job (20)")
    fetch.add_argument("--dry-run", action="store_true", help="nur die Vorschau zeigen, nichts ändern")
    goals = commands.add_parser("goals", help="Ziele und Maßnahmen prüfen (Vorschau) und speichern")
    goals.add_argument("files", nargs="*", type=Path, metavar="FILE", help="ziele.toml und/oder massnahmen.toml")
    goals.add_argument("--dry-run", action="store_true", help="nur die Vorschau zeigen, nichts ändern")
    goals.add_argument("--list", action="store_true", help="bisherige Änderungen auflisten")
    goals.add_argument("--undo", metavar="ID", help="eine Änderung rückgängig machen (siehe --list)")


def _update(args) -> int:
    """The update commands; a refused update is a German message and exit code 1 (2: rows rejected)."""
    from . import described_catalog, genesis_api, templates, updates

    try:
        if args.command == "import":
            return _import(args.files, args.dry_run, args.describe)
        if args.command == "imports":
            return _imports()
        if args.command == "described":
            return _described()
        if args.command == "undescribe":
            ids = described_catalog.remove_description(args.id)
            print(f"Beschreibung {args.id} entfernt (Katalogeinträge: {', '.join(ids)}).")
            return 0
        if args.command == "undo":
            updates.undo(args.id)
            print(f"Import {args.id} rückgängig gemacht.")
            return 0
        if args.command == "goals":
            return _goals(args)
        if args.command == "template":
            for path in templates.write_template(args.out, xlsx=args.xlsx):
                print(f"geschrieben: {path}")
            return 0
        return _fetch(args)
    except (updates.UpdateError, genesis_api.GenesisError) as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 1


def _import(items, dry_run: bool, snippets: list[Path] | None = None) -> int:
    from . import describe, updates

    descriptions = [describe.load_description(path) for path in snippets or []]
    preview = updates.preview(items, progress=_progress, descriptions=descriptions)
    print(preview.summary())
    if not preview.rejected.empty:
        print("Nichts übernommen: bitte die abgelehnten Dateien bzw. Zeilen korrigieren.", file=sys.stderr)
        return 2
    if preview.needs_description:
        print("Nichts übernommen: neue Tabelle(n) ohne Beschreibung. Beschreiben mit --describe BESCHREIBUNG.toml "
              "(Messgrößen und Merkmale siehe oben), zum Beispiel:\n" + describe.SNIPPET_EXAMPLE, file=sys.stderr)
        return 2
    if dry_run or not preview.can_apply:
        print("Probelauf: nichts geändert." if dry_run else "Nichts zu übernehmen.")
        return 0
    import_id = updates.apply(preview, progress=_progress)
    print(f"Übernommen als Import {import_id} (rückgängig: python -m monitoring undo {import_id}).")
    for item in preview.described:
        print(f"Neue Kennzahl im Katalog beschriebener Kennzahlen: {item.id} „{item.main['name']}“ (bleibt bei "
              f"einem Rückgängig; entfernen: python -m monitoring undescribe {item.id}).")
    return 0


def _goals(args) -> int:
    """Preview and save goal files, list the changes or undo one, for the structure in force."""
    from . import goal_updates, structures
    from .catalog import load_catalog

    try:
        structure = structures.load_structure()
    except structures.StructureError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 1
    folder = structure.goals_dir
    if args.undo:
        goal_updates.undo_goals(args.undo, folder=folder)
        print(f"Änderung {args.undo} rückgängig gemacht ({folder}).")
        return 0
    if args.list or not args.files:
        return _print_table(goal_updates.history_table(folder), f"Noch keine Änderungen in {folder}.")
    preview = goal_updates.preview_goals({path.name: path.read_bytes() for path in args.files}, folder=folder,
                                         catalog_ids=load_catalog()["id"], fields=structure.fields)
    print(preview.summary(), file=sys.stderr if preview.error else sys.stdout)
    if preview.error:
        return 2
    if args.dry_run or not preview.can_apply:
        print("Probelauf: nichts geändert." if args.dry_run else "Nichts zu übernehmen.")
        return 0
    change_id = goal_updates.apply_goals(preview)
    print(f"Übernommen als Änderung {change_id} (rückgängig: python -m monitoring goals --undo {change_id}).")
    return 0


def _described() -> int:
    from . import described_catalog

    return _print_table(described_catalog.described_table(), "Noch keine beschriebenen Tabellen.")


def _imports() -> int:
    from . import update_tables

    return _print_table(update_tables.imports_table(), "Noch keine Importe.")


def _print_table(table, empty_text: str) -> int:
    """A listing as CSV on stdout, or a German sentence when there is nothing to list."""
    if table.empty:
        print(empty_text)
    else:
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def _fetch(args) -> int:
    from . import genesis_api

    fetched = genesis_api.fetch_table(args.table, regionalkey=args.regionalkey, years=args.years,
                                      time_limit=args.time_limit * 60, progress=_progress)
    print(f"{fetched.table} ({fetched.title or 'ohne Titel'}), Stand {fetched.stand or 'unbekannt'}: {fetched.name}")
    for note in fetched.notes:
        print(f"Hinweis: {note}")
    return _import([fetched.as_item()], args.dry_run)


def _progress(fraction, text: str) -> None:
    prefix = f"[{fraction * 100:3.0f} %] " if fraction is not None else ""
    print(prefix + text, file=sys.stderr, flush=True)


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
