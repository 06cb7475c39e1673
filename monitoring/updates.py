"""Daten aktualisieren: import new exports and the district's own figures — previewed, atomic, reversible.

The store
---------
The default dataset (data/facts.parquet) stays exactly as `python -m monitoring build` made it from the official
exports.  Every user import adds one Parquet of canonical facts (mapping.FACT_COLUMNS) to data/imports/ and one
entry to data/imports/manifest.json:

    {"format": 1, "imports": [{"id": "0003-20250621T143012Z", "created": "2025-06-21T14:30:12+00:00",
      "status": "active" | "undone" | "replaced", "facts_file": "0003-….parquet",
      "files": [{"name", "sha256", "layout", "rows", "facts"}], "tables": [...], "coverage": ["table|period", …],
      "counts": {...},
      "replaces": [ids], "replaced_by": id | null, "undone": ISO | null}]}

The database build (db._load_tables) reads facts.parquet plus the Parquet of every *active* import; a Parquet
the manifest does not list is ignored.  Which value counts for the same district, indicator, category and
Stichtag is decided in SQL (queries/build_1_imported_current.sql): catalogue priority, then the newer Stand, then
the later import (user imports over the default dataset), so a corrected or newer export wins, an older one not.
A re-import of the same source table(s) for the same Stichtage *replaces* an earlier active import whose every
(table, Stichtag) it brings again (status "replaced"): values the new file no longer has (a dropped row) are
removed, and undoing the new import brings the earlier one back.  A file for another year only adds.

Commit point
------------
apply/undo (under a lock file, data/imports/.lock): write the Parquet to a temporary name, fsync, rename it into
place; build the new database aside from a staging view of data/ with the new manifest (so a broken import can
never reach the dashboard); write the manifest to a temporary name, fsync, rename — **this rename is the commit**;
then rename the staged database over the old one.  A kill before the manifest rename leaves the old manifest (the
new Parquet is an orphan, swept next time); a kill after it leaves a database whose fingerprint no longer matches
data/, so db.ensure_database rebuilds it on the next start.

A preview never writes into data/ or the database: it builds the would-be database in a temporary folder and
compares it with the current one.  No Streamlit here: pages/daten_aktualisieren.py and the CLI call these functions.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import signal
import tempfile
import time
import tomllib
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from . import db, export, geo
from .build import KEPT_CODES
from .catalog import (DIRECTIONS, HANDLUNGSFELDER, catalog_frame, load_catalog, load_rules, own_catalog_file,
                      own_indicator_ids)
from .importers import ImportRejected, detect_layout, read_file
from .importers import own_figures
from .importers.genesis_flat import read_genesis_flat
from .mapping import FACT_COLUMNS, Rule, apply_rules

SETTINGS_FILE = db.PROJECT_DIR / ".streamlit" / "integrationsmonitor.toml"
DEFAULT_MAX_UPLOAD_MB = 50
UNZIPPED_FACTOR = 20  # a zip may unpack to this many times the upload limit (GENESIS CSVs compress ~20:1)
LOCK_TIMEOUT_S = 60
OWN_SOURCE = own_figures.DEFAULT_SOURCE
OWN_LICENCE = "eigene Angaben des Kreises (keine amtliche Statistik)"
FACT_DTYPES = {"year": "int64", "value": "float64", "priority": "int64"}
STATUS_LABELS = {"active": "aktiv", "undone": "rückgängig gemacht", "replaced": "ersetzt"}


class UpdateError(Exception):
    """An update that cannot be done; the message is German and says what to do."""


# ── settings ─────────────────────────────────────────────────────────────────────────────────────────────────


def _settings() -> dict:
    if not SETTINGS_FILE.is_file():
        return {}
    return tomllib.loads(SETTINGS_FILE.read_text(encoding="utf-8"))


def editing_enabled() -> bool:
    """False in public read-only mode (env INTEGRATIONSMONITOR_PUBLIC=1 or `public = true` in
    .streamlit/integrationsmonitor.toml, [dashboard] or top level): the page must then not be offered."""
    if os.environ.get("INTEGRATIONSMONITOR_PUBLIC", "").strip().lower() in ("1", "true", "yes", "ja"):
        return False
    settings = _settings()
    return not bool(settings.get("dashboard", {}).get("public", settings.get("public", False)))


def max_upload_bytes() -> int:
    """Largest file accepted: env INTEGRATIONSMONITOR_MAX_UPLOAD_MB, else [updates] max_upload_mb, else 50 MB."""
    value = os.environ.get("INTEGRATIONSMONITOR_MAX_UPLOAD_MB") or _settings().get("updates", {}).get("max_upload_mb")
    return int(float(value or DEFAULT_MAX_UPLOAD_MB) * 1024 * 1024)


def _paths(data_dir: Path | None, db_file: Path | None) -> tuple[Path, Path]:
    # Looked up at call time, so tests (and the page under AppTest) can point db.DATA_DIR / db.DB_FILE elsewhere.
    return Path(data_dir or db.DATA_DIR), Path(db_file or db.DB_FILE)


# ── the preview ──────────────────────────────────────────────────────────────────────────────────────────────


@dataclass
class Preview:
    """What an import would do.  Nothing has changed yet; apply(preview) makes it happen."""

    import_id: str
    created: str
    data_dir: Path
    db_file: Path
    base_fingerprint: str
    files: list[dict] = field(default_factory=list)
    facts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FACT_COLUMNS))
    tables: list[str] = field(default_factory=list)
    coverage: list[str] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    superseded: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejected: pd.DataFrame = field(default_factory=lambda: _frame([], REJECTED_COLUMNS))
    warnings: pd.DataFrame = field(default_factory=lambda: _frame([], WARNING_COLUMNS))
    effective: int = 0

    def part(self, status: str) -> pd.DataFrame:
        if self.changes.empty:
            return self.changes
        return self.changes[self.changes["status"] == status].reset_index(drop=True)

    @property
    def counts(self) -> dict[str, int]:
        imported_changes = self.changes[self.changes["source_file"].isin(self.facts["source_file"].unique())] \
            if not self.changes.empty else self.changes
        touched = int(imported_changes["status"].isin(["new", "changed"]).sum()) if not self.changes.empty else 0
        return {
            "new": len(self.part("new")), "changed": len(self.part("changed")), "removed": len(self.part("removed")),
            "unchanged": max(self.effective - touched, 0), "superseded": len(self.superseded),
            "rejected": len(self.rejected), "warnings": len(self.warnings),
        }

    @property
    def can_apply(self) -> bool:
        return not self.facts.empty

    def summary(self) -> str:
        """The preview in German, for the command line."""
        c = {k: _n(v) for k, v in self.counts.items()}
        read = [f for f in self.files if f["status"] == "ok"]
        lines = [
            f"Vorschau (Import {self.import_id}): {len(self.files)} Datei(en), {len(read)} lesbar, "
            f"{len(self.files) - len(read)} abgelehnt.",
            f"  neu: {c['new']}, geändert: {c['changed']}, entfernt: {c['removed']}, unverändert: {c['unchanged']}, "
            f"nicht wirksam: {c['superseded']}, abgelehnt: {c['rejected']}, Hinweise: {c['warnings']}",
        ]
        if self.replaces:
            lines.append(f"  ersetzt frühere Importe derselben Tabelle(n): {', '.join(self.replaces)}")
        for title, frame, text in (("Abgelehnt", self.rejected, _rejection_text),
                                   ("Hinweise", self.warnings, _warning_text)):
            if not frame.empty:
                lines.append(f"{title}:")
                lines += [f"  - {text(row)}" for row in frame.head(30).itertuples()]
                if len(frame) > 30:
                    lines.append(f"  … und {_n(len(frame) - 30)} weitere")
        changed = self.part("changed")
        if not changed.empty:
            lines.append("Geändert (alt → neu):")
            lines += [f"  - {_change_text(row)}" for row in changed.head(20).itertuples()]
        return "\n".join(lines)


REJECTED_COLUMNS = ["file", "line", "column", "reason"]
WARNING_COLUMNS = ["file", "line", "column", "message"]


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    frame["line"] = frame["line"].astype("Int64")
    return frame


def _n(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _where(row) -> str:
    parts = [f"Datei „{row.file}“"]
    if pd.notna(row.line):
        parts.append(f"Zeile {row.line}")
    if row.column:
        parts.append(f"Spalte {row.column}")
    return ", ".join(parts)


def _rejection_text(row) -> str:
    return f"{_where(row)}: {row.reason}"


def _warning_text(row) -> str:
    return f"{_where(row)}: {row.message}"


def _change_text(row) -> str:
    return (f"{row.region} {row.indicator} {row.category or ''} {row.period}: {row.old_value} ({row.old_source}, "
            f"Stand {row.old_stand or '–'}) → {row.new_value} ({row.new_source}, Stand {row.new_stand or '–'})")


def preview(items, *, max_bytes: int | None = None, data_dir: Path | None = None, db_file: Path | None = None,
            progress=None) -> Preview:
    """Read, map and check the files (paths, (name, bytes) pairs or Streamlit uploads) and compare the database
    as it would be after the import with the current one.  Changes nothing."""
    data_dir, db_file = _paths(data_dir, db_file)
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    context = _Context(data_dir)
    manifest = db.read_manifest(data_dir)
    result = Preview(import_id=_next_id(manifest), created=_now(), data_dir=data_dir, db_file=db_file,
                     base_fingerprint=db.data_fingerprint(data_dir))
    items = list(items)
    facts, rejected, warnings = [], [], []
    for number, item in enumerate(items):
        _report(progress, number / (len(items) + 2), f"Lese {_item_name(item)} …")
        record, file_facts, file_rejected, file_warnings = _import_item(item, limit, context)
        result.files.append(record)
        facts.append(file_facts)
        rejected += file_rejected
        warnings += file_warnings
    result.facts = _conflicts_between_files(pd.concat(facts, ignore_index=True) if facts else _empty_facts(), rejected)
    result.rejected = _frame(rejected, REJECTED_COLUMNS).sort_values(["file", "line"], kind="stable", ignore_index=True)
    result.warnings = _frame(warnings, WARNING_COLUMNS)
    if result.facts.empty:
        return result
    result.tables = sorted({t for f in result.files for t in f.get("tables", [])})
    result.coverage = sorted({c for f in result.files for c in f.get("coverage", [])})
    result.replaces = _replaced_by(manifest, result.coverage)
    _report(progress, len(items) / (len(items) + 2), "Berechne die Datenbank mit den neuen Werten …")
    _compare(result, manifest)
    _report(progress, 1.0, "Vorschau fertig.")
    return result


def _report(progress, fraction: float, text: str) -> None:
    if progress:
        progress(min(max(fraction, 0.0), 1.0), text)


# ── reading one file ─────────────────────────────────────────────────────────────────────────────────────────


class _Context:
    """Catalogue, rules and region lists of one data folder: everything a file is checked against."""

    def __init__(self, data_dir: Path):
        catalog_path = data_dir / "indicators.toml"
        self.catalog = load_catalog(catalog_path).set_index("id", drop=False)
        self.own_ids = set(own_indicator_ids(catalog_path))
        self.rules = load_rules(catalog_path)
        self.own_rules = own_rules(sorted(self.own_ids))
        self.districts = pd.read_csv(data_dir / "districts.csv", dtype=str).set_index("ags")
        self.laender = set(pd.read_csv(data_dir / "laender.csv", dtype=str)["ags"])
        self.crosswalk = pd.read_csv(data_dir / "crosswalk.csv", dtype=str)
        self.former = set(self.crosswalk["old_ags"]) - set(self.districts.index)

    def region_problem(self, ags: str, *, own: bool) -> str | None:
        """Why a region code cannot be used, or None.  Official exports may name former districts (their old
        years are history); own figures are about today's districts, so a former code points to its successor."""
        if ags == "DG" or ags in self.laender or ags in self.districts.index:
            return None
        if ags in self.former:
            if not own:
                return None
            names = [f"{code} {self.districts.loc[code, 'label']}" for code in geo.successors(self.crosswalk, ags)
                     if code in self.districts.index]
            return (f"Den Kreis {ags} gibt es nicht mehr (Gebietsreform); bitte den heutigen Kreisschlüssel "
                    f"verwenden: {' oder '.join(names) or 'siehe Umsteigeschlüssel'}.")
        return f"Der Regionalschlüssel {ags} existiert nicht (weder heutiger noch früherer Kreis, noch Land)."


