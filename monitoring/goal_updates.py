"""Editing goals and measures (ziele.toml, massnahmen.toml of the structure's goals folder): preview, apply, undo —
the same three steps as an import of figures (monitoring/updates.py), without Streamlit.

- ``preview_goals`` takes the new text of one or both files (an upload or the text area), validates the set they
  give together with the file not given exactly as ``goals.load_goals`` does at start (same German messages with
  file, line and entry), and lists what changes per entry (``diff_entries``).  Nothing is written.
- ``apply_goals`` writes the files atomically under the store's lock (``store.lock``: one change of data/ at a time,
  figures or goals, across processes) after checking that nobody changed them since the preview, and keeps the
  previous bytes so that ``undo_goals`` restores them exactly.

Where the history lives, and why not in the import manifest: data/imports/goals/<folder>/log.json (a JSON log of
the changes) with the versions before and after each change in data/imports/goals/<folder>/<id>/{before,after}/.
The manifest (data/imports/manifest.json) is an input of the database -- its bytes are part of the database's
fingerprint, so an entry there would rebuild the database for a change that is not in it -- and it describes facts
(Parquet files, tables, coverage).  data/imports/ is the installation's own state (git-ignored like the figure
imports) and holds the lock, so the goal history sits beside it rather than in the goals folder a district keeps
under version control.  One history per goals folder, because each structure has its own goals.

The history also says what the files were at any moment (``entries_at``), which the steering group's review view
uses to see which measure's status changed since the last review (monitoring/goal_review.py).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tempfile
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import db, fmt, goals, store
from .store import UpdateError

__all__ = ["Change", "GoalPreview", "UpdateError", "apply_goals", "diff_entries", "entries_at", "history",
           "history_table", "preview_goals", "undo_goals"]

GOAL_FILES = (goals.GOALS_FILE, goals.MEASURES_FILE)
TABLES = {goals.GOALS_FILE: ("goal", "Ziel"), goals.MEASURES_FILE: ("measure", "Maßnahme")}
HISTORY_DIR = f"{store.IMPORTS_DIR}/goals"
LOG_FILE = "log.json"
FIELD_LABELS = {
    "handlungsfeld": "Handlungsfeld", "text": "Text", "title": "Titel", "description": "Beschreibung",
    "querschnittsthemen": "Querschnittsthemen", "target_group": "Zielgruppe", "indicators": "Indikatoren",
    "baseline": "Ausgangswert", "target": "Zielwert", "direction": "Richtung", "responsible": "Verantwortlich",
    "partners": "Partner", "goals": "Ziele", "status": "Status", "start": "Beginn", "end": "Ende",
    "last_review": "Letzte Überprüfung", "steering_year": "Steuerungsjahr", "notes": "Anmerkungen",
    "example": "Beispiel",
}
LONG_TEXT = 60  # longer values are shortened in the list of changes (the file holds them in full)


# ── what changes ─────────────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Change:
    kind: str  # "neu" | "entfernt" | "geändert"
    noun: str  # "Ziel" | "Maßnahme"
    id: str
    handlungsfeld: str = ""
    label: str = ""  # the measure's title (the goal's id says enough)
    details: tuple[str, ...] = ()  # "Status laufend → abgeschlossen"

    @property
    def text(self) -> str:
        name = f"{self.noun} „{self.id}“" + (f" ({_short(self.label)})" if self.label else "")
        if self.kind == "geändert":
            return f"{name}: " + "; ".join(self.details)
        return f"{name} {self.kind}" + (f" ({self.handlungsfeld})" if self.handlungsfeld else "")


def _short(text: str) -> str:
    return text if len(text) <= LONG_TEXT else text[:LONG_TEXT - 1].rstrip() + "…"


def show_value(value) -> str:
    """A TOML value as the list of changes shows it: dates and numbers in German, lists joined, tables as
    "2015: 7,9" (baseline, target)."""
    if value is None:
        return fmt.MISSING
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, dt.date):
        return fmt.fmt_date(value)
    if isinstance(value, float):
        return fmt.fmt_number(value, 1 if value != int(value) else 0)
    if isinstance(value, list):
        return ", ".join(show_value(v) for v in value) or fmt.MISSING
    if isinstance(value, dict):
        if set(value) <= {"year", "value"}:
            return f"{value.get('year', fmt.MISSING)}: {show_value(value.get('value'))}"
        return ", ".join(f"{k} = {show_value(v)}" for k, v in value.items())
    return _short(str(value)) if str(value).strip() else fmt.MISSING


def _entries(text: bytes | None, table: str) -> dict[str, dict]:
    """id -> entry of a file's [[table]] (an unreadable or missing file counts as empty)."""
    if not text:
        return {}
    try:
        raw = tomllib.loads(text.decode("utf-8")).get(table, [])
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    return {str(e.get("id", "")): e for e in raw if isinstance(e, dict)} if isinstance(raw, list) else {}


