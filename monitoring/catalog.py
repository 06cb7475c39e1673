"""The indicator catalogue (data/indicators.toml + data/own_indicators.toml + data/described_indicators.toml) and
the Handlungsfelder (data/handlungsfelder.toml).

The catalogue is three files side by side: indicators.toml (official statistics, reviewed like code),
own_indicators.toml (figures only the district itself has, added by people or on the page "Daten aktualisieren")
and described_indicators.toml (official tables the reviewed catalogue does not use yet, described on the page
"Daten aktualisieren" or with `python -m monitoring import FILE --describe SNIPPET.toml`; written by
monitoring/updates.py, see monitoring/describe.py).  Every function that takes the path of indicators.toml also
reads the two files next to it, so a copy of data/ (tests, previews) carries its own catalogue; all three are
validated together.
"""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import settings
from .mapping import Rule

# The data folder of this installation (catalogue, dataset, imports); the database module uses the same one.
DATA_DIR = settings.DATA_DIR
CATALOG_FILE = DATA_DIR / "indicators.toml"
OWN_CATALOG_NAME = "own_indicators.toml"  # beside indicators.toml
DESCRIBED_CATALOG_NAME = "described_indicators.toml"  # beside indicators.toml: new tables described on the page
FIELDS_FILE = DATA_DIR / "handlungsfelder.toml"

HANDLUNGSFELDER = ["Sprache", "Bildung", "Arbeit", "Wohnen", "Gesundheit", "Zusammenleben", "Bevölkerung"]
CONCEPTS = {"Ausländer", "Migrationshintergrund", "Einwanderungsgeschichte", "Schutzsuchende", "Eingebürgerte", "alle Personen"}
DIRECTIONS = {"higher_better", "lower_better", "neutral"}
PERIOD_TYPES = {"Stichtag", "Jahr", "Jahresdurchschnitt", "Schuljahr"}
LEVELS = {"Kreis", "Land", "Deutschland"}

CATALOG_COLUMNS = [
    "id", "handlungsfeld", "name", "short_name", "definition", "unit", "concept", "level", "source", "table", "direction",
    "period_type", "decimals", "kind", "numerator", "denominator", "denominator_total", "numerator_category",
    "factor", "caveats", "headline",
]