def own_rules(indicator_ids: list[str]) -> list[Rule]:
    """Mapping rules of the own-figures template: the row's indicator column is the catalogue id."""
    return [Rule(indicator=i, statistic=own_figures.STATISTIC, layout=own_figures.LAYOUT, measure=i,
                 basis="eigene Angaben des Kreises", licence=OWN_LICENCE) for i in indicator_ids]


def _item_name(item) -> str:
    if isinstance(item, (str, Path)):
        return Path(item).name
    if isinstance(item, tuple):
        return Path(item[0]).name
    return Path(item.name).name  # Streamlit UploadedFile


def _item_bytes(item, limit: int) -> bytes:
    """The file's bytes, refusing anything over the limit before reading it."""
    name = _item_name(item)
    size = (Path(item).stat().st_size if isinstance(item, (str, Path))
            else len(item[1]) if isinstance(item, tuple) else int(item.size))
    if size > limit:
        raise ImportRejected(name, f"Die Datei ist {_megabytes(size)} groß; erlaubt sind höchstens "
                                   f"{_megabytes(limit)} (Einstellung max_upload_mb).")
    if isinstance(item, (str, Path)):
        return Path(item).read_bytes()
    return item[1] if isinstance(item, tuple) else item.getvalue()


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB".replace(".", ",") if size >= 1e6 else f"{max(size / 1e3, 1):.0f} kB"


