"""The only way into the database: build it from data/, open it read-only, run named queries.

The DuckDB file is a cache of data/: it is (re)built when it is missing or when the fingerprint of the
files in data/ it was built from differs from the one stored in it.  Building writes a new file next to
the old one and renames it into place, so a reader never sees half a database.
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from . import settings
from .catalog import load_catalog
from .store import IMPORTS_DIR, INPUT_FILES, active_imports

PROJECT_DIR = settings.PROJECT_DIR
QUERY_DIR = PROJECT_DIR / "queries"
DATA_DIR = settings.DATA_DIR  # INTEGRATIONSMONITOR_DATA, or data/ of the project: one folder for all modules
DB_FILE = settings.DB_FILE
BUILD_STEPS = ["build_1_imported_current", "build_2_derive_shares", "build_3_facts_all", "build_4_facts",
               "build_5_regions", "build_6_totals"]

_build_lock = threading.Lock()


def data_paths(data_dir: Path | None = None, db_file: Path | None = None) -> tuple[Path, Path]:
    """data/ and the database file, the given ones or the defaults -- looked up at call time, so tests (and pages
    under AppTest) can point DATA_DIR / DB_FILE elsewhere."""
    return Path(data_dir or DATA_DIR), Path(db_file or DB_FILE)


@cache
def load_sql(name: str) -> str:
    path = QUERY_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"Unbekannte Abfrage: {name}")
    return path.read_text(encoding="utf-8")


PARAM_LINE = re.compile(r"^-- @param (\w+) (\S+) = (.+)$", re.MULTILINE)


@cache
def query_params(name: str) -> dict[str, tuple[str, str]]:
    """The parameters a query file declares in its header (`-- @param name TYPE = example`, or `-- @params none`):
    name -> (DuckDB type, example value as SQL).  A file that declares nothing is an error: every query states its
    contract."""
    text = load_sql(name)
    declared = {m.group(1): (m.group(2), m.group(3).strip()) for m in PARAM_LINE.finditer(text)}
    if not declared and "-- @params none" not in text:
        raise KeyError(f"Abfrage {name}: Parameter nicht im Kopf deklariert (-- @param … oder -- @params none)")
    return declared


def data_fingerprint(data_dir: Path = DATA_DIR) -> str:
    digest = hashlib.sha256()
    for name in INPUT_FILES + sorted(p.name for p in QUERY_DIR.glob("build_*.sql")):
        path = data_dir / name if (data_dir / name).exists() else QUERY_DIR / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"missing")
    for entry in active_imports(data_dir):  # an import's Parquet never changes, but hash it: cheap and certain
        digest.update(entry["facts_file"].encode())
        digest.update((data_dir / IMPORTS_DIR / entry["facts_file"]).read_bytes())
    return digest.hexdigest()


def stored_fingerprint(db_file: Path) -> str | None:
    if not db_file.exists():
        return None
    try:
        with duckdb.connect(str(db_file), read_only=True) as con:
            return con.execute(load_sql("meta_fingerprint")).fetchone()[0]
    except (duckdb.Error, TypeError):
        return None  # unreadable or from an older layout: rebuild


def build_database(data_dir: Path = DATA_DIR, db_file: Path = DB_FILE) -> Path:
    """Build the DuckDB file from data/ atomically (write aside, then rename)."""
    tmp = db_file.with_name(f".{db_file.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(tmp)) as con:
            _load_tables(con, data_dir)
            for step in BUILD_STEPS:
                con.execute(load_sql(step))
            con.execute(load_sql("build_7_meta"), {"fingerprint": data_fingerprint(data_dir)})
            con.execute(load_sql("build_8_cleanup"))
            con.execute("CHECKPOINT")
        os.replace(tmp, db_file)
    finally:
        tmp.unlink(missing_ok=True)
    return db_file


def _load_tables(con: duckdb.DuckDBPyConnection, data_dir: Path) -> None:
    con.execute("SET enable_progress_bar = false")  # a build is not interactive: no progress bars in CLI output
    catalog = load_catalog(data_dir / "indicators.toml")
    con.register("catalog_frame", catalog)
    con.execute(load_sql("load_catalog"))
    con.unregister("catalog_frame")
    con.execute(load_sql("load_facts"), {"path": str(data_dir / "facts.parquet")})
    warnings = data_dir / "plausibility.parquet"
    if warnings.exists():
        con.execute(load_sql("load_plausibility"), {"path": str(warnings)})
    else:  # a test's copy of data/, or the build checking its own fresh files
        con.execute(load_sql("load_plausibility_empty"))
    for entry in active_imports(data_dir):
        con.execute(load_sql("load_import_facts"),
                    {"path": str(data_dir / IMPORTS_DIR / entry["facts_file"]), "import_id": entry["id"]})
    for query_name, csv_file in (("load_districts", "districts.csv"), ("load_laender", "laender.csv"),
                                 ("load_crosswalk", "crosswalk.csv")):
        con.execute(load_sql(query_name), {"path": str(data_dir / csv_file)})


def ensure_database(data_dir: Path = DATA_DIR, db_file: Path = DB_FILE) -> Path:
    """Open-or-build: rebuild when data/ changed since the database was built."""
    with _build_lock:
        if stored_fingerprint(db_file) != data_fingerprint(data_dir):
            build_database(data_dir, db_file)
    return db_file


def reset_connection() -> None:
    """Close the cached read-only connection, so the next query opens the database just rebuilt (after an import
    or undo in this process); the old connection still points at the replaced file."""
    with _open_lock:
        for _version, con in _open.values():
            con.close()
        _open.clear()


_open: dict[tuple[Path, Path], tuple[tuple, duckdb.DuckDBPyConnection]] = {}
_open_lock = threading.Lock()


def connection() -> duckdb.DuckDBPyConnection:
    """The shared read-only connection to DB_FILE (built or rebuilt from DATA_DIR first if needed).  Checked against
    the files' sizes and modification times on every call, so an import or undo by another process (the command
    line, a second app process) is seen by the next query.  The old connection is closed first: DuckDB keeps one
    database instance per file and process, and a second connect while the first is open would reuse the
    replaced file's instance."""
    key = (DB_FILE, DATA_DIR)
    version = data_version(DATA_DIR)
    with _open_lock:
        held = _open.get(key)
        if held is not None and held[0] == version:
            return held[1]
        if held is not None:
            held[1].close()
            del _open[key]
        ensure_database(DATA_DIR, DB_FILE)
        con = duckdb.connect(str(DB_FILE), read_only=True)
        _open[key] = (version, con)
        return con


def data_version(data_dir: Path = DATA_DIR) -> tuple:
    """A cheap signature of data/ (a few stat calls): changes whenever an input file or the manifest changes.
    Caches above the database (Streamlit's) take it as part of their key."""
    signature = []
    for name in INPUT_FILES:
        try:
            stat = (data_dir / name).stat()
        except FileNotFoundError:
            signature.append((name, None))
        else:
            signature.append((name, stat.st_mtime_ns, stat.st_size))
    return tuple(signature)


def run_query(name: str, **params) -> pd.DataFrame:
    """Run queries/<name>.sql with $named parameters bound by DuckDB; a new cursor per call (thread-safe).
    The parameters must be exactly those the file declares: a misspelt or missing one fails here, by name."""
    declared = query_params(name)
    if set(params) != set(declared):
        raise TypeError(f"Abfrage {name}: Parameter {sorted(params)} passen nicht zur Deklaration {sorted(declared)}")
    cursor = connection().cursor()
    try:
        return cursor.execute(load_sql(name), params).df()
    finally:
        cursor.close()