def diff_entries(old: bytes | None, new: bytes | None, file_name: str) -> list[Change]:
    """Entries added, removed and changed (with the changed fields, old → new) between two versions of a file."""
    table, noun = TABLES[file_name]
    before, after = _entries(old, table), _entries(new, table)
    changes = []
    for entry_id, entry in after.items():
        label = str(entry.get("title", "")) if table == "measure" else ""
        if entry_id not in before:
            changes.append(Change("neu", noun, entry_id, str(entry.get("handlungsfeld", "")), label))
            continue
        details = tuple(f"{FIELD_LABELS.get(key, key)} {show_value(before[entry_id].get(key))} → "
                        f"{show_value(entry.get(key))}"
                        for key in dict.fromkeys([*entry, *before[entry_id]])
                        if before[entry_id].get(key) != entry.get(key))
        if details:
            changes.append(Change("geändert", noun, entry_id, str(entry.get("handlungsfeld", "")), label, details))
    for entry_id, entry in before.items():
        if entry_id not in after:
            label = str(entry.get("title", "")) if table == "measure" else ""
            changes.append(Change("entfernt", noun, entry_id, str(entry.get("handlungsfeld", "")), label))
    return changes


# ── the preview ──────────────────────────────────────────────────────────────────────────────────────────────


@dataclass
class GoalPreview:
    """What saving the given files would do.  Nothing has changed yet; apply_goals(preview) makes it happen."""

    folder: Path
    before: dict[str, bytes | None]  # the files' bytes now (None: no such file yet)
    after: dict[str, bytes]  # the new bytes, exactly as given
    changes: list[Change] = field(default_factory=list)
    error: str = ""  # the German refusal (file, line, entry): nothing may be written
    goal_set: goals.GoalSet | None = None

    @property
    def changed_files(self) -> list[str]:
        return [name for name in self.after if self.after[name] != self.before.get(name)]

    @property
    def can_apply(self) -> bool:
        return not self.error and bool(self.changed_files)

    def summary(self) -> str:
        """The preview in German (the command line and the history log)."""
        if self.error:
            return self.error
        if not self.changed_files:
            return "Keine Änderung: die Dateien sind schon genau so gespeichert."
        lines = [f"Vorschau: {', '.join(self.changed_files)} in {self.folder}"]
        lines += [f"- {c.text}" for c in self.changes] or ["- nur Kommentare oder Formatierung geändert"]
        return "\n".join(lines)


def file_name_for(name: str, text: bytes) -> str:
    """ziele.toml or massnahmen.toml for an uploaded file: by its name, else by its entries ([[goal]] / [[measure]])."""
    stem = Path(name).name.lower()
    for file_name in GOAL_FILES:
        if stem == file_name or stem.startswith(file_name.removesuffix(".toml")):
            return file_name
    found = [f for f, (table, _) in TABLES.items() if re.search(rf"^\s*\[\[\s*{table}\s*\]\]", _decoded(text), re.M)]
    if len(found) == 1:
        return found[0]
    raise goals.GoalsError(f"{name}: weder ziele.toml noch massnahmen.toml (Einträge [[goal]] oder [[measure]]).")


def _decoded(text: bytes) -> str:
    return text.decode("utf-8", errors="replace")


