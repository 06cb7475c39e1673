"""Daten aktualisieren: preview an import of new exports or own figures, then apply it or undo it.

Reading and checking is ingest.py, writing data/ is store.py, the descriptions file described_catalog.py, the
tables the page and the command line show update_tables.py.

The files go through the one ingest path (monitoring/ingest.py); the preview builds the database as it would be
in a temporary folder and compares it with the current one; apply and undo change data/ through the store
(monitoring/store.py: manifest, commit point, lock).  A preview never writes into data/ or the database.
No Streamlit here: pages/daten_aktualisieren.py and the command line call these functions.

New tables (monitoring/describe.py): a readable file no catalogue entry uses gets the status "beschreiben" in the
preview, with what it offers to describe.  A preview given descriptions maps the file through the entries they make,
builds the would-be database with them in data/described_indicators.toml, and refuses a description whose values do
not fit (no common regions or Stichtage, a share over 100 %).  apply writes the entries together with the import,
under the store's lock; undo takes the import's values back out and leaves the description (an entry without values
shows nothing; a later edition of the table then imports without describing it again).
described_catalog.remove_description takes a description out again once no active import has values for it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from . import db, describe, described_catalog, plausibility, store
from .catalog import DESCRIBED_CATALOG_NAME, catalog_frame, entries
from .fmt import fmt_number
from .ingest import Context, conflicts_between_files, empty_facts, import_item, item_name
from .mapping import FACT_COLUMNS
from .settings import settings
from .store import STATUS_LABELS, UpdateError

__all__ = ["Preview", "UpdateError", "apply", "list_imports", "preview", "undo"]


_paths = db.data_paths


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
    described: list = field(default_factory=list)  # describe.Described: entries apply adds to the catalogue
    described_values: dict = field(default_factory=dict)  # described id -> update_6_described_values.sql rows
    region_names: dict = field(default_factory=dict)  # Land code -> name (a Land sum in the value table)

    @property
    def needs_description(self) -> list[dict]:
        """Records of readable files no catalogue entry uses (status "beschreiben", with their describe.Offer)."""
        return [f for f in self.files if f["status"] == "beschreiben"]

    @property
    def offers(self) -> dict:
        """Table code -> what its files offer to describe (files of one table merged)."""
        offers = {}
        for record in self.needs_description:
            offer = record["offer"]
            offers[offer.table] = offers[offer.table].merged(offer) if offer.table in offers else offer
        return offers

    def described_table(self, item, kreis: str) -> pd.DataFrame:
        """The values a description gives for a district, its Land and Germany (German table)."""
        return describe.value_table(self.described_values[item.id], item, kreis, self.region_names)

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
        """Something to take over: valid values that change the data (a file read again unchanged is no import)."""
        return not self.facts.empty and not self.changes.empty

    def summary(self) -> str:
        """The preview in German, for the command line."""
        c = {k: fmt_number(v) for k, v in self.counts.items()}
        read = [f for f in self.files if f["status"] == "ok"]
        new_tables = f"{len(self.needs_description)} mit neuer Tabelle (zu beschreiben), " if self.needs_description \
            else ""
        lines = [
            f"Vorschau (Import {self.import_id}): {len(self.files)} Datei(en), {len(read)} lesbar, {new_tables}"
            f"{len(self.files) - len(read) - len(self.needs_description)} abgelehnt.",
            f"  neu: {c['new']}, geändert: {c['changed']}, entfernt: {c['removed']}, unverändert: {c['unchanged']}, "
            f"nicht wirksam: {c['superseded']}, abgelehnt: {c['rejected']}, Hinweise: {c['warnings']}",
        ]
        if self.replaces:
            lines.append(f"  ersetzt frühere Importe derselben Tabelle(n): {', '.join(self.replaces)}")
        for record in self.needs_description:
            lines.append(f"Neue Tabelle – braucht eine Beschreibung: Datei „{record['name']}“: {record['reason']}")
        for offer in self.offers.values():
            lines.append(describe.offer_text(offer))
        for item in self.described:
            lines.append(f"Neue Kennzahl „{item.main['name']}“ ({item.main['unit']}; Katalogeinträge: "
                         f"{', '.join(item.ids)}), Werte für {settings().default_kreis}, Land und Deutschland:")
            table = self.described_table(item, settings().default_kreis)
            lines += ["  " + " | ".join(str(v) for v in row) for row in table.itertuples(index=False)]
        for title, frame, text in (("Abgelehnt", self.rejected, _rejection_text),
                                   ("Hinweise", self.warnings, _warning_text)):
            if not frame.empty:
                lines.append(f"{title}:")
                lines += [f"  - {text(row)}" for row in frame.head(30).itertuples()]
                if len(frame) > 30:
                    lines.append(f"  … und {fmt_number(len(frame) - 30)} weitere")
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
            progress=None, descriptions: list | None = None) -> Preview:
    """Read, map and check the files (paths, (name, bytes) pairs or Streamlit uploads) and compare the database
    as it would be after the import with the current one.  Changes nothing.

    descriptions: describe.Description of new tables among the files (each applies to the files of its table, or
    to the only new table); their entries map those files and are in the compared database.  Raises
    describe.DescriptionError when one does not fit the files, the catalogue or its own values."""
    data_dir, db_file = _paths(data_dir, db_file)
    limit = settings().max_upload_bytes if max_bytes is None else max_bytes
    context = Context(data_dir)
    manifest = store.read_manifest(data_dir)
    result = Preview(import_id=store.next_id(manifest), created=store.now(), data_dir=data_dir, db_file=db_file,
                     base_fingerprint=db.data_fingerprint(data_dir))
    items = list(items)
    read = []
    for number, item in enumerate(items):
        _report(progress, number / (len(items) + 2), f"Lese {item_name(item)} …")
        read.append(import_item(item, limit, context))
    if descriptions:
        result.files = [record for record, *_ in read]
        result.described = _described(descriptions, result, context)
        # every file again: a file of a shared table code (the BA exports) may hold the described values too
        read = [import_item(item, limit, context) for item in items]
    facts, rejected, warnings = [], [], []
    result.files = []
    for record, file_facts, file_rejected, file_warnings in read:
        result.files.append(record)
        facts.append(file_facts)
        rejected += file_rejected
        warnings += file_warnings
    result.facts = conflicts_between_files(pd.concat(facts, ignore_index=True) if facts else empty_facts(), rejected)
    result.rejected = _frame(rejected, REJECTED_COLUMNS).sort_values(["file", "line"], kind="stable", ignore_index=True)
    result.warnings = _frame(warnings, WARNING_COLUMNS)
    if result.facts.empty:
        if result.described:
            raise describe.DescriptionError(
                f"Die Beschreibung „{result.described[0].main['name']}“ ergibt keine Werte für Kreise, Länder oder "
                "Deutschland (abgelehnte Zeilen siehe Vorschau ohne Beschreibung).")
        return result
    result.tables = sorted({t for f in result.files for t in f.get("tables", [])})
    result.coverage = sorted({c for f in result.files for c in f.get("coverage", [])})
    result.replaces = store.replaced_by(manifest, result.coverage)
    _report(progress, len(items) / (len(items) + 2), "Berechne die Datenbank mit den neuen Werten …")
    _compare(result, manifest)
    for item in result.described:
        describe.check_values(result.described_values[item.id], item)
    _report(progress, 1.0, "Vorschau fertig.")
    return result


def _described(descriptions: list, result: Preview, context: Context) -> list:
    """The descriptions bound to the new tables among the files and built into catalogue entries; the context
    then maps those files through them (and knows their units)."""
    offers = result.offers
    if not offers:
        raise describe.DescriptionError(
            "Keine der Dateien braucht eine Beschreibung: ihre Werte nutzt schon eine Kennzahl des Katalogs, oder "
            "die Datei wurde abgelehnt. Eine Beschreibung gilt nur für neue Tabellen.")
    catalog_path = result.data_dir / "indicators.toml"
    existing = entries(catalog_path)
    result.region_names = _land_names(result.data_dir)
    described = []
    for description in descriptions:
        if description.table:
            if description.table not in offers:
                raise describe.DescriptionError(
                    f"Die Beschreibung nennt die Tabelle {description.table}; neu unter den Dateien ist nur "
                    f"{', '.join(offers)}.")
            offer = offers[description.table]
        elif len(offers) == 1:
            offer = next(iter(offers.values()))
        else:
            raise describe.DescriptionError(
                f"Mehrere neue Tabellen ({', '.join(offers)}): bitte in der Beschreibung angeben, welche gemeint ist "
                "(table = \"…\").")
        item = describe.build(description, offer, existing, created=result.created)
        existing = existing + item.entries
        described.append(item)
    added = [entry for item in described for entry in item.entries]
    context.catalog = catalog_frame(entries(catalog_path) + added).set_index("id", drop=False)
    context.rules = context.rules + describe.rules(added)
    return described


def _land_names(data_dir: Path) -> dict[str, str]:
    laender = pd.read_csv(data_dir / "laender.csv", dtype=str)
    return dict(zip(laender["ags"], laender["name"]))


def _report(progress, fraction: float, text: str) -> None:
    if progress:
        progress(min(max(fraction, 0.0), 1.0), text)


# ── comparing with the current database ──────────────────────────────────────────────────────────────────────


def _compare(result: Preview, manifest: dict) -> None:
    """Build the would-be database in a temporary folder and diff it against the current one."""
    pending = store.with_import(manifest, _import_entry(result))
    with store.temp_folder("preview") as tmp:
        tmp = Path(tmp)
        with store.staging_view(result.data_dir, pending, tmp / "data", pending=result.facts) as view:
            described_catalog.place_described(view, result.data_dir, result.described)
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
            values = con.execute(db.load_sql("build_plausibility_input")).df()
            for item in result.described:
                result.described_values[item.id] = con.execute(db.load_sql("update_6_described_values"), {
                    "indicator": item.id, "numerator": item.numerator_id,
                    "denominator": item.denominator_id}).df()
    result.warnings = pd.concat([result.warnings, _plausibility_warnings(result.changes, jumps),
                                 _rule_warnings(result.changes, values)], ignore_index=True)


# The build's rules that the preview adds to its own jump check (update_3_jumps.sql judges jumps against the
# district's usual change, which says more about one new value than the build's fixed thresholds).
PREVIEW_RULES = ("wertebereich", "ausreisser")


def _rule_warnings(changes: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """The build's plausibility rules (monitoring/plausibility.py) on the values the import brings or changes."""
    if changes.empty:
        return _frame([], WARNING_COLUMNS)
    touched = changes[changes["status"].isin(["new", "changed"])]
    if touched.empty:
        return _frame([], WARNING_COLUMNS)
    values = values[values["indicator"].isin(touched["indicator"].unique())]
    found = plausibility.plausibility_warnings(values, plausibility.catalog_overrides())
    key = ["ags", "indicator", "category", "period"]
    found = found[found["rule"].isin(PREVIEW_RULES)].merge(touched[key + ["source_file"]].drop_duplicates(key), on=key)
    rows = [{"file": _file_of(w.source_file), "line": None, "column": "value",
             "message": f"{plausibility.RULES[w.rule]}: {w.message} ({w.indicator}, {w.ags}). Bitte prüfen."}
            for w in found.itertuples()]
    return _frame(rows, WARNING_COLUMNS)


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


