"""Importers: one module per layout family; `read_file` detects the layout and returns observations."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd

from .common import ImportRejected

MAX_HEAD = 4096


def detect_layout(path: Path, data: bytes | None = None) -> str:
    """Name of the layout family a file belongs to; rejects files that fit none."""
    from .ba_migration import looks_like_ba_migration
    from .declared_csv import looks_like_declared
    from .genesis_flat import looks_like_genesis_flat
    from .genesis_table import looks_like_genesis_table
    from .own_figures import is_xlsx, looks_like_own_figures
    from .simple_csv import looks_like_published, looks_like_wide

    raw = path.read_bytes() if data is None else data
    if is_xlsx(path, raw):
        return "own_figures_xlsx"  # the own-figures template as a workbook (also a zip, so asked first)
    if raw[:4] == b"PK\x03\x04":
        return "genesis_flat"  # zipped flat CSV; the flat importer checks the members
    # Only the first line decides; it is ASCII in every layout, so a lenient decode is enough here.
    text = raw[:MAX_HEAD].decode("utf-8", errors="ignore")
    if not text.strip():
        raise ImportRejected(path.name, "Die Datei ist leer.")
    first = text.lstrip("\ufeff").splitlines()[0]
    checks = [
        ("own_figures", looks_like_own_figures),
        ("genesis_table", looks_like_genesis_table),
        ("genesis_flat", looks_like_genesis_flat),
        ("ba_migration", looks_like_ba_migration),
        ("published_csv", looks_like_published),
        ("wide_csv", looks_like_wide),
        ("declared_csv", looks_like_declared),
    ]
    for name, looks_like in checks:
        if looks_like(first):
            return name
    raise ImportRejected(
        path.name,
        "Unbekanntes Dateiformat: erwartet wird eine GENESIS-Tabelle (CSV), eine GENESIS-Flat-CSV (auch als ZIP), "
        "ein Export der BA-Statistik zur Migration, ein in data/extracts.toml beschriebener Auszug oder die Vorlage "
        "für eigene Zahlen.",
        line=1,
    )


def read_file(path: Path, data: bytes | None = None) -> pd.DataFrame:
    """Observations of one file in any supported layout (see common.OBS_COLUMNS)."""
    from .ba_migration import read_ba_migration
    from .declared_csv import read_declared
    from .genesis_flat import read_genesis_flat
    from .genesis_table import read_genesis_table
    from .own_figures import read_own_figures, read_own_figures_xlsx
    from .simple_csv import read_published, read_wide

    readers = {
        "genesis_table": read_genesis_table,
        "genesis_flat": read_genesis_flat,
        "ba_migration": read_ba_migration,
        "published_csv": read_published,
        "wide_csv": read_wide,
        "declared_csv": read_declared,
        "own_figures": read_own_figures,
        "own_figures_xlsx": read_own_figures_xlsx,
    }
    layout = detect_layout(path, data)
    try:
        return readers[layout](path, data)
    except ImportRejected:
        raise
    except (UnicodeError, ValueError, KeyError, IndexError, zipfile.BadZipFile, io.UnsupportedOperation) as err:
        # A layout we recognised but could not follow: report it as the user's file problem, never a crash.
        raise ImportRejected(path.name, f"Die Datei entspricht nicht dem erwarteten Format ({layout}): {err}") from None
