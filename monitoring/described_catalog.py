"""The district's descriptions of new official tables: data/described_indicators.toml (monitoring/describe.py makes
the entries; updates.py writes them together with an import).  Reading it, placing it into a staging view of data/,
taking a description out again, and the lists the page and the command line show.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd

from . import db, describe, store
from .catalog import DESCRIBED_CATALOG_NAME, catalog_frame, entries
from .store import UpdateError

_paths = db.data_paths


def described_data(data_dir: Path) -> dict:
    path = data_dir / DESCRIBED_CATALOG_NAME
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def place_described(view: Path, data_dir: Path, described: list) -> None:
    """The described-indicators file in a staging view of data/: as it is, or with the preview's new entries.
    (A view links only store.INPUT_FILES; this file is written here, never through a link into data/.)"""
    target = view / DESCRIBED_CATALOG_NAME
    if target.is_symlink() or target.exists():
        target.unlink()
    source = data_dir / DESCRIBED_CATALOG_NAME
    if described:
        target.write_text(describe.file_text(described_data(data_dir), described), encoding="utf-8")
    elif source.is_file():
        target.write_bytes(source.read_bytes())


def remove_description(record_id: str, *, data_dir: Path | None = None, db_file: Path | None = None) -> list[str]:
    """Take a description and its catalogue entries out of data/described_indicators.toml; returns the entry ids.
    Refused while an active import has values for them (undo it first) or another entry builds on them."""
    data_dir, db_file = _paths(data_dir, db_file)
    with store.lock(data_dir, db_file):
        text, record = describe.file_text_without(described_data(data_dir), record_id)
        ids = set(record.get("indicators", []))
        for entry in store.active_imports(data_dir):
            used = pd.read_parquet(data_dir / store.IMPORTS_DIR / entry["facts_file"], columns=["indicator"])
            if used["indicator"].isin(ids).any():
                raise UpdateError(f"Die beschriebene Kennzahl „{record_id}“ hat noch Werte aus Import {entry['id']}. "
                                  "Bitte zuerst diesen Import rückgängig machen.")
        remaining = [e for e in entries(data_dir / "indicators.toml") if e["id"] not in ids]
        try:
            catalog_frame(remaining)
        except ValueError as err:
            raise UpdateError(f"Die beschriebene Kennzahl „{record_id}“ lässt sich nicht entfernen: eine andere "
                              f"Kennzahl baut auf ihr auf ({err}).") from None
        path = data_dir / DESCRIBED_CATALOG_NAME
        before = path.read_bytes()
        store.write_atomic(path, text.encode("utf-8"))
        try:
            db.build_database(data_dir, db_file)
        except BaseException:
            store.write_atomic(path, before)
            raise
    if db_file == db.DB_FILE:
        db.reset_connection()
    return sorted(ids)


def denominator_choices(*, data_dir: Path | None = None) -> dict[str, str]:
    """Indicators a description may divide by (counts the catalogue already has): id -> "name (unit)"."""
    data_dir, _ = _paths(data_dir, None)
    catalog = catalog_frame(entries(data_dir / "indicators.toml"))
    counts = catalog[catalog["kind"] == "count"].sort_values("name")
    return {row.id: f"{row.name} ({row.unit})" for row in counts.itertuples()}


def described_table(*, data_dir: Path | None = None) -> pd.DataFrame:
    """The descriptions made so far, newest first, with German column names (page and command line)."""
    data_dir, _ = _paths(data_dir, None)
    names = {e["id"]: e.get("name", "") for e in described_data(data_dir).get("indicator", [])}
    rows = [{"Kennung": r.get("id", ""), "Name": names.get(r.get("id", ""), ""), "Tabelle": r.get("table", ""),
             "Datei": r.get("file", ""), "beschrieben": str(r.get("created", "")).replace("T", " ")[:16],
             "Import": r.get("import_id", ""), "Katalogeinträge": ", ".join(r.get("indicators", []))}
            for r in reversed(described_data(data_dir).get("description", []))]
    return pd.DataFrame(rows, columns=["Kennung", "Name", "Tabelle", "Datei", "beschrieben", "Import",
                                       "Katalogeinträge"])