def preview_goals(files: Mapping[str, bytes | str], *, folder: Path, catalog_ids: Iterable[str],
                  fields: Iterable[str] | None = None) -> GoalPreview:
    """The preview of saving ``files`` (name -> new content) into ``folder``; validated like at load."""
    folder, catalog_ids = Path(folder), tuple(catalog_ids)
    fields = None if fields is None else tuple(fields)
    result = GoalPreview(folder, before={}, after={})
    try:
        result.after = _named(files)
        for name in result.after:
            result.before[name] = _read(folder / name)
            result.after[name].decode("utf-8")
    except UnicodeDecodeError:
        result.error = f"{name}: keine UTF-8-Textdatei (bitte als UTF-8 speichern)."
        return result
    except goals.GoalsError as err:
        result.error = str(err)
        return result
    for name in result.after:
        result.changes += diff_entries(result.before[name], result.after[name], name)
    try:
        result.goal_set = _validated(folder, result.after, catalog_ids, fields)
    except goals.GoalsError as err:
        result.error = str(err)
    return result


def _named(files: Mapping[str, bytes | str]) -> dict[str, bytes]:
    named: dict[str, bytes] = {}
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        target = file_name_for(name, data)
        if target in named:
            raise goals.GoalsError(f"{target} ist zweimal dabei: bitte nur eine Fassung je Datei.")
        named[target] = data
    return named


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _validated(folder: Path, after: dict[str, bytes], catalog_ids, fields) -> goals.GoalSet:
    """The set the new files give with the current file not given, checked by goals.load_goals itself."""
    with tempfile.TemporaryDirectory(prefix=f"{store.TEMP_PREFIX}goals-") as tmp:
        for name in GOAL_FILES:
            data = after.get(name, _read(folder / name))
            if data is not None:
                (Path(tmp) / name).write_bytes(data)
        return goals.load_goals(Path(tmp), catalog_ids=catalog_ids, fields=fields)


# ── apply and undo ───────────────────────────────────────────────────────────────────────────────────────────


def _paths(data_dir: Path | None, db_file: Path | None) -> tuple[Path, Path]:
    # Looked up at call time, so tests (and the page under AppTest) can point db.DATA_DIR / db.DB_FILE elsewhere.
    return Path(data_dir or db.DATA_DIR), Path(db_file or db.DB_FILE)


def history_dir(folder: Path, data_dir: Path) -> Path:
    """data/imports/goals/<the goals folder relative to data/, "/" as "__"> (elsewhere: a hash of its path)."""
    try:
        key = "__".join(Path(folder).resolve().relative_to(Path(data_dir).resolve()).parts)
    except ValueError:
        key = "extern-" + hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:12]
    return Path(data_dir) / HISTORY_DIR / key


