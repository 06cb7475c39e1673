"""Plain CSV extracts that others made of official tables, read through a declaration in data/extracts.toml.

Such a file has no table code, no Stichtag and no licence line of its own: everything the store must keep beside
a value (the statistic, the Stichtag, where the extract came from, what to say about it) comes from its
declaration, which is reviewed like code.  A file is this extract when its header is exactly the declared one.

    [[extract]]
    id = "zensus2022-gemeinden-bw"          # the table code its observations carry
    header = ["ags", "name", "population", …]
    region = "ags"                           # column of the region key (AGS; 8 digits = Gemeinde)
    region_name = "name"
    time = "2022-05-15"                      # the Stichtag of every value
    values = { population = "Anzahl", … }    # value columns and their units
    empty = "."                              # what an empty cell is (a special value; "" = leave the gap unflagged)
    decimal = "."                            # decimal mark of the numbers
    origin = "…"                             # where the extract came from (repository, path, commit)
    copyright = "© …"                        # the attribution the official source asks for
    note = "…"                               # kept on every value (rounding, suppression, …)
"""
from __future__ import annotations

import csv
import re
import tomllib
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .common import SPECIAL_VALUES, ImportRejected, comma_rows, observations_frame, parse_cell, parse_time, read_text

REGION_KEY = re.compile(r"^(DG|\d{2}|\d{5}|\d{8}|\d{12})$")
REQUIRED = ("id", "header", "region", "time", "values", "origin", "copyright")


def extracts_file() -> Path:
    from ..catalog import DATA_DIR  # the installation's data folder (settings live in catalog)

    return DATA_DIR / "extracts.toml"


@lru_cache(maxsize=4)
def _declarations(path: Path, _mtime_ns: int) -> tuple[dict, ...]:
    with path.open("rb") as fh:
        entries = tomllib.load(fh).get("extract", [])
    for entry in entries:
        validate_declaration(entry)
    return tuple(entries)


def declarations(path: Path | None = None) -> tuple[dict, ...]:
    path = path or extracts_file()
    return _declarations(path, path.stat().st_mtime_ns) if path.is_file() else ()


def validate_declaration(entry: dict) -> None:
    """A declaration that cannot be followed is refused when it is loaded, not when a file happens to match."""
    name = entry.get("id", "?")
    missing = [key for key in REQUIRED if not entry.get(key)]
    if missing:
        raise ValueError(f"extracts.toml, Auszug {name}: Angaben fehlen: {', '.join(missing)}")
    header = entry["header"]
    unknown = [c for c in [entry["region"], entry.get("region_name", ""), *entry["values"]] if c and c not in header]
    if unknown:
        raise ValueError(f"extracts.toml, Auszug {name}: Spalten nicht in header: {', '.join(unknown)}")
    if parse_time(entry["time"]) is None:
        raise ValueError(f"extracts.toml, Auszug {name}: time = {entry['time']!r} ist kein Stichtag und kein Jahr")
    if entry.get("empty", "") not in ("", *SPECIAL_VALUES):
        raise ValueError(f"extracts.toml, Auszug {name}: empty = {entry['empty']!r} ist kein Sonderzeichen")


def _split_header(first_line: str) -> list[str]:
    return [c.strip().strip('"') for c in next(csv.reader([first_line.lstrip("\ufeff")]))]


def declaration_for(first_line: str) -> dict | None:
    header = _split_header(first_line)
    return next((entry for entry in declarations() if list(entry["header"]) == header), None)


def looks_like_declared(first_line: str) -> bool:
    return declaration_for(first_line) is not None


def read_declared(path: Path, data: bytes | None = None) -> pd.DataFrame:
    """One observation per row and declared value column; an empty cell is the declared special value."""
    text, _encoding = read_text(path, data)
    header, lines = comma_rows(path.name, text)
    entry = declaration_for(",".join(header))
    if entry is None:
        raise ImportRejected(path.name, "Kein in data/extracts.toml beschriebener Auszug.", line=1)
    time = parse_time(entry["time"])
    at = {name: header.index(name) for name in header}
    rows = []
    for line, cells in lines:
        region = cells[at[entry["region"]]].strip()
        if not REGION_KEY.match(region):
            raise ImportRejected(path.name, f"„{region}“ ist kein Regionalschlüssel.", line=line, column=entry["region"])
        name = cells[at[entry["region_name"]]].strip() if entry.get("region_name") else ""
        for column, unit in entry["values"].items():
            value, flag = _value(path.name, cells[at[column]], entry, line, column)
            rows.append({
                "source_file": path.name, "line": line, "layout": "declared_csv", "table": entry["id"],
                "statistic": entry.get("statistic", entry["id"][:5]), "ags": region, "region_name": name,
                "time": time.time, "year": time.year, "time_label": time.label, "measure": column, "dims": "",
                "value": value, "flag": flag, "unit": unit, "stand": entry.get("stand", ""),
                "copyright": f"{entry['copyright']}; Auszug: {entry['origin']}", "note": entry.get("note", ""),
            })
    if not rows:
        raise ImportRejected(path.name, "Die Datei enthält keine Werte.")
    return observations_frame(rows)


def _value(file: str, cell: str, entry: dict, line: int, column: str) -> tuple[float, str]:
    if cell.strip() == "":
        return float("nan"), entry.get("empty", "")
    try:
        value, flag = parse_cell(cell, decimal=entry.get("decimal", "."))
    except ValueError as err:
        raise ImportRejected(file, str(err), line=line, column=column) from None
    return (float("nan") if value is None else value), flag