# ── apply, undo, list ────────────────────────────────────────────────────────────────────────────────────────


def _import_entry(result: Preview) -> dict:
    counts = result.counts
    return {
        "id": result.import_id, "created": result.created, "status": "active",
        "facts_file": f"{result.import_id}.parquet",
        "files": [{k: f[k] for k in ("name", "sha256", "layout", "rows", "facts")} for f in result.files
                  if f["status"] == "ok"],
        "tables": result.tables, "coverage": result.coverage, "counts": counts, "replaces": result.replaces,
        "replaced_by": None, "undone": None, "described": [item.id for item in result.described],
    }


def apply(result: Preview, *, allow_rejected: bool = False, progress=None) -> str:
    """Make the previewed import happen, completely or not at all; returns its id."""
    if result.facts.empty:
        raise UpdateError("Es gibt nichts zu übernehmen: keine Datei enthielt gültige Werte.")
    if not result.can_apply:
        raise UpdateError("Es gibt nichts zu übernehmen: alle Werte stehen schon genau so im Datenbestand "
                          "(gleicher Wert, gleiche Quelle, gleicher Stand).")
    if not result.rejected.empty and not allow_rejected:
        raise UpdateError(f"{fmt_number(len(result.rejected))} Zeile(n) bzw. Datei(en) wurden abgelehnt. Bitte die Dateien "
                          "korrigieren – oder ausdrücklich nur die gültigen Werte übernehmen.")
    if result.needs_description and not allow_rejected:
        names = ", ".join(f"„{f['name']}“" for f in result.needs_description)
        raise UpdateError(f"Neue Tabelle(n) ohne Beschreibung: {names}. Bitte erst beschreiben – oder ausdrücklich nur "
                          "die übrigen Werte übernehmen.")
    data_dir, db_file = result.data_dir, result.db_file
    described_path = data_dir / DESCRIBED_CATALOG_NAME
    with store.lock(data_dir, db_file):
        if db.data_fingerprint(data_dir) != result.base_fingerprint:
            raise UpdateError("Die Daten haben sich seit der Vorschau geändert (ein anderer Import oder ein "
                              "Rückgängig). Bitte die Vorschau neu erstellen.")
        entry = _import_entry(result)
        described_before = described_path.read_bytes() if described_path.is_file() else None
        described_text = _described_text(result, entry["id"]) if result.described else None
        facts_path = data_dir / store.IMPORTS_DIR / entry["facts_file"]
        _report(progress, 0.1, "Schreibe die neuen Werte …")
        try:
            store.write_parquet(result.facts, facts_path)
            store.crash_point("after_parquet")
            if described_text is not None:
                # Before the commit: a kill in between leaves entries without values (harmless), never values
                # without entries.
                store.write_atomic(described_path, described_text.encode("utf-8"))
            _report(progress, 0.3, "Baue die Datenbank neu …")
            _commit(data_dir, db_file, store.with_import(store.read_manifest(data_dir), entry))
        except BaseException:
            if entry["id"] not in {e["id"] for e in store.read_manifest(data_dir)["imports"]}:
                facts_path.unlink(missing_ok=True)  # not committed: leave data/ as it was
                if described_text is not None:
                    _restore(described_path, described_before)
            raise
    _report(progress, 1.0, f"Import {entry['id']} übernommen.")
    return entry["id"]