def _import_item(item, limit: int, context: _Context):
    """(file record, facts, rejected rows, warnings) of one file; a file-level problem rejects the file whole."""
    name = _item_name(item)
    record = {"name": name, "sha256": "", "layout": "", "rows": 0, "facts": 0, "status": "ok", "reason": ""}
    try:
        data = _item_bytes(item, limit)
        record["sha256"] = hashlib.sha256(data).hexdigest()
        observations, layout = _observations(name, data, limit)
        observations = _with_overrides(observations, item[2] if isinstance(item, tuple) and len(item) > 2 else {})
        record.update(layout=layout, rows=len(observations))
        facts, rejected, warnings = _checked_facts(name, observations, layout, context)
    except ImportRejected as err:
        record.update(status="abgelehnt", reason=str(err))
        return record, _empty_facts(), [{"file": err.file, "line": err.line, "column": err.column or "",
                                         "reason": err.reason}], []
    record.update(facts=len(facts), tables=_tables(facts, layout), coverage=_coverage(facts, layout))
    return record, facts, rejected, warnings


def _with_overrides(observations: pd.DataFrame, overrides: dict) -> pd.DataFrame:
    """Stand and attribution an API download knows from its metadata but the ffcsv does not carry."""
    for column in ("stand", "copyright"):
        if overrides.get(column) and column in observations:
            observations.loc[observations[column] == "", column] = overrides[column]
    return observations


def _observations(name: str, data: bytes, limit: int) -> tuple[pd.DataFrame, str]:
    path = Path(name)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ImportRejected(name, "Die Datei ist UTF-16-kodiert (Excel „Unicode-Text“). Bitte als „CSV UTF-8“ "
                                   "speichern oder unverändert aus der Quelle herunterladen.", line=1)
    layout = detect_layout(path, data)
    try:
        if layout == "genesis_flat" and data[:2] == b"PK":
            # Zips through the flat importer with a limit tied to the upload limit: its bomb checks run first.
            observations = read_genesis_flat(path, data, max_unzipped_bytes=limit * UNZIPPED_FACTOR)
        else:
            observations = read_file(path, data)
    except (UnicodeError, ValueError, KeyError, IndexError, zipfile.BadZipFile) as err:
        raise ImportRejected(name, f"Die Datei entspricht nicht dem erwarteten Format ({layout}): {err}") from None
    if observations.empty and not observations.attrs.get("rejected"):
        raise ImportRejected(name, "Die Datei enthält keine Werte.")
    return observations, layout


