"""Foliensätze (slide sets): an ordered choice of charts and tile groups for one district and period, saved as
data/foliensaetze/<slug>.toml and shown in the presentation mode or built into a report (no Streamlit).

    name = "Kreistag Juni 2026"
    kreis = "08216"
    period = [2008, 2023]
    saved = "2026-06-01T10:00:00+00:00"

    [[items]]
    kind = "trend"          # time series of the district, its Land and Germany   indicator, category (optional)
    indicator = "auslaenderanteil"
    [[items]]
    kind = "breakdown"      # bars by a breakdown (Schulart, Nationalität, …)     indicator, breakdown
    indicator = "schueler_auslaenderanteil"
    breakdown = "Schulart"
    [[items]]
    kind = "ranking"        # the districts of the Land                            indicator
    indicator = "arbeitslosenquote_auslaender"
    [[items]]
    kind = "tiles"          # the key figures of a Handlungsfeld                   field
    field = "Arbeit"

A set is written under the store's lock with an atomic rename (monitoring/store.py), so a half-written file never
exists; ``load_set`` checks every item against the indicator catalogue and the Handlungsfelder and refuses a set
with a German message naming the file and the item ("Folie 3").  Sets belong to the installation's data like its
own figures: a public (read-only) installation neither lists nor writes them.
"""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

from . import settings as settings_module
from . import store
from .catalog import load_catalog, load_fields

FOLDER = "foliensaetze"
KINDS = {"trend": "Zeitreihe", "breakdown": "Aufschlüsselung", "ranking": "Rangfolge", "tiles": "Kennzahlen"}
# the keys an item of each kind carries (besides kind); the first is required
ITEM_KEYS = {"trend": ("indicator", "category"), "breakdown": ("indicator", "breakdown"),
             "ranking": ("indicator",), "tiles": ("field",)}
MAX_ITEMS = 60
MAX_NAME = 120
# data/ and the database file of the process (monitoring/settings.py); module attributes so tests can point the
# sets elsewhere without moving the whole data folder
DATA_DIR = settings_module.DATA_DIR
DB_FILE = settings_module.DB_FILE
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")


class SlideSetError(ValueError):
    """A slide set that cannot be read or written; the message is German and names the file and the item."""


@dataclass(frozen=True)
class Item:
    kind: str
    indicator: str = ""
    category: str = ""
    breakdown: str = ""
    field: str = ""

    def as_dict(self) -> dict:
        """The TOML table of the item: kind and the keys of its kind (empty optional keys left out)."""
        keys = ITEM_KEYS[self.kind]
        return {"kind": self.kind, **{k: getattr(self, k) for k in keys if getattr(self, k) or k == keys[0]}}

    def key(self) -> tuple:
        """What makes two items the same chart (adding one twice is a no-op)."""
        return (self.kind, self.indicator, self.category, self.breakdown, self.field)


@dataclass
class SlideSet:
    name: str
    kreis: str
    year_from: int
    year_to: int
    items: list[Item] = field(default_factory=list)
    saved: str = ""

    @property
    def slug(self) -> str:
        return slugify(self.name)

    def as_toml(self) -> str:
        body = {"name": self.name, "kreis": self.kreis, "period": [self.year_from, self.year_to],
                "saved": self.saved or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
                "items": [item.as_dict() for item in self.items]}
        return ("# Foliensatz des Integrationsmonitors (monitoring/slide_sets.py); im Dashboard unter "
                "„Foliensatz“ bearbeitet.\n" + tomli_w.dumps(body))


def folder(data_dir: Path | None = None) -> Path:
    return Path(data_dir or DATA_DIR) / FOLDER


def slugify(name: str) -> str:
    """"Kreistag Juni 2026" → "kreistag_juni_2026" (ASCII, for the file name and the link)."""
    from .images import ascii_slug

    if not any(c.isalnum() for c in str(name)):
        return ""
    slug = ascii_slug(name).lower().replace(".", "_")[:80].strip("_-")
    return slug if _SLUG.match(slug) else ""


def path_of(slug: str, data_dir: Path | None = None) -> Path:
    """The file of a set; a slug from a link that is not a plain name is refused (no path out of the folder)."""
    if not isinstance(slug, str) or not _SLUG.match(slug):
        raise SlideSetError("Unbekannter Foliensatz: der Name im Link ist ungültig.")
    return folder(data_dir) / f"{slug}.toml"


# ── validation ───────────────────────────────────────────────────────────────────────────────────────────────


def parse_set(values: dict, file_name: str, *, catalog_ids: set[str] | None = None,
              field_names: set[str] | None = None) -> SlideSet:
    """A slide set from its TOML values, checked against the catalogue and the Handlungsfelder; every problem is
    named (file, Folie n) in one SlideSetError."""
    catalog_ids = catalog_ids if catalog_ids is not None else set(load_catalog()["id"])
    field_names = field_names if field_names is not None else set(load_fields())
    where = f"Foliensatz „{file_name}“"
    problems = []
    name = values.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        problems.append(f"name fehlt oder ist länger als {MAX_NAME} Zeichen")
    kreis = values.get("kreis")
    if not (isinstance(kreis, str) and len(kreis) == 5 and kreis.isascii() and kreis.isdigit()):
        problems.append(f"kreis = {kreis!r} ist kein fünfstelliger Kreisschlüssel")
    period = values.get("period")
    if not (isinstance(period, list) and len(period) == 2 and all(isinstance(y, int) for y in period)
            and 1900 <= period[0] <= period[1] <= 2100):
        problems.append(f"period = {period!r} ist kein Zeitraum [von, bis]")
    raw_items = values.get("items", [])
    if not isinstance(raw_items, list) or len(raw_items) > MAX_ITEMS:
        problems.append(f"items muss eine Liste von höchstens {MAX_ITEMS} Folien sein")
        raw_items = []
    items = []
    for number, raw in enumerate(raw_items, start=1):
        item, problem = _parse_item(raw, catalog_ids, field_names)
        if problem:
            problems.append(f"Folie {number}: {problem}")
        else:
            items.append(item)
    if problems:
        raise SlideSetError(f"{where} fehlerhaft:\n" + "\n".join(f"- {p}" for p in problems))
    return SlideSet(name=name.strip(), kreis=kreis, year_from=period[0], year_to=period[1], items=items,
                    saved=str(values.get("saved", "")))