def undo(import_id: str, *, data_dir: Path | None = None, db_file: Path | None = None) -> None:
    """Take an active import back out; imports it had replaced count again.  Its Parquet is kept (history)."""
    data_dir, db_file = _paths(data_dir, db_file)
    with store.lock(data_dir, db_file):
        manifest = store.read_manifest(data_dir)
        entry = next((e for e in manifest["imports"] if e["id"] == import_id), None)
        if entry is None:
            raise UpdateError(f"Einen Import „{import_id}“ gibt es nicht (siehe Liste der Importe).")
        if entry["status"] != "active":
            raise UpdateError(f"Import {import_id} ist nicht aktiv ({STATUS_LABELS[entry['status']]}).")
        _commit(data_dir, db_file, store.without_import(manifest, import_id))


def list_imports(*, data_dir: Path | None = None) -> list[dict]:
    """Manifest entries, newest first."""
    data_dir, _ = _paths(data_dir, None)
    return list(reversed(store.read_manifest(data_dir)["imports"]))


def _commit(data_dir: Path, db_file: Path, manifest: dict) -> None:
    def build(view: Path, target: Path) -> Path:
        described_catalog.place_described(view, data_dir, [])
        return db.build_database(view, target)

    store.commit(data_dir, db_file, manifest, build=build)
    if db_file == db.DB_FILE:
        db.reset_connection()


def _described_text(result: Preview, import_id: str) -> str:
    """The file with the preview's entries, checked again under the lock against the catalogue as it is now."""
    added = [entry for item in result.described for entry in item.entries]
    try:
        catalog_frame(entries(result.data_dir / "indicators.toml") + added)
    except ValueError as err:
        raise UpdateError(f"Die Beschreibung passt nicht mehr in den Katalog (inzwischen geändert): {err}. Bitte die "
                          "Vorschau neu erstellen.") from None
    return describe.file_text(described_catalog.described_data(result.data_dir), result.described, import_id)


def _restore(path: Path, before: bytes | None) -> None:
    if before is None:
        path.unlink(missing_ok=True)
    else:
        store.write_atomic(path, before)