def _checked_facts(name: str, observations: pd.DataFrame, layout: str, context: _Context):
    rejected = list(observations.attrs.get("rejected", []))
    warnings = list(observations.attrs.get("warnings", []))
    own = layout.startswith("own_figures")
    if own:
        observations = _known_own_indicators(name, observations, context, rejected)
    facts = apply_rules(observations, context.own_rules if own else context.rules) if not observations.empty \
        else _empty_facts()
    facts = facts[facts["ags"].str.match(KEPT_CODES)].reset_index(drop=True)
    if facts.empty and not rejected:
        tables = ", ".join(sorted(observations["table"].unique())[:5]) if not observations.empty else "–"
        raise ImportRejected(name, f"Die Datei ist lesbar ({layout}), aber keine Kennzahl des Katalogs nutzt ihre "
                                   f"Tabelle ({tables}). Neue Tabellen müssen zuerst im Katalog "
                                   "(data/indicators.toml) beschrieben werden.")
    facts = _valid_rows(name, facts, observations, context, own, rejected)
    return _typed(facts), rejected, warnings


def _known_own_indicators(name: str, observations: pd.DataFrame, context: _Context, rejected: list) -> pd.DataFrame:
    """Template rows must name an own-figure indicator; official ones come from official exports."""
    keep = []
    for row in observations.itertuples():
        if row.measure in context.own_ids:
            keep.append(True)
            continue
        keep.append(False)
        if row.measure in context.catalog.index:
            reason = (f"„{row.measure}“ ist eine amtliche Kennzahl: ihre Werte kommen aus dem amtlichen Export. "
                      "Eigene Zahlen gehen nur für eigene Kennzahlen (Liste in der Vorlage).")
        else:
            reason = (f"Unbekannte Kennzahl „{row.measure}“. Erlaubt sind die eigenen Kennzahlen aus der Liste der "
                      "Vorlage; eine neue Kennzahl zuerst unter „Eigene Kennzahl anlegen“ hinzufügen.")
        rejected.append({"file": name, "line": row.line, "column": "indicator", "reason": reason})
    return observations[keep]


def _valid_rows(name: str, facts: pd.DataFrame, observations: pd.DataFrame, context: _Context, own: bool,
                rejected: list) -> pd.DataFrame:
    """Drop (and report) facts with an unknown region, a negative value or a share above 100 %."""
    units = facts["indicator"].map(context.catalog["unit"])
    problems = pd.Series("", index=facts.index)
    column = pd.Series("value", index=facts.index)
    region = {ags: context.region_problem(ags, own=own) for ags in facts["ags"].unique()}
    bad_region = facts["ags"].map(region).fillna("")
    problems[bad_region != ""] = bad_region[bad_region != ""]
    column[bad_region != ""] = "ags"
    negative = (facts["value"] < 0) & (problems == "")
    problems[negative] = "Negativer Wert: eine Anzahl oder ein Anteil kann nicht kleiner als 0 sein."
    above = (units == "%") & (facts["value"] > 100) & (problems == "")
    problems[above] = "Anteil über 100 %: ein Prozentwert kann nicht größer als 100 sein."
    for index in problems[problems != ""].index:
        fact = facts.loc[index]
        rejected.append({"file": fact["source_file"], "line": _line_of(observations, fact), "column": column[index],
                         "reason": f"{problems[index]} ({fact['indicator']}, {fact['ags']}, {fact['period']}: "
                                   f"{fact['value']:g})"})
    return facts[problems == ""].reset_index(drop=True)


def _line_of(observations: pd.DataFrame, fact: pd.Series):
    """The first line of the file that holds this region and period (facts no longer carry their line)."""
    rows = observations[(observations["source_file"] == fact["source_file"]) & (observations["ags"] == fact["ags"])]
    for narrower in (lambda r: r["time"].map(lambda t: t if len(t) == 10 else f"{t[:4]}-12-31") == fact["period"],
                     lambda r: r["measure"] == fact["indicator"],  # own figures: the measure is the indicator id
                     lambda r: r["value"] == fact["value"]):
        if narrower(rows).any():
            rows = rows[narrower(rows)]
    return int(rows["line"].iloc[0]) if not rows.empty else None


def _tables(facts: pd.DataFrame, layout: str) -> list[str]:
    """The sources of a file: official table codes, or own figures per indicator."""
    return sorted(_table_of(facts, layout).unique())


def _coverage(facts: pd.DataFrame, layout: str) -> list[str]:
    """"table|Stichtag" pairs: what a later import must all bring again to replace this one."""
    return sorted((_table_of(facts, layout) + "|" + facts["period"]).unique())


def _table_of(facts: pd.DataFrame, layout: str) -> pd.Series:
    return "eigene Zahlen: " + facts["indicator"] if layout.startswith("own_figures") else facts["source"]


def _conflicts_between_files(facts: pd.DataFrame, rejected: list) -> pd.DataFrame:
    """Two files of one import with different values for the same value and the same rank would leave the choice
    to the file name: reject those rows instead."""
    key = ["ags", "indicator", "breakdown", "category", "period", "priority", "stand"]
    if facts.empty or facts["source_file"].nunique() < 2:
        return facts
    spread = facts.groupby(key, dropna=False).agg(files=("source_file", "nunique"), values=("value", "nunique"),
                                                  flags=("flag", "nunique")).reset_index()
    bad = spread[(spread["files"] > 1) & ((spread["values"] > 1) | (spread["flags"] > 1))][key]
    if bad.empty:
        return facts
    marked = facts.merge(bad.assign(conflict=True), on=key, how="left")
    for fact in marked[marked["conflict"].fillna(False).astype(bool)].itertuples():
        rejected.append({"file": fact.source_file, "line": None, "column": "value",
                         "reason": f"Widerspruch zwischen den Dateien dieses Imports: {fact.indicator}, {fact.ags}, "
                                   f"{fact.period} hat verschiedene Werte."})
    return facts[~marked["conflict"].fillna(False).astype(bool).to_numpy()].reset_index(drop=True)


def _empty_facts() -> pd.DataFrame:
    return _typed(pd.DataFrame({c: pd.Series(dtype="object") for c in FACT_COLUMNS}))