def _sha(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def _log(folder: Path, data_dir: Path) -> dict:
    path = history_dir(folder, data_dir) / LOG_FILE
    if not path.is_file():
        return {"format": 1, "folder": str(folder), "changes": []}
    return json.loads(path.read_text(encoding="utf-8"))


def _write_log(folder: Path, data_dir: Path, log: dict) -> None:
    store.write_atomic(history_dir(folder, data_dir) / LOG_FILE,
                       (json.dumps(log, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


def _next_id(log: dict) -> str:
    number = 1 + max((int(c["id"].split("-")[0]) for c in log["changes"]), default=0)
    return f"{number:04d}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}"


def _keep(version_dir: Path, name: str, data: bytes | None) -> None:
    if data is not None:
        version_dir.mkdir(parents=True, exist_ok=True)
        store.write_atomic(version_dir / name, data)


def _put(path: Path, data: bytes | None) -> None:
    if data is None:
        path.unlink(missing_ok=True)
    else:
        store.write_atomic(path, data)


def apply_goals(preview: GoalPreview, *, data_dir: Path | None = None, db_file: Path | None = None) -> str:
    """Write the previewed files (each atomically) under the store's lock; the versions before and after go into
    the history first, so undo_goals can restore them.  Returns the change's id."""
    if preview.error:
        raise UpdateError("Die Dateien wurden abgelehnt; es wurde nichts geändert:\n" + preview.error)
    if not preview.changed_files:
        raise UpdateError("Keine Änderung: die Dateien sind schon genau so gespeichert.")
    data_dir, db_file = _paths(data_dir, db_file)
    folder = preview.folder
    with store.lock(data_dir, db_file):
        for name in preview.changed_files:
            if _read(folder / name) != preview.before[name]:
                raise UpdateError(f"{name} wurde seit der Vorschau geändert (von jemand anderem oder in einem anderen "
                                  "Fenster). Bitte die Vorschau neu erstellen; es wurde nichts geändert.")
        log = _log(folder, data_dir)
        change_id = _next_id(log)
        version = history_dir(folder, data_dir) / change_id
        for name in preview.changed_files:
            _keep(version / "before", name, preview.before[name])
            _keep(version / "after", name, preview.after[name])
        for name in preview.changed_files:
            store.write_atomic(folder / name, preview.after[name])
        log["changes"].append({
            "id": change_id, "created": store.now(), "status": "active", "undone": None,
            "files": [{"name": n, "before": _sha(preview.before[n]), "after": _sha(preview.after[n])}
                      for n in preview.changed_files],
            "summary": [c.text for c in preview.changes] or ["nur Kommentare oder Formatierung geändert"],
        })
        _write_log(folder, data_dir, log)
    return change_id


def undo_goals(change_id: str, *, folder: Path, data_dir: Path | None = None, db_file: Path | None = None) -> None:
    """Put back the files as they were before change ``change_id`` (byte for byte).  Refused when a file was changed
    again after it: the later change is undone first."""
    data_dir, db_file = _paths(data_dir, db_file)
    folder = Path(folder)
    with store.lock(data_dir, db_file):
        log = _log(folder, data_dir)
        entry = next((c for c in log["changes"] if c["id"] == change_id), None)
        if entry is None or entry["status"] != "active":
            raise UpdateError(f"Keine übernommene Änderung „{change_id}“ an den Zielen und Maßnahmen "
                              "(siehe Liste der Änderungen).")
        version = history_dir(folder, data_dir) / change_id
        for item in entry["files"]:
            if _sha(_read(folder / item["name"])) != item["after"]:
                raise UpdateError(f"{item['name']} wurde nach der Änderung {change_id} noch einmal geändert. Bitte "
                                  "zuerst die spätere Änderung rückgängig machen; es wurde nichts geändert.")
        for item in entry["files"]:
            _put(folder / item["name"], _read(version / "before" / item["name"]))
        entry.update(status="undone", undone=store.now())
        _write_log(folder, data_dir, log)


# ── the history ──────────────────────────────────────────────────────────────────────────────────────────────


def history(folder: Path, *, data_dir: Path | None = None) -> list[dict]:
    """The changes of a goals folder, oldest first (id, created, status, undone, files, summary)."""
    return _log(Path(folder), _paths(data_dir, None)[0])["changes"]


def history_table(folder: Path, *, data_dir: Path | None = None) -> pd.DataFrame:
    """The changes as a German table, newest first."""
    rows = [{"Änderung": c["id"], "Zeitpunkt": _when(c["created"]),
             "Dateien": ", ".join(f["name"] for f in c["files"]),
             "Status": "übernommen" if c["status"] == "active" else f"rückgängig gemacht ({_when(c['undone'])})",
             "Was sich geändert hat": "; ".join(c["summary"])} for c in reversed(history(folder, data_dir=data_dir))]
    return pd.DataFrame(rows, columns=["Änderung", "Zeitpunkt", "Dateien", "Status", "Was sich geändert hat"])


def _when(iso: str | None) -> str:
    if not iso:
        return fmt.MISSING
    return dt.datetime.fromisoformat(iso).astimezone().strftime("%d.%m.%Y %H:%M")


def entries_at(folder: Path, moment: dt.datetime, *, data_dir: Path | None = None) -> dict[str, dict[str, dict]]:
    """id -> entry of each file as it was at ``moment`` (aware datetime), from the history: the earliest change or
    undo after the moment tells what the file held before it.  A file no change touched since is read as it is now.
    {} for a file that did not exist then."""
    data_dir = _paths(data_dir, None)[0]
    folder = Path(folder)
    base = history_dir(folder, data_dir)
    events: list[tuple[str, str, Path]] = []  # (time, file, the version that was in force before the event)
    for change in history(folder, data_dir=data_dir):
        for item in change["files"]:
            events.append((change["created"], item["name"], base / change["id"] / "before" / item["name"]))
            if change["undone"]:
                events.append((change["undone"], item["name"], base / change["id"] / "after" / item["name"]))
    result = {}
    for name, (table, _) in TABLES.items():
        # stable sort on the time only: an apply and its undo in the same second keep their order
        later = sorted(((t, p) for t, n, p in events if n == name and dt.datetime.fromisoformat(t) > moment),
                       key=lambda event: event[0])
        result[name] = _entries(_read(later[0][1]) if later else _read(folder / name), table)
    return result
