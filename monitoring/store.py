"""The store: the layout of data/, the import manifest, the commit point and the lock.  No other module writes
into data/ except the build (monitoring/build.py), which replaces the default dataset as a whole.

    data/facts.parquet, indicators.toml, own_indicators.toml, districts.csv, laender.csv, crosswalk.csv
    data/imports/<id>.parquet     the canonical facts of one user import (never changed once written)
    data/imports/manifest.json    which imports exist and which count:

    {"format": 1, "imports": [{"id": "0003-20250621T143012Z", "created": "2025-06-21T14:30:12+00:00",
      "status": "active" | "undone" | "replaced", "facts_file": "0003-….parquet",
      "files": [{"name", "sha256", "layout", "rows", "facts"}], "tables": [...], "coverage": ["table|period", …],
      "counts": {...}, "replaces": [ids], "replaced_by": id | null, "undone": ISO | null}]}

Commit point: `commit()` builds the new database aside from a staging view of data/ with the new manifest (so a
broken import never reaches the dashboard), then writes the manifest to a temporary name, fsyncs and renames it —
**this rename is the commit** — and then renames the staged database over the old one.  A kill before the manifest
rename leaves the old manifest (a new Parquet is an orphan, swept under the next lock); a kill after it leaves a
database whose fingerprint no longer matches data/, so db.ensure_database rebuilds it on the next start.

The database builder is passed in (`build`), because the database module reads this one: the store sits below it.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
import shutil
import signal
import tempfile
from pathlib import Path

import filelock
import pandas as pd

IMPORTS_DIR = "imports"
MANIFEST_FILE = f"{IMPORTS_DIR}/manifest.json"
LOCK_FILE = f"{IMPORTS_DIR}/.lock"
# The files of data/ the database is built from (with the active imports' Parquets); their bytes are its fingerprint.
INPUT_FILES = ["facts.parquet", "plausibility.parquet", "indicators.toml", "own_indicators.toml",
               "described_indicators.toml", "districts.csv", "laender.csv", "crosswalk.csv", MANIFEST_FILE]
LOCK_TIMEOUT_S = 60
STATUS_LABELS = {"active": "aktiv", "undone": "rückgängig gemacht", "replaced": "ersetzt"}


class UpdateError(Exception):
    """A change of data/ that cannot be done; the message is German and says what to do."""


# ── the manifest ─────────────────────────────────────────────────────────────────────────────────────────────


def read_manifest(data_dir: Path) -> dict:
    """data/imports/manifest.json, or an empty manifest when nothing was imported yet."""
    path = data_dir / MANIFEST_FILE
    if not path.is_file():
        return {"format": 1, "imports": []}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} ist beschädigt ({err}); bitte aus der Sicherung wiederherstellen.") from None


def active(manifest: dict) -> list[dict]:
    """The imports that count, oldest first.  A Parquet in data/imports/ the manifest does not list (left by an
    import killed before its commit) is ignored."""
    return [entry for entry in manifest["imports"] if entry["status"] == "active"]


def active_imports(data_dir: Path) -> list[dict]:
    return active(read_manifest(data_dir))


def manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def next_id(manifest: dict) -> str:
    """'0004-20250621T143012Z': a sequence number first, so ids sort in import order whatever the clock does."""
    number = 1 + max((int(entry["id"].split("-")[0]) for entry in manifest["imports"]), default=0)
    return f"{number:04d}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}"


def with_import(manifest: dict, entry: dict) -> dict:
    """The manifest with a new active import; the imports it replaces are marked so."""
    imports = [dict(e) for e in manifest["imports"]]
    for other in imports:
        if other["id"] in entry["replaces"]:
            other.update(status="replaced", replaced_by=entry["id"])
    return {**manifest, "imports": imports + [entry]}


def without_import(manifest: dict, import_id: str) -> dict:
    """The manifest with an active import undone; the imports it had replaced count again."""
    imports = [dict(e) for e in manifest["imports"]]
    for entry in imports:
        if entry["id"] == import_id:
            entry.update(status="undone", undone=now())
        elif entry.get("replaced_by") == import_id and entry["status"] == "replaced":
            entry.update(status="active", replaced_by=None)
    return {**manifest, "imports": imports}


def replaced_by(manifest: dict, coverage: list[str]) -> list[str]:
    """Active imports whose every (table, Stichtag) the new import brings again: a corrected or newer download
    of the same thing.  An import that only overlaps stays; for the shared values the later import counts."""
    new = set(coverage)
    return [e["id"] for e in active(manifest) if e.get("coverage") and set(e["coverage"]) <= new]


# ── writing ──────────────────────────────────────────────────────────────────────────────────────────────────


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def write_parquet(facts: pd.DataFrame, path: Path) -> None:
    buffer = io.BytesIO()
    facts.to_parquet(buffer, index=False, compression="zstd")
    write_atomic(path, buffer.getvalue())


def _fsync_dir(folder: Path) -> None:
    # The rename itself must reach the disk; directories cannot be opened for fsync on Windows.
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def crash_point(step: str) -> None:
    """Test hook (tests/test_updates.py): INTEGRATIONSMONITOR_CRASH_AT=<step> kills the process right here, as a
    power cut or `kill -9` would."""
    if os.environ.get("INTEGRATIONSMONITOR_CRASH_AT") == step:
        os.kill(os.getpid(), signal.SIGKILL)


@contextlib.contextmanager
def staging_view(data_dir: Path, manifest: dict, root: Path, pending: pd.DataFrame | None = None):
    """A folder that looks like data/ with `manifest` committed: input files linked, not copied.  Building the
    database from it gives exactly the database data/ will have after the commit (same fingerprint).
    pending: the facts of the manifest's last import when they are not in data/ yet (preview)."""
    (root / IMPORTS_DIR).mkdir(parents=True)
    for name in INPUT_FILES:
        if name != MANIFEST_FILE and (data_dir / name).exists():
            _link(data_dir / name, root / name)
    last = manifest["imports"][-1]["id"] if manifest["imports"] else None
    for entry in active(manifest):
        target = root / IMPORTS_DIR / entry["facts_file"]
        if pending is not None and entry["id"] == last:
            pending.to_parquet(target, index=False, compression="zstd")
        else:
            _link(data_dir / IMPORTS_DIR / entry["facts_file"], target)
    (root / MANIFEST_FILE).write_bytes(manifest_bytes(manifest))
    yield root


