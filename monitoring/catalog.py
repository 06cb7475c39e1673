"""The indicator catalogue (data/indicators.toml) and the Handlungsfelder (data/handlungsfelder.toml)."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .mapping import Rule

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CATALOG_FILE = DATA_DIR / "indicators.toml"
FIELDS_FILE = DATA_DIR / "handlungsfelder.toml"

HANDLUNGSFELDER = ["Sprache", "Bildung", "Arbeit", "Wohnen", "Gesundheit", "Zusammenleben", "Bevölkerung"]
CONCEPTS = {"Ausländer", "Migrationshintergrund", "Einwanderungsgeschichte", "Schutzsuchende", "Eingebürgerte", "alle Personen"}
DIRECTIONS = {"higher_better", "lower_better", "neutral"}
PERIOD_TYPES = {"Stichtag", "Jahr", "Jahresdurchschnitt", "Schuljahr"}
LEVELS = {"Kreis", "Land", "Deutschland"}

CATALOG_COLUMNS = [
    "id", "handlungsfeld", "name", "definition", "unit", "concept", "level", "source", "table", "direction",
    "period_type", "decimals", "kind", "numerator", "denominator", "denominator_total", "numerator_category",
    "factor", "caveats", "headline",
]


@lru_cache(maxsize=4)
def _load(path: Path) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def load_catalog(path: Path = CATALOG_FILE) -> pd.DataFrame:
    """One row per indicator, validated; numerator is a comma-separated list of ids."""
    entries = _load(path)["indicator"]
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
    rules = []
    for entry in _load(path)["indicator"]:
        for series in entry.get("series", []):
            rules.append(Rule.from_toml(entry["id"], series))
    return rules


def load_fields(path: Path = FIELDS_FILE) -> dict[str, dict]:
    """Handlungsfeld name -> {intro, headline, own_figures, ...} in the order of HANDLUNGSFELDER."""
    fields = _load(path)["handlungsfeld"]
    by_name = {f["name"]: f for f in fields}
    return {name: by_name[name] for name in HANDLUNGSFELDER if name in by_name}