def _load(path: Path) -> dict:
    # Keyed on the file's size and mtime: own_indicators.toml changes while the app runs (add an indicator).
    stat = path.stat()
    return _parse(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _parse(path: Path, _mtime_ns: int, _size: int) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def own_catalog_file(path: Path = CATALOG_FILE) -> Path:
    return path.with_name(OWN_CATALOG_NAME)


def described_catalog_file(path: Path = CATALOG_FILE) -> Path:
    return path.with_name(DESCRIBED_CATALOG_NAME)


def entries(path: Path = CATALOG_FILE) -> list[dict]:
    """The [[indicator]] entries of indicators.toml followed by those of own_indicators.toml and
    described_indicators.toml (each if present)."""
    result = list(_load(path)["indicator"])
    for beside in (own_catalog_file(path), described_catalog_file(path)):
        if beside.is_file():
            result += _load(beside).get("indicator", [])
    return result


def described_records(path: Path = CATALOG_FILE) -> list[dict]:
    """The [[description]] records of described_indicators.toml: what was described, from which file, when, and
    which catalogue entries it made (monitoring/describe.py)."""
    described = described_catalog_file(path)
    return list(_load(described).get("description", [])) if described.is_file() else []


def own_indicator_ids(path: Path = CATALOG_FILE) -> list[str]:
    """Ids of the own-figure indicators (own_indicators.toml), in file order."""
    own = own_catalog_file(path)
    return [entry["id"] for entry in _load(own).get("indicator", [])] if own.is_file() else []


def load_catalog(path: Path = CATALOG_FILE) -> pd.DataFrame:
    """One row per indicator (official and own), validated; numerator is a comma-separated list of ids."""
    return catalog_frame(entries(path))


def catalog_frame(entries: list[dict]) -> pd.DataFrame:
    """The catalogue table of [[indicator]] entries as parsed from TOML, validated."""
    rows = []
    for entry in entries:
        row = {c: entry.get(c) for c in CATALOG_COLUMNS}
        row["numerator"] = ",".join(entry.get("numerator", []))
        row["denominator"] = entry.get("denominator", "")
        row["denominator_total"] = bool(entry.get("denominator_total", False))
        row["numerator_category"] = entry.get("numerator_category")
        row["factor"] = float(entry.get("factor", 1))
        row["headline"] = bool(entry.get("headline", False))
        row["caveats"] = entry.get("caveats", "")
        row["short_name"] = entry.get("short_name") or entry["name"]
        rows.append(row)
    catalog = pd.DataFrame(rows, columns=CATALOG_COLUMNS)
    validate_catalog(catalog)
    return catalog


def validate_catalog(catalog: pd.DataFrame) -> None:
    problems = []
    duplicated = catalog["id"][catalog["id"].duplicated()].tolist()
    if duplicated:
        problems.append(f"doppelte ids: {duplicated}")
    ids = set(catalog["id"])
    for row in catalog.itertuples():
        where = f"Indikator {row.id}"
        for column, allowed in (("handlungsfeld", HANDLUNGSFELDER), ("concept", CONCEPTS), ("direction", DIRECTIONS),
                                ("period_type", PERIOD_TYPES), ("level", LEVELS), ("kind", {"count", "share"})):
            if getattr(row, column) not in allowed:
                problems.append(f"{where}: {column} = {getattr(row, column)!r} ist nicht erlaubt")
        for column in ("name", "definition", "unit", "source", "table"):
            if not getattr(row, column):
                problems.append(f"{where}: {column} fehlt")
        if row.kind == "share":
            parts = [p for p in row.numerator.split(",") if p] + [row.denominator]
            missing = [p for p in parts if p not in ids]
            if missing or not row.numerator or not row.denominator:
                problems.append(f"{where}: Zähler/Nenner fehlen oder unbekannt: {missing}")
    if problems:
        raise ValueError("Indikatorkatalog fehlerhaft:\n" + "\n".join(problems))


def load_rules(path: Path = CATALOG_FILE) -> list[Rule]:
    """The [[indicator.series]] rules, each with the label synonyms of its table ([label_synonyms])."""
    synonyms = label_synonyms(path)
    rules = []
    for entry in entries(path):
        for series in entry.get("series", []):
            rule = Rule.from_toml(entry["id"], series)
            rule.synonyms = synonyms.get(rule.table or "", {})
            rules.append(rule)
    return rules


def label_synonyms(path: Path = CATALOG_FILE) -> dict[str, dict[str, str]]:
    """Table code -> {label of a newer edition: label the rules use}; reviewed like code in indicators.toml."""
    synonyms = _load(path).get("label_synonyms", {})
    for table, labels in synonyms.items():
        if not isinstance(labels, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items()):
            raise ValueError(f"Indikatorkatalog fehlerhaft: [label_synonyms] {table} muss Bezeichnung = Bezeichnung sein")
    return synonyms


def load_fields(path: Path | None = None) -> dict[str, dict]:
    """Handlungsfeld name -> {intro, headline, own_figures, ...}.  Without a path: the fields of the installation's
    structure (data/strukturen/<struktur>.toml, monitoring/structures.py) in its order; with the path of a file like
    handlungsfelder.toml: its entries in the order of HANDLUNGSFELDER.  Every indicator named is checked against the
    catalogue, so a typo fails at start and not when a page runs."""
    if path is None:
        from .structures import load_structure  # structures builds on this module

        return load_structure().fields
    fields = _load(path)["handlungsfeld"]
    validate_fields(fields, set(load_catalog(path.with_name("indicators.toml"))["id"]), path.name)
    by_name = {f["name"]: f for f in fields}
    return {name: by_name[name] for name in HANDLUNGSFELDER if name in by_name}


def field_indicator_ids(field: dict) -> list[tuple[str, str]]:
    """(key, indicator id) of every indicator a Handlungsfeld entry names (tiles as "id:category")."""
    ids = [("headline", field.get("headline", ""))]
    ids += [("tiles", tile.split(":", 1)[0]) for tile in field.get("tiles", [])]
    ids += [("trends", trend) for trend in field.get("trends", [])]
    ids += [("breakdowns", pair[0]) for pair in field.get("breakdowns", [])]
    ids += [("ranking", field.get("ranking", ""))]
    return [(key, indicator_id) for key, indicator_id in ids if indicator_id]


def validate_fields(fields: list[dict], catalog_ids: set[str], file_name: str = "handlungsfelder.toml") -> None:
    problems = []
    slugs = [f.get("slug", "") for f in fields]
    problems += [f"Slug „{slug}“ doppelt" for slug in sorted({s for s in slugs if slugs.count(s) > 1})]
    for field in fields:
        unknown = [f"{key} = {i}" for key, i in field_indicator_ids(field) if i not in catalog_ids]
        if unknown:
            problems.append(f"Handlungsfeld {field.get('name', '?')}: unbekannte Kennzahl(en) {', '.join(unknown)}")
    if problems:
        raise ValueError(f"{file_name} fehlerhaft:\n" + "\n".join(problems))
