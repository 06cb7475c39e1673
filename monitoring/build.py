"""Raw official exports → the canonical default dataset in data/ (`python -m monitoring build`).

Reads every CSV/ZIP under the raw folder (../shared/data/raw by default), imports it with the importer of its
layout, maps the observations onto the catalogue's indicators and writes:

    data/facts.parquet     canonical imported facts (one row per district, indicator, category, Stichtag, source)
    data/plausibility.parquet  warnings about implausible values (monitoring/plausibility.py); values stay as they are
    data/raw_manifest.json every file under the raw folder: path, size, sha256, origin, what the build read it for
    data/districts.csv, laender.csv, crosswalk.csv, kreise_simplified.geojson, laender_simplified.geojson
    data/BUILD.md          how these files were made: command, sources, counts, rejected files

Files are written to a temporary folder first and moved into data/ only when everything succeeded.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from . import db, geo, plausibility, provenance, settings
from .catalog import CATALOG_FILE, DATA_DIR, load_catalog, load_rules, own_catalog_file
from .importers import ImportRejected, read_file
from .ingest import map_to_facts

PROJECT_DIR = settings.PROJECT_DIR
DEFAULT_RAW = settings.RAW_DIR
IMPORTABLE = {".csv", ".zip"}
MANIFEST_FILE = "raw_manifest.json"
# Raw files monitoring/geo.py reads (besides the importers): district list, the Kreis shapefile (pyshp reads
# .shp/.shx/.dbf/.cpg), the two boundary GeoJSONs and the BBSR crosswalk.
GEO_INPUTS = sorted(
    [f"{geo.BKG_DIR}/{geo.DISTRICT_LIST_CSV}", f"{geo.BKG_DIR}/{geo.DISTRICT_GEOJSON}",
     f"{geo.BKG_DIR}/{geo.LAENDER_GEOJSON}", geo.CROSSWALK_XLSX]
    + [f"{geo.BKG_DIR}/{geo.DISTRICT_SHAPEFILE}{suffix}" for suffix in (".shp", ".shx", ".dbf", ".cpg")]
)


def raw_files(raw_dir: Path) -> list[Path]:
    return sorted(p for p in raw_dir.rglob("*") if p.is_file() and p.suffix.lower() in IMPORTABLE)


def import_all(files: list[Path], progress=None) -> tuple[pd.DataFrame, list[dict]]:
    """Observations of every file that fits a layout, and a report line per file (imported or rejected)."""
    frames, report = [], []
    for number, path in enumerate(files, start=1):
        started = time.perf_counter()
        try:
            frame = read_file(path)
        except ImportRejected as err:
            report.append({"file": _rel(path), "status": "abgelehnt", "reason": str(err)})
        else:
            frames.append(frame)
            skipped = frame.attrs.get("skipped", [])
            report.append({
                "file": _rel(path), "status": "importiert", "layout": frame["layout"].iloc[0], "rows": len(frame),
                "skipped_rows": len(skipped), "seconds": round(time.perf_counter() - started, 2),
            })
        if progress:
            progress(number, len(files), path.name)
    observations = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return observations, report


def _rel(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def canonical_facts(observations: pd.DataFrame) -> pd.DataFrame:
    facts = map_to_facts(observations, load_rules())  # the same mapping an upload goes through (ingest.py)
    facts = facts.sort_values(["indicator", "ags", "breakdown", "category", "period", "source_file"], kind="stable")
    return facts.reset_index(drop=True)


def build_dataset(raw_dir: Path = DEFAULT_RAW, data_dir: Path = DATA_DIR, progress=None,
                  static_dir: Path = PROJECT_DIR / "static") -> dict:
    """Run the whole build; data/ changes only if every step succeeded.  The boundaries are then also copied to
    static/, from where the browser fetches them for the map."""
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"Rohdatenordner nicht gefunden: {raw_dir}")
    started = time.perf_counter()
    load_catalog()  # fail early on a broken catalogue
    overrides = plausibility.catalog_overrides()
    files = raw_files(raw_dir)
    observations, file_report = import_all(files, progress)
    facts = canonical_facts(observations)
    with tempfile.TemporaryDirectory(dir=data_dir) as tmp:
        staging = Path(tmp)
        facts.to_parquet(staging / "facts.parquet", index=False, compression="zstd")
        geo_report = geo.write_geo_data(raw_dir, staging)
        warnings = check_plausibility(staging, overrides)
        plausibility.write_warnings(warnings, staging / plausibility.WARNINGS_FILE)
        manifest = raw_manifest(raw_dir, dict(zip((_relative(p, raw_dir) for p in files), file_report)))
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
        report = {
            "files": file_report,
            "observations": len(observations),
            "facts": len(facts),
            "indicators": int(facts["indicator"].nunique()),
            "districts_with_data": int(facts.loc[facts["ags"].str.len() == 5, "ags"].nunique()),
            "geo": geo_report,
            "warnings": warnings,
            "raw_files": len(manifest["files"]),
            "seconds": round(time.perf_counter() - started, 1),
        }
        (staging / "BUILD.md").write_text(build_notes(report, facts), encoding="utf-8")
        for item in staging.iterdir():
            os.replace(item, data_dir / item.name)
    geo.publish_boundaries(data_dir, static_dir)
    return report


def check_plausibility(staging: Path, overrides: dict[str, dict]) -> pd.DataFrame:
    """The plausibility warnings of the freshly built files: a throw-away database is built from them (with the
    catalogue, so the derived shares are there too) and its current values go through the pure rules."""
    with tempfile.TemporaryDirectory(dir=staging.parent) as tmp:
        check_dir = Path(tmp)
        for name in ("facts.parquet", "districts.csv", "laender.csv", "crosswalk.csv"):
            shutil.copyfile(staging / name, check_dir / name)
        for catalogue in (CATALOG_FILE, own_catalog_file(CATALOG_FILE)):
            if catalogue.is_file():
                shutil.copyfile(catalogue, check_dir / catalogue.name)
        db_file = db.build_database(check_dir, check_dir / "check.duckdb")
        with duckdb.connect(str(db_file), read_only=True) as con:
            values = con.execute(db.load_sql("build_plausibility_input")).df()
    laender = pd.read_csv(staging / "laender.csv", dtype=str)
    return plausibility.plausibility_warnings(values, overrides, dict(zip(laender["ags"], laender["name"])))


def raw_manifest(raw_dir: Path, imports: dict[str, dict]) -> dict:
    """Every file under the raw folder, sorted by path: size, sha256, top-level folder and the heading of its
    section in the raw folder's README.md, and what the build read it for (``imports``: relative path -> report
    line of import_all).  Nothing in it depends on the time or the machine, so the same raw files give the same
    bytes."""
    sections = readme_sections(raw_dir / "README.md")
    entries = []
    for path in sorted((p for p in raw_dir.rglob("*") if p.is_file()), key=lambda p: _relative(p, raw_dir)):
        relative = _relative(path, raw_dir)
        folder = relative.split("/")[0] if "/" in relative else ""
        read_by = []
        if relative in imports:
            entry = imports[relative]
            read_by.append(f"import: {entry.get('layout') or entry['status']}")
        if relative in GEO_INPUTS:
            read_by.append("geo")
        if relative == "README.md":
            read_by.append("origin")
        entries.append({"path": relative, "folder": folder, "origin": sections.get(folder, ""),
                        "bytes": path.stat().st_size, "sha256": _sha256(path), "read_by": read_by})
    return {
        "format": 1,
        "about": "Rohdaten, aus denen `python -m monitoring build` data/ gemacht hat (Ordner ../shared/data/raw). "
                 "read_by: import: <Layout> = importiert, import: abgelehnt = vom Import abgelehnt, "
                 "geo = Grenzen/Kreisliste/Umsteigeschlüssel, origin = Herkunftsangaben (Spalte origin), "
                 "leer = nicht gelesen.",
        "files": entries,
    }


def readme_sections(readme: Path) -> dict[str, str]:
    """Top-level folder -> its '## folder/  (source: …)' heading in the raw folder's README.md (without '## ')."""
    if not readme.is_file():
        return {}
    sections = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^##\s+([^/\s]+)/\s*(.*)$", line)
        if match:
            sections.setdefault(match.group(1), f"{match.group(1)}/ {match.group(2)}".strip())
    return sections


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_notes(report: dict, facts: pd.DataFrame) -> str:
    """data/BUILD.md: how the generated files were made (reviewed in git like everything else)."""
    lines = [
        "# data/ — generated by `python -m monitoring build`",
        "",
        "Do not edit `facts.parquet`, `districts.csv`, `laender.csv`, `crosswalk.csv` or the `*_simplified.geojson`",
        "files by hand: they are made by the project's importers from the official exports in `../shared/data/raw/`.",
        "`indicators.toml` and `handlungsfelder.toml` are written by people and reviewed like code.",
        "",
        f"Facts: {report['facts']:,} rows, {report['indicators']} indicators, "
        f"{report['districts_with_data']} districts (5-digit AGS) with data.".replace(",", "."),
        "",
        "## Files read",
        "",
        "| file | status | layout | observations | note |",
        "| --- | --- | --- | --- | --- |",
    ]
    for entry in report["files"]:
        note = entry.get("reason", "") or (f"{entry['skipped_rows']} rows without year/date or single region skipped"
                                            if entry.get("skipped_rows") else "")
        lines.append(f"| {entry['file']} | {entry['status']} | {entry.get('layout', '')} | {entry.get('rows', '')} | {note} |")
    lines += ["", "## Facts per source", "", "| source | rows | first year | last year |", "| --- | --- | --- | --- |"]
    per_source = facts.groupby("source").agg(rows=("value", "size"), first=("year", "min"), last=("year", "max"))
    for source, row in per_source.iterrows():
        lines.append(f"| {source} | {row['rows']} | {row['first']} | {row['last']} |")
    lines += ["", "## Boundaries", "", "```", json.dumps(report["geo"], indent=2, ensure_ascii=False), "```", ""]
    lines += plausibility_notes(report["warnings"])
    lines += [
        "## Raw inputs",
        "",
        f"`raw_manifest.json` lists all {report['raw_files']} files of the raw folder, sorted by path: `path`, "
        "`folder`, `origin` (the folder's heading in the raw README.md), `bytes`, `sha256`, `read_by` "
        "(`import: <layout>`, `import: abgelehnt`, `geo`, `origin` for the README, or empty = not read).  "
        "No time stamps: the same raw files give the same bytes, and `tests/test_reproducible.py` checks it.",
        "",
    ]
    lines += [
        "## Licences",
        "",
        "- Statistical data: © Statistische Ämter des Bundes und der Länder, Deutschland, <Jahr>; "
        f"© Statistik der Bundesagentur für Arbeit; {provenance.LICENCE}.",
        "- INKAR-derived series: © BBSR Bonn; published figures: each row names its source and URL.",
        "- Boundaries: © GeoBasis-DE / BKG 2022 (Daten verändert); crosswalk: © BBSR Bonn.",
        "",
    ]
    return "\n".join(lines)