def _link(source: Path, target: Path) -> None:
    try:
        os.symlink(source.resolve(), target)
    except OSError:  # no symlinks (Windows without privilege): copy
        shutil.copy2(source, target)


def commit(data_dir: Path, db_file: Path, manifest: dict, build) -> None:
    """Build the database for `manifest` aside (build(data_dir, db_file)), switch the manifest (the commit), then
    put the database in place.  Call under `lock()`."""
    staged = db_file.with_name(f".{db_file.name}.staged-{os.getpid()}")
    with temp_folder("stage") as tmp:
        with staging_view(data_dir, manifest, Path(tmp) / "data") as view:
            build(view, staged)
    crash_point("after_build")
    write_atomic(data_dir / MANIFEST_FILE, manifest_bytes(manifest))
    crash_point("after_manifest")
    os.replace(staged, db_file)


# ── the lock and what killed runs leave ──────────────────────────────────────────────────────────────────────


@contextlib.contextmanager
def lock(data_dir: Path, db_file: Path, timeout: float | None = None):
    """One change of data/ at a time, also across processes (filelock: flock on POSIX, msvcrt on Windows);
    leftovers of killed runs are swept inside."""
    (data_dir / IMPORTS_DIR).mkdir(exist_ok=True)
    guard = filelock.FileLock(str(data_dir / LOCK_FILE), timeout=LOCK_TIMEOUT_S if timeout is None else timeout)
    try:
        guard.acquire()
    except filelock.Timeout:
        raise UpdateError("Ein anderer Import läuft gerade. Bitte in einer Minute erneut versuchen.") from None
    try:
        sweep(data_dir, db_file)
        yield
    finally:
        guard.release()


# Files a killed run leaves beside the database: ".<db>.staged-<pid>" (commit), "..<db>.staged-<pid>.<pid>.tmp"
# (the build writing the staged file), ".<db>.<pid>.tmp" (a plain build), each with DuckDB's ".wal" beside it;
# and in the temporary directory the folders of previews and commits, named with their process id.
_PIDS_IN_NAME = re.compile(r"(?:staged-|\.)(\d+)(?=\.|$)")
TEMP_PREFIX = "integrationsmonitor-"


def temp_folder(purpose: str) -> tempfile.TemporaryDirectory:
    """A temporary folder whose name carries this process's id, so a sweep can tell a dead run's folder."""
    return tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{purpose}-{os.getpid()}-")


def sweep(data_dir: Path, db_file: Path) -> None:
    """Remove what killed runs left: temp files, Parquets no manifest entry names (never committed), and staged
    or half-built databases of processes that no longer run."""
    folder = data_dir / IMPORTS_DIR
    listed = {e["facts_file"] for e in read_manifest(data_dir)["imports"]}
    for path in folder.iterdir():
        if path.name.endswith(".tmp") or (path.suffix == ".parquet" and path.name not in listed):
            path.unlink(missing_ok=True)
    for path in db_file.parent.iterdir():
        if not (path.name.startswith(".") and db_file.name in path.name and path.name != db_file.name):
            continue
        pids = [int(p) for p in _PIDS_IN_NAME.findall(path.name)]
        if pids and not any(_alive(pid) for pid in pids):
            path.unlink(missing_ok=True)
    for path in Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*-*-*"):
        pid = re.match(rf"{TEMP_PREFIX}[a-z]+-(\d+)-", path.name)
        if pid and path.is_dir() and not _alive(int(pid.group(1))):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