def _typed(facts: pd.DataFrame) -> pd.DataFrame:
    """FACT_COLUMNS with the dtypes of data/facts.parquet, so DuckDB stacks them without casts."""
    facts = facts[FACT_COLUMNS].copy()
    for column in FACT_COLUMNS:
        facts[column] = facts[column].astype(FACT_DTYPES.get(column, "object"))
        if FACT_DTYPES.get(column) is None:
            facts[column] = facts[column].fillna("").astype(str)
    return facts


# ── comparing with the current database ──────────────────────────────────────────────────────────────────────


def _compare(result: Preview, manifest: dict) -> None:
    """Build the would-be database in a temporary folder and diff it against the current one."""
    pending = _manifest_with_import(manifest, _import_entry(result))
    with tempfile.TemporaryDirectory(prefix="integrationsmonitor-preview-") as tmp:
        tmp = Path(tmp)
        with _staging_view(result.data_dir, pending, tmp / "data", pending=result.facts) as view:
            db.build_database(view, tmp / "new.duckdb")
        old = _current_database(result.data_dir, result.db_file, tmp)
        with duckdb.connect(str(tmp / "new.duckdb")) as con:
            con.execute("SET enable_progress_bar = false")
            con.execute("ATTACH $path AS old (READ_ONLY)", {"path": str(old)})
            con.execute(db.load_sql("update_1_changes"))
            result.changes = con.execute(db.load_sql("update_2_listing")).df()
            jumps = con.execute(db.load_sql("update_3_jumps")).df()
            params = {"import_id": result.import_id}
            result.superseded = con.execute(db.load_sql("update_4_superseded"), params).df()
            result.effective = int(con.execute(db.load_sql("update_5_counts"), params).fetchone()[0] or 0)
    result.warnings = pd.concat([result.warnings, _plausibility_warnings(result.changes, jumps)], ignore_index=True)


def _current_database(data_dir: Path, db_file: Path, tmp: Path) -> Path:
    """The database as it is now — without touching it: a stale or missing one is rebuilt aside, not in place."""
    if db.stored_fingerprint(db_file) == db.data_fingerprint(data_dir):
        return db_file
    return db.build_database(data_dir, tmp / "old.duckdb")


