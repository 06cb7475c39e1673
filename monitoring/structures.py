"""The district's own structure of Handlungsfelder (data/strukturen/<name>.toml), chosen per installation.

An Integrationskonzept names its own fields: Rastatt has "Bildung und Arbeit", the Rhein-Neckar-Kreis
"Wohnraummanagement", Göppingen a field "Monitoring".  A structure file lists the district's fields in its order,
each with name, slug (its URL), intro, Querschnittsthemen and what it shows:

- ``umfasst = ["Bildung", "Arbeit"]``: the building blocks of data/handlungsfelder.toml (one per catalogue
  Handlungsfeld) whose tiles, trends, breakdowns, ranking, notes and own figures it shows -- a merged field shows
  both sets;
- and/or the same keys as in data/handlungsfelder.toml (headline, tiles, trends, breakdowns, ranking, data_note,
  own_figures), which replace what the blocks give;
- nothing at all: a field without official indicators lives from goals, measures and the district's own figures.

The structure also names the folder of its goals and measures (``ziele = "goals"``, relative to data/), so goals
are checked against the fields they name.  Which structure is in force: ``[dashboard] struktur`` in
.streamlit/integrationsmonitor.toml or INTEGRATIONSMONITOR_STRUKTUR (monitoring/settings.py); default "standard".

A broken structure is refused as a whole with every problem named by file, line and entry (StructureError).
Plain Python, no Streamlit.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import settings as settings_module
from .catalog import field_indicator_ids, load_catalog

DATA_DIR = settings_module.DATA_DIR
STRUCTURES_DIR = DATA_DIR / "strukturen"
FIELDS_FILE = DATA_DIR / "handlungsfelder.toml"
CATALOG_FILE = DATA_DIR / "indicators.toml"
DEFAULT_STRUCTURE = settings_module.DEFAULT_STRUKTUR
DEFAULT_ICON = ":material/label:"

# URL paths the dashboard's other pages use: a field's slug must not take one of them.
RESERVED_SLUGS = {"start", "ueberblick", "kreisvergleich", "daten-methodik", "ziele-massnahmen", "bericht",
                  "daten-aktualisieren"}
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LIST_KEYS = ("tiles", "trends", "breakdowns", "own_figures")
TEXT_KEYS = ("name", "slug", "icon", "intro", "headline", "ranking", "data_note")
KNOWN_KEYS = {*LIST_KEYS, *TEXT_KEYS, "umfasst", "order", "querschnittsthemen"}


class StructureError(ValueError):
    """A structure that cannot be used; the message names file, line and entry of every problem."""


@dataclass(frozen=True)
class Structure:
    id: str  # the file's stem: "rastatt"
    title: str  # "Landkreis Rastatt (Beispiel)"
    path: Path
    fields: dict[str, dict]  # name -> field entry in the structure's order (the keys of handlungsfelder.toml + more)
    goals_dir: Path
    themes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # Querschnittsthema -> indicator ids
    description: str = ""


def available(folder: Path = STRUCTURES_DIR) -> list[str]:
    """The structures shipped or written in data/strukturen/ (file stems)."""
    return sorted(p.stem for p in folder.glob("*.toml"))


def structure_file(name: str, folder: Path = STRUCTURES_DIR) -> Path:
    """data/strukturen/<name>.toml; a name with a path separator or .toml is taken as a path."""
    if "/" in name or name.endswith(".toml"):
        return Path(name) if Path(name).is_absolute() else DATA_DIR.parent / name
    return folder / f"{name}.toml"


def selected_name() -> str:
    return settings_module.settings().struktur


def load_structure(name: str | None = None, *, folder: Path = STRUCTURES_DIR, fields_file: Path = FIELDS_FILE,
                   catalog_file: Path = CATALOG_FILE) -> Structure:
    """The structure ``name`` (default: the installation's), validated against the building blocks of
    handlungsfelder.toml and the indicator catalogue."""
    name = name or selected_name()
    path = structure_file(name, folder)
    if not path.is_file():
        raise StructureError(
            f"Struktur „{name}“ nicht gefunden: {path} fehlt (vorhanden: {', '.join(available(folder)) or 'keine'}; "
            "gewählt in .streamlit/integrationsmonitor.toml [dashboard] struktur oder INTEGRATIONSMONITOR_STRUKTUR).")
    with fields_file.open("rb") as fh:
        blocks = {entry["name"]: entry for entry in tomllib.load(fh)["handlungsfeld"]}
    catalog_ids = set(load_catalog(catalog_file)["id"])
    return parse_structure(path.read_text(encoding="utf-8"), path, blocks=blocks, catalog_ids=catalog_ids)


def parse_structure(text: str, path: Path, *, blocks: dict[str, dict], catalog_ids: set[str]) -> Structure:
    """The Structure of a structure file's text; every problem at once, each with file, line and entry."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise StructureError(f"{path.name}: keine gültige TOML-Datei ({err}).") from None
    entries = raw.get("handlungsfeld", [])
    meta = raw.get("struktur", {})
    problems: list[str] = []
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise StructureError(f"{path.name}: erwartet werden Einträge [[handlungsfeld]] (mindestens einer).")
    lines = text.splitlines()
    starts = [n for n, line in enumerate(lines, start=1) if re.match(r"\s*\[\[\s*handlungsfeld\s*\]\]", line)]

    def line_of(position: int, key: str | None = None) -> int | None:
        if position >= len(starts):
            return None
        start = starts[position]
        end = starts[position + 1] if position + 1 < len(starts) else len(lines) + 1
        if key:
            for number in range(start, end):
                if re.match(rf"\s*{re.escape(key)}\s*=", lines[number - 1]):
                    return number
        return start

    fields: list[dict] = []
    for position, entry in enumerate(entries):
        name = entry.get("name", "")
        label = f"Handlungsfeld „{name}“" if isinstance(name, str) and name.strip() else f"{position + 1}. Handlungsfeld"

        def say(message: str, key: str | None = None, position=position, label=label) -> None:
            line = line_of(position, key)
            problems.append(f"{path.name}, " + (f"Zeile {line}, " if line else "") + f"{label}: {message}")

        fields.append(_field(entry, position, say, blocks, catalog_ids))

    seen_names: dict[str, int] = {}
    seen_slugs: dict[str, int] = {}
    for position, item in enumerate(fields):
        for key, seen, noun in (("name", seen_names, "Name"), ("slug", seen_slugs, "Slug")):
            value = item[key]
            if value and value in seen:
                line = line_of(position, key)
                problems.append(f"{path.name}, " + (f"Zeile {line}, " if line else "") + f"Handlungsfeld „{item['name']}“: "
                                f"{noun} „{value}“ doppelt (schon bei Eintrag {seen[value] + 1})")
            seen.setdefault(value, position)

    themes: dict[str, tuple[str, ...]] = {}
    raw_themes = raw.get("querschnittsthemen", {})
    if not isinstance(raw_themes, dict):
        problems.append(f"{path.name}: [querschnittsthemen] muss Thema = [Kennzahlen] sein")
        raw_themes = {}
    theme_line = next((n for n, line in enumerate(lines, start=1) if re.match(r"\s*\[querschnittsthemen\]", line)), None)
    for theme, ids in raw_themes.items():
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            problems.append(f"{path.name}, Zeile {theme_line}, Querschnittsthema „{theme}“: muss eine Liste von "
                            "Kennzahlen sein")
            continue
        unknown = [i for i in ids if i.partition(":")[0] not in catalog_ids]
        if unknown:
            problems.append(f"{path.name}, Zeile {theme_line}, Querschnittsthema „{theme}“: unbekannte Kennzahl(en) "
                            f"{', '.join(unknown)}")
        themes[str(theme)] = tuple(ids)

    goals_rel = meta.get("ziele", "goals") if isinstance(meta, dict) else "goals"
    if not isinstance(goals_rel, str) or not goals_rel.strip() or ".." in Path(goals_rel).parts:
        problems.append(f"{path.name}: [struktur] ziele = {goals_rel!r} ist kein Ordner unter data/")
        goals_rel = "goals"
    if problems:
        raise StructureError(f"Struktur {path} fehlerhaft, nicht übernommen:\n" + "\n".join(f"- {p}" for p in problems))
    ordered = sorted(enumerate(fields), key=lambda item: (item[1]["order"], item[0]))
    data_dir = path.parent.parent if path.parent.name == "strukturen" else DATA_DIR  # a copy of data/ has its own
    meta = meta if isinstance(meta, dict) else {}
    return Structure(id=path.stem, title=str(meta.get("name", path.stem)), path=path,
                     fields={f["name"]: f for _, f in ordered}, goals_dir=data_dir / goals_rel, themes=themes,
                     description=str(meta.get("beschreibung", "")))


def _field(entry: dict, position: int, say, blocks: dict[str, dict], catalog_ids: set[str]) -> dict:
    """One field of a structure: its building blocks merged, its own keys on top, every indicator checked."""
    for key in sorted(set(entry) - KNOWN_KEYS):
        say(f"unbekannter Schlüssel „{key}“ (erlaubt: {', '.join(sorted(KNOWN_KEYS))})", key)
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        say("name fehlt", "name")
        name = ""
    slug = entry.get("slug")
    if not isinstance(slug, str) or not SLUG_PATTERN.match(slug):
        say(f"slug = {slug!r} ist kein gültiger URL-Teil (Kleinbuchstaben, Ziffern, Bindestriche, z. B. "
            "„bildung-und-arbeit“)", "slug")
        slug = ""
    elif slug in RESERVED_SLUGS:
        say(f"slug „{slug}“ ist schon eine andere Seite des Dashboards", "slug")
    umfasst = entry.get("umfasst", [])
    if isinstance(umfasst, str):
        umfasst = [umfasst]
    if not isinstance(umfasst, list) or not all(isinstance(u, str) for u in umfasst):
        say("umfasst muss eine Liste von Handlungsfeldern aus handlungsfelder.toml sein", "umfasst")
        umfasst = []
    for block in umfasst:
        if block not in blocks:
            say(f"umfasst „{block}“: kein Handlungsfeld in handlungsfelder.toml (bekannt: {', '.join(blocks)})",
                "umfasst")
    parts = [blocks[b] for b in umfasst if b in blocks]
    merged: dict = {
        "name": name.strip(), "slug": slug or "",
        "icon": next((p.get("icon") for p in parts if p.get("icon")), DEFAULT_ICON),
        "intro": " ".join(p.get("intro", "") for p in parts).strip(),
        "headline": next((p.get("headline") for p in parts if p.get("headline")), ""),
        "tiles": [t for p in parts for t in p.get("tiles", [])],
        "trends": [t for p in parts for t in p.get("trends", [])],
        "breakdowns": [list(b) for p in parts for b in p.get("breakdowns", [])],
        "ranking": next((p.get("ranking") for p in parts if p.get("ranking")), ""),
        "data_note": " ".join(p.get("data_note", "") for p in parts if p.get("data_note")).strip(),
        "own_figures": [f for p in parts for f in p.get("own_figures", [])],
    }
    for key in TEXT_KEYS:
        if key in entry and key not in ("name", "slug"):
            if not isinstance(entry[key], str):
                say(f"{key} muss Text sein", key)
            else:
                merged[key] = entry[key]
    for key in LIST_KEYS:
        if key in entry:
            if not isinstance(entry[key], list):
                say(f"{key} muss eine Liste sein", key)
            else:
                merged[key] = list(entry[key])
    for pair in merged["breakdowns"]:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            say(f"breakdowns: {pair!r} ist nicht [Kennzahl, Aufschlüsselung]", "breakdowns")
    merged["breakdowns"] = [p for p in merged["breakdowns"] if isinstance(p, list) and len(p) == 2]
    for key, indicator_id in field_indicator_ids(merged):
        if indicator_id not in catalog_ids:
            say(f"unbekannte Kennzahl {key} = {indicator_id} (siehe Indikatorkatalog)", key if key in entry else
                "umfasst")
    themes = entry.get("querschnittsthemen", [])
    if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
        say("querschnittsthemen muss eine Liste von Texten sein", "querschnittsthemen")
        themes = []
    order = entry.get("order", position + 1)
    if isinstance(order, bool) or not isinstance(order, int):
        say(f"order = {order!r} ist keine ganze Zahl", "order")
        order = position + 1
    # block_page: the field keeps a building block's name and URL, so the block's page file (pages/<slug>.py) fits
    block_page = name.strip() in blocks and blocks[name.strip()].get("slug") == slug
    merged |= {"order": order, "querschnittsthemen": themes, "catalog_fields": list(umfasst), "block_page": block_page}
    return merged