def plausibility_notes(warnings: pd.DataFrame) -> list[str]:
    """The BUILD.md section on data/plausibility.parquet: what it holds and how many warnings per rule and indicator."""
    lines = [
        "## Plausibility warnings",
        "",
        "`plausibility.parquet` holds one row per warning (monitoring/plausibility.py, `plausibility_warnings`): "
        "`ags, indicator, breakdown, category, period, year, value, unit, rule, reference_period, reference_value, "
        "message` (German).  Rules: `sprung` (two consecutive values of a series differ by more than the "
        "indicator's threshold, both values are marked), `wertebereich` (a share outside 0–100 %, a negative "
        "value), `ausreisser` (a district outside Q1 − 3·IQR … Q3 + 3·IQR of the districts of its Land).  "
        "A warning never changes a value; "
        "it is checked on every current value, derived shares included.  Read it with "
        "`monitoring.plausibility.read_warnings()`.",
        "",
        f"{len(warnings)} warnings.",
        "",
        "| rule | indicator | warnings | regions |",
        "| --- | --- | --- | --- |",
    ]
    if not warnings.empty:
        counts = warnings.groupby(["rule", "indicator"]).agg(rows=("ags", "size"), regions=("ags", "nunique"))
        for (rule, indicator), row in counts.iterrows():
            lines.append(f"| {rule} | {indicator} | {row['rows']} | {row['regions']} |")
    return lines + [""]


def print_progress(number: int, total: int, name: str) -> None:
    print(f"[{number}/{total}] {name}", file=sys.stderr, flush=True)