def _plausibility_warnings(changes: pd.DataFrame, jumps: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for jump in jumps.itertuples():
        rows.append({"file": _file_of(jump.source_file), "line": None, "column": "value",
                     "message": f"Auffälliger Sprung: {jump.indicator_name}, {jump.region} {jump.category or ''}"
                                f" {jump.period}: {jump.previous_value:g} → {jump.value:g} (Änderung {jump.delta:+g}, "
                                f"üblich ±{jump.usual_change:g} je Stichtag). Bitte prüfen."})
    if not changes.empty:
        breaks = changes[changes["is_break"] & changes["status"].isin(["new", "changed"])]
        for key, group in breaks.groupby(["indicator", "new_basis"], sort=True):
            first = group.iloc[0]
            rows.append({"file": _file_of(first["source_file"]), "line": None, "column": "",
                         "message": f"Bruch in der Reihe: {first['indicator_name']} wechselt für {len(group)} "
                                    f"Region(en) die Basis (ab {first['period']}: „{key[1]}“). Werte davor und danach "
                                    "sind nicht direkt vergleichbar."})
    return _frame(rows, WARNING_COLUMNS)


def _file_of(source_file: str) -> str:
    return "berechnet" if source_file == "berechnet" else str(source_file).split("!")[0]


# ── the staging view of data/ ────────────────────────────────────────────────────────────────────────────────


@contextlib.contextmanager
def _staging_view(data_dir: Path, manifest: dict, root: Path, pending: pd.DataFrame | None = None):
    """A folder that looks like data/ with `manifest` committed: input files linked, not copied.  Building the
    database from it gives exactly the database data/ will have after the commit (same fingerprint).
    pending: the facts of the manifest's last import when they are not in data/ yet (preview)."""
    (root / db.IMPORTS_DIR).mkdir(parents=True)
    for name in db.INPUT_FILES:
        if name != db.MANIFEST_FILE and (data_dir / name).exists():
            _link(data_dir / name, root / name)
    last = manifest["imports"][-1]["id"] if manifest["imports"] else None
    for entry in _active(manifest):
        target = root / db.IMPORTS_DIR / entry["facts_file"]
        if pending is not None and entry["id"] == last:
            pending.to_parquet(target, index=False, compression="zstd")
        else:
            _link(data_dir / db.IMPORTS_DIR / entry["facts_file"], target)
    (root / db.MANIFEST_FILE).write_bytes(_manifest_bytes(manifest))
    yield root


def _active(manifest: dict) -> list[dict]:
    return [entry for entry in manifest["imports"] if entry["status"] == "active"]


def _link(source: Path, target: Path) -> None:
    try:
        os.symlink(source.resolve(), target)
    except OSError:  # no symlinks (Windows without privilege): copy
        shutil.copy2(source, target)


# ── manifest ─────────────────────────────────────────────────────────────────────────────────────────────────


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def _next_id(manifest: dict) -> str:
    """'0004-20250621T143012Z': a sequence number first, so ids sort in import order whatever the clock does."""
    number = 1 + max((int(entry["id"].split("-")[0]) for entry in manifest["imports"]), default=0)
    return f"{number:04d}-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}"


def _import_entry(result: Preview) -> dict:
    counts = result.counts
    return {
        "id": result.import_id, "created": result.created, "status": "active",
        "facts_file": f"{result.import_id}.parquet",
        "files": [{k: f[k] for k in ("name", "sha256", "layout", "rows", "facts")} for f in result.files
                  if f["status"] == "ok"],
        "tables": result.tables, "coverage": result.coverage, "counts": counts, "replaces": result.replaces,
        "replaced_by": None, "undone": None,
    }


def _manifest_with_import(manifest: dict, entry: dict) -> dict:
    imports = [dict(e) for e in manifest["imports"]]
    for other in imports:
        if other["id"] in entry["replaces"]:
            other.update(status="replaced", replaced_by=entry["id"])
    return {**manifest, "imports": imports + [entry]}


def _replaced_by(manifest: dict, coverage: list[str]) -> list[str]:
    """Active imports whose every (table, Stichtag) the new import brings again: a corrected or newer download
    of the same thing.  An import that only overlaps stays; for the shared values the later import counts."""
    new = set(coverage)
    return [e["id"] for e in _active(manifest) if e.get("coverage") and set(e["coverage"]) <= new]


def _manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# ── apply, undo, list ────────────────────────────────────────────────────────────────────────────────────────


def apply(result: Preview, *, allow_rejected: bool = False, progress=None) -> str:
    """Make the previewed import happen, completely or not at all; returns its id."""
    if not result.can_apply:
        raise UpdateError("Es gibt nichts zu übernehmen: keine Datei enthielt gültige Werte.")
    if not result.rejected.empty and not allow_rejected:
        raise UpdateError(f"{_n(len(result.rejected))} Zeile(n) bzw. Datei(en) wurden abgelehnt. Bitte die Dateien "
                          "korrigieren – oder ausdrücklich nur die gültigen Werte übernehmen.")
    data_dir, db_file = result.data_dir, result.db_file
    with _lock(data_dir, db_file):
        if db.data_fingerprint(data_dir) != result.base_fingerprint:
            raise UpdateError("Die Daten haben sich seit der Vorschau geändert (ein anderer Import oder ein "
                              "Rückgängig). Bitte die Vorschau neu erstellen.")
        entry = _import_entry(result)
        facts_path = data_dir / db.IMPORTS_DIR / entry["facts_file"]
        _report(progress, 0.1, "Schreibe die neuen Werte …")
        try:
            _write_parquet(result.facts, facts_path)
            _crash_point("after_parquet")
            _report(progress, 0.3, "Baue die Datenbank neu …")
            _commit(data_dir, db_file, _manifest_with_import(db.read_manifest(data_dir), entry))
        except BaseException:
            if entry["id"] not in {e["id"] for e in db.read_manifest(data_dir)["imports"]}:
                facts_path.unlink(missing_ok=True)  # not committed: leave data/ as it was
            raise
    _report(progress, 1.0, f"Import {entry['id']} übernommen.")
    return entry["id"]


def undo(import_id: str, *, data_dir: Path | None = None, db_file: Path | None = None) -> None:
    """Take an active import back out; imports it had replaced count again.  Its Parquet is kept (history)."""
    data_dir, db_file = _paths(data_dir, db_file)
    with _lock(data_dir, db_file):
        manifest = db.read_manifest(data_dir)
        imports = [dict(e) for e in manifest["imports"]]
        entry = next((e for e in imports if e["id"] == import_id), None)
        if entry is None:
            raise UpdateError(f"Einen Import „{import_id}“ gibt es nicht (siehe Liste der Importe).")
        if entry["status"] != "active":
            raise UpdateError(f"Import {import_id} ist nicht aktiv ({STATUS_LABELS[entry['status']]}).")
        entry.update(status="undone", undone=_now())
        for other in imports:
            if other.get("replaced_by") == import_id and other["status"] == "replaced":
                other.update(status="active", replaced_by=None)
        _commit(data_dir, db_file, {**manifest, "imports": imports})


def list_imports(*, data_dir: Path | None = None) -> list[dict]:
    """Manifest entries, newest first."""
    data_dir, _ = _paths(data_dir, None)
    return list(reversed(db.read_manifest(data_dir)["imports"]))


def imports_table(*, data_dir: Path | None = None) -> pd.DataFrame:
    """The imports for the page and the CLI, with German column names."""
    rows = [{
        "Import": e["id"], "Zeitpunkt": e["created"].replace("T", " ")[:16] + " UTC",
        "Status": STATUS_LABELS.get(e["status"], e["status"]),
        "Dateien": ", ".join(f["name"] for f in e["files"]),
        "neu": e["counts"].get("new", 0), "geändert": e["counts"].get("changed", 0),
        "entfernt": e["counts"].get("removed", 0), "Werte": sum(f["facts"] for f in e["files"]),
    } for e in list_imports(data_dir=data_dir)]
    return pd.DataFrame(rows, columns=["Import", "Zeitpunkt", "Status", "Dateien", "neu", "geändert", "entfernt",
                                       "Werte"])


def _commit(data_dir: Path, db_file: Path, manifest: dict) -> None:
    """Build the database for `manifest` aside, switch the manifest (the commit), then put the database in place."""
    staged = db_file.with_name(f".{db_file.name}.staged-{os.getpid()}")
    with tempfile.TemporaryDirectory(prefix="integrationsmonitor-stage-") as tmp:
        with _staging_view(data_dir, manifest, Path(tmp) / "data") as view:
            db.build_database(view, staged)
    _crash_point("after_build")
    _write_atomic(data_dir / db.MANIFEST_FILE, _manifest_bytes(manifest))
    _crash_point("after_manifest")
    os.replace(staged, db_file)
    if db_file == db.DB_FILE:
        db.reset_connection()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _write_parquet(facts: pd.DataFrame, path: Path) -> None:
    buffer = io.BytesIO()
    facts.to_parquet(buffer, index=False, compression="zstd")
    _write_atomic(path, buffer.getvalue())


def _fsync_dir(folder: Path) -> None:
    # The rename itself must reach the disk; directories cannot be opened for fsync on Windows.
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _crash_point(step: str) -> None:
    """Test hook (tests/test_updates.py): INTEGRATIONSMONITOR_CRASH_AT=<step> kills the process right here, as a
    power cut or `kill -9` would."""
    if os.environ.get("INTEGRATIONSMONITOR_CRASH_AT") == step:
        os.kill(os.getpid(), signal.SIGKILL)


@contextlib.contextmanager
def _lock(data_dir: Path, db_file: Path):
    """One apply/undo/add at a time (also across processes); leftovers of killed runs are swept inside."""
    folder = data_dir / db.IMPORTS_DIR
    folder.mkdir(exist_ok=True)
    with open(folder / ".lock", "a+b") as handle:
        _acquire(handle)
        try:
            _sweep(data_dir, db_file)
            yield
        finally:
            _release(handle)


def _acquire(handle) -> None:
    deadline = time.monotonic() + LOCK_TIMEOUT_S
    while True:
        try:
            if os.name == "nt":
                import msvcrt

                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise UpdateError("Ein anderer Import läuft gerade. Bitte in einer Minute erneut versuchen.") from None
            time.sleep(0.2)


def _release(handle) -> None:
    if os.name == "nt":
        import msvcrt

        with contextlib.suppress(OSError):
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _sweep(data_dir: Path, db_file: Path) -> None:
    """Remove what killed runs left: temp files and Parquets no manifest entry names (never committed)."""
    folder = data_dir / db.IMPORTS_DIR
    listed = {e["facts_file"] for e in db.read_manifest(data_dir)["imports"]}
    for path in folder.iterdir():
        if path.name.endswith(".tmp") or (path.suffix == ".parquet" and path.name not in listed):
            path.unlink(missing_ok=True)
    for path in db_file.parent.glob(f".{db_file.name}.*"):
        pid = re.search(r"(?:staged-|\.)(\d+)(?:\.tmp)?$", path.name)
        if pid and not _alive(int(pid.group(1))):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


# ── own indicators ───────────────────────────────────────────────────────────────────────────────────────────


def add_indicator(name: str, handlungsfeld: str, unit: str, definition: str, source: str = OWN_SOURCE,
                  direction: str = "neutral", *, concept: str = "alle Personen", period_type: str = "Jahr",
                  caveats: str = "", data_dir: Path | None = None, db_file: Path | None = None) -> str:
    """Add an own-figure indicator to data/own_indicators.toml (validated like the catalogue); returns its id."""
    data_dir, db_file = _paths(data_dir, db_file)
    fields = {"name": name, "unit": unit, "definition": definition, "source": source, "caveats": caveats}
    for key, text in fields.items():
        _check_text(key, text, required=key != "caveats")
    if handlungsfeld not in HANDLUNGSFELDER:
        raise UpdateError(f"Handlungsfeld „{handlungsfeld}“ gibt es nicht (erlaubt: {', '.join(HANDLUNGSFELDER)}).")
    if direction not in DIRECTIONS:
        raise UpdateError(f"Richtung „{direction}“ ist nicht erlaubt (erlaubt: {', '.join(sorted(DIRECTIONS))}).")
    catalog_path = data_dir / "indicators.toml"
    with _lock(data_dir, db_file):
        existing = load_catalog(catalog_path)
        entry = {"id": _new_id(name, set(existing["id"])), "handlungsfeld": handlungsfeld, "name": name.strip(),
                 "definition": definition.strip(), "unit": unit.strip(), "concept": concept, "level": "Kreis",
                 "source": source.strip(), "table": "EIGENE", "direction": direction, "period_type": period_type,
                 "decimals": 1 if unit.strip() == "%" else 0, "kind": "count",
                 "caveats": caveats.strip() or "Eigene Angaben des Kreises, keine amtliche Statistik."}
        own_file = own_catalog_file(catalog_path)
        text = (own_file.read_text(encoding="utf-8") if own_file.is_file() else "") + _toml_entry(entry)
        try:
            entries = tomllib.loads(text)["indicator"]
            catalog_frame(_catalog_entries(catalog_path) + entries[-1:])
        except (tomllib.TOMLDecodeError, ValueError) as err:
            raise UpdateError(f"Die Kennzahl passt nicht in den Katalog: {err}") from None
        _write_atomic(own_file, text.encode("utf-8"))
        db.build_database(data_dir, db_file)
    if db_file == db.DB_FILE:
        db.reset_connection()
    return entry["id"]


def _catalog_entries(catalog_path: Path) -> list[dict]:
    entries = tomllib.loads(catalog_path.read_text(encoding="utf-8"))["indicator"]
    own = own_catalog_file(catalog_path)
    return entries + (tomllib.loads(own.read_text(encoding="utf-8")).get("indicator", []) if own.is_file() else [])


def _check_text(key: str, text: str, *, required: bool) -> None:
    labels = {"name": "Name", "unit": "Einheit", "definition": "Definition", "source": "Quelle", "caveats": "Hinweise"}
    text = (text or "").strip()
    if required and not text:
        raise UpdateError(f"{labels[key]} fehlt.")
    if text.startswith(own_figures.FORMULA_START):
        raise UpdateError(f"{labels[key]} beginnt mit „{text[0]}“ (würde in Tabellenkalkulationen als Formel "
                          "ausgeführt); bitte anders beginnen.")
    if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text):
        raise UpdateError(f"{labels[key]} enthält Steuerzeichen.")
    if len(text) > (1000 if key in ("definition", "caveats") else 200):
        raise UpdateError(f"{labels[key]} ist zu lang.")