def _parse_item(raw, catalog_ids: set[str], field_names: set[str]) -> tuple[Item | None, str]:
    if not isinstance(raw, dict):
        return None, "kein Eintrag mit kind = …"
    kind = raw.get("kind")
    if kind not in KINDS:
        return None, f"kind = {kind!r} ist nicht erlaubt (erlaubt: {', '.join(KINDS)})"
    allowed = {"kind", *ITEM_KEYS[kind]}
    extra = sorted(set(raw) - allowed)
    if extra:
        return None, f"unbekannte Angabe(n) {', '.join(extra)} bei kind = \"{kind}\""
    if any(not isinstance(raw.get(k, ""), str) for k in ITEM_KEYS[kind]):
        return None, "Angaben müssen Text sein"
    item = Item(kind=kind, **{k: raw.get(k, "").strip() for k in ITEM_KEYS[kind]})
    if kind == "tiles":
        if item.field not in field_names:
            return None, f"unbekanntes Handlungsfeld „{item.field}“"
    elif item.indicator not in catalog_ids:
        return None, f"unbekannte Kennzahl „{item.indicator}“ (nicht im Indikatorkatalog)"
    elif kind == "breakdown" and not item.breakdown:
        return None, "breakdown fehlt (z. B. \"Nationalität\")"
    return item, ""


def check_items(items: list[Item], file_name: str = "Arbeitsstand") -> None:
    """The items of a set being edited, checked as a saved set would be."""
    parse_set({"name": "x", "kreis": "00000", "period": [2000, 2000], "items": [i.as_dict() for i in items]},
              file_name)


# ── files ────────────────────────────────────────────────────────────────────────────────────────────────────


def load_set(slug: str, data_dir: Path | None = None) -> SlideSet:
    path = path_of(slug, data_dir)
    if not path.is_file():
        raise SlideSetError(f"Den Foliensatz „{slug}“ gibt es nicht (mehr).")
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise SlideSetError(f"Foliensatz „{path.name}“ ist keine gültige TOML-Datei: {err}") from None
    return parse_set(values, path.name)


def list_sets(data_dir: Path | None = None) -> list[tuple[str, str, str]]:
    """(slug, name, saved) of every saved set, newest first; a broken file is listed with its problem as name."""
    base = folder(data_dir)
    rows = []
    for path in sorted(base.glob("*.toml")) if base.is_dir() else []:
        if not _SLUG.match(path.stem):
            continue
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
            rows.append((path.stem, str(values.get("name", path.stem)), str(values.get("saved", ""))))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            rows.append((path.stem, f"{path.name} (nicht lesbar)", ""))
    return sorted(rows, key=lambda row: row[2], reverse=True)


def save_set(slide_set: SlideSet, data_dir: Path | None = None, db_file: Path | None = None, *,
             overwrite: bool = True) -> str:
    """Write the set as data/foliensaetze/<slug>.toml (validated first, under the store's lock, atomically);
    returns the slug.  A public installation writes nothing."""
    if settings_module.settings().public:
        raise SlideSetError("In der öffentlichen Installation können keine Foliensätze gespeichert werden.")
    slug = slide_set.slug
    if not slug:
        raise SlideSetError("Bitte einen Namen mit Buchstaben oder Ziffern vergeben.")
    if not slide_set.items:
        raise SlideSetError("Der Foliensatz ist leer: erst Diagramme „zum Foliensatz“ hinzufügen.")
    slide_set.saved = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    text = slide_set.as_toml()
    parse_set(tomllib.loads(text), f"{slug}.toml")  # what is written must load again
    data_dir = Path(data_dir or DATA_DIR)
    db_file = Path(db_file or DB_FILE)
    target = folder(data_dir)
    with store.lock(data_dir, db_file):
        target.mkdir(exist_ok=True)
        path = target / f"{slug}.toml"
        if path.exists() and not overwrite:
            raise SlideSetError(f"Einen Foliensatz „{slide_set.name}“ gibt es schon.")
        store.write_atomic(path, text.encode("utf-8"))
    return slug


def delete_set(slug: str, data_dir: Path | None = None, db_file: Path | None = None) -> None:
    if settings_module.settings().public:
        raise SlideSetError("In der öffentlichen Installation können keine Foliensätze gelöscht werden.")
    data_dir = Path(data_dir or DATA_DIR)
    with store.lock(data_dir, Path(db_file or DB_FILE)):
        path_of(slug, data_dir).unlink(missing_ok=True)


# ── editing a working set (plain lists; the page keeps them in session_state) ──────────────────────────────


def added(items: list[Item], item: Item) -> list[Item]:
    """The list with the item at the end (unchanged when the same chart is in it already)."""
    return items if any(i.key() == item.key() for i in items) else [*items, item]


def moved(items: list[Item], index: int, step: int) -> list[Item]:
    """The list with items[index] moved by step (-1 up, +1 down) within bounds."""
    target = index + step
    if not (0 <= index < len(items) and 0 <= target < len(items)):
        return list(items)
    out = list(items)
    out[index], out[target] = out[target], out[index]
    return out


def removed(items: list[Item], index: int) -> list[Item]:
    return [item for number, item in enumerate(items) if number != index]