def _new_id(name: str, taken: set[str]) -> str:
    ascii_name = unicodedata.normalize("NFKD", name.lower().replace("ß", "ss").replace("ä", "ae")
                                       .replace("ö", "oe").replace("ü", "ue")).encode("ascii", "ignore").decode()
    base = "eigen_" + (re.sub(r"[^a-z0-9]+", "_", ascii_name).strip("_")[:50] or "kennzahl")
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}_{number}", number + 1
    return candidate


def _toml_entry(entry: dict) -> str:
    # JSON strings are valid TOML basic strings (same escapes); integers as they are.
    lines = ["", "[[indicator]]"]
    for key, value in entry.items():
        lines.append(f"{key} = {value if isinstance(value, int) else json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


# ── the own-figures template ─────────────────────────────────────────────────────────────────────────────────


def template_frames(*, data_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """The template (header and one example row), the districts and the own indicators."""
    data_dir, _ = _paths(data_dir, None)
    catalog_path = data_dir / "indicators.toml"
    catalog = load_catalog(catalog_path).set_index("id", drop=False)
    own = catalog.loc[own_indicator_ids(catalog_path)]
    districts = pd.read_csv(data_dir / "districts.csv", dtype=str)
    example_ags = _settings().get("dashboard", {}).get("default_kreis", "08216")
    example = {"ags": example_ags, "indicator": own["id"].iloc[0] if len(own) else "", "period": "2024",
               "value": 812, "flag": "", "source": "Kursträger (Summe)", "note": own_figures.EXAMPLE_NOTE}
    return {
        "Eigene Zahlen": pd.DataFrame([example], columns=own_figures.TEMPLATE_COLUMNS),
        "Kreise": districts[["ags", "label"]].rename(columns={"label": "name"}),
        "Kennzahlen": own[["id", "name", "unit", "definition"]].reset_index(drop=True),
    }


def template_csv(*, data_dir: Path | None = None) -> dict[str, bytes]:
    """The template and its two lists as CSV files (";" and UTF-8 with BOM: what German Excel opens as is)."""
    frames = template_frames(data_dir=data_dir)
    names = {"Eigene Zahlen": "eigene_zahlen_vorlage.csv", "Kreise": "eigene_zahlen_kreise.csv",
             "Kennzahlen": "eigene_zahlen_kennzahlen.csv"}
    return {names[sheet]: export.csv_bytes(frame, header_lines=[]) for sheet, frame in frames.items()}


def template_xlsx(*, data_dir: Path | None = None) -> bytes:
    """One workbook: "Eigene Zahlen" to fill in, "Kreise" and "Kennzahlen" to look codes up."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_name, frame in template_frames(data_dir=data_dir).items():
        sheet = workbook.create_sheet(sheet_name)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append(list(row))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # a text is a text: never stored as a formula, whatever it starts with
        for column, width in zip("ABCDEFG", (10, 38, 12, 12, 6, 28, 48)):
            sheet.column_dimensions[column].width = width
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_template(out: Path, *, xlsx: bool, data_dir: Path | None = None) -> list[Path]:
    """CLI: the XLSX, or the CSV template with its two lists beside it (<name>_kreise.csv, <name>_kennzahlen.csv)."""
    if xlsx:
        out.write_bytes(template_xlsx(data_dir=data_dir))
        return [out]
    files = template_csv(data_dir=data_dir)
    written = []
    for name, data in files.items():
        path = out if name.endswith("_vorlage.csv") else out.with_name(f"{out.stem}_{name.split('_')[-1]}")
        path.write_bytes(data)
        written.append(path)
    return written


# ── display helpers (plain text for the page) ────────────────────────────────────────────────────────────────


def escape_markdown(text: str) -> str:
    """User text (file names, sources, notes) for st.markdown / st.error: shown literally, never as markup."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$&])", r"\\\1", str(text))


PART_LABELS = {"new": "Neu", "changed": "Geändert", "removed": "Entfernt"}


def preview_tables(result: Preview) -> dict[str, pd.DataFrame]:
    """The preview's tables with German column names, for st.dataframe (which shows text as text)."""
    key = {"region": "Region", "ags": "Schlüssel", "indicator_name": "Kennzahl", "category": "Kategorie",
           "period": "Stichtag"}
    old = {"old_value": "alter Wert", "old_flag": "altes Zeichen", "old_source": "alte Quelle",
           "old_stand": "alter Stand"}
    new = {"new_value": "neuer Wert", "new_flag": "neues Zeichen", "new_source": "neue Quelle",
           "new_stand": "neuer Stand"}
    parts = {"new": {**key, **new}, "changed": {**key, **old, **new}, "removed": {**key, **old}}
    tables = {}
    for status, columns in parts.items():
        frame = result.part(status)
        tables[PART_LABELS[status]] = frame[list(columns)].rename(columns=columns) if not frame.empty \
            else pd.DataFrame(columns=list(columns.values()))
    where = {"file": "Datei", "line": "Zeile", "column": "Spalte"}
    tables["Abgelehnt"] = result.rejected.rename(columns={**where, "reason": "Grund"})
    tables["Hinweise"] = result.warnings.rename(columns={**where, "message": "Hinweis"})
    superseded = {**key, "value": "Wert", "source": "Quelle", "stand": "Stand", "current_value": "es gilt",
                  "current_source": "Quelle dort", "current_stand": "Stand dort"}
    tables["Nicht wirksam"] = result.superseded[list(superseded)].rename(columns=superseded) \
        if not result.superseded.empty else pd.DataFrame(columns=list(superseded.values()))
    return tables
