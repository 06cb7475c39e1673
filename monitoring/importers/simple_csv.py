"""Two small comma-separated layouts that are not official exports but carry official figures.

* **published figures** (`ags,name,indicator,period,value,unit,source_title,source_url,note`): values
  transcribed from official web pages and press releases, each row with its own source and URL.
* **derived district series** (`<code column>,year,<value columns…>`): INKAR-derived tables with one row per
  district and year and one column per indicator (county code with or without the leading zero).

Both match on codes (region code, indicator code or column name), never on labels.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from .common import ImportRejected, comma_rows, observations_frame, parse_cell, read_text

PUBLISHED_HEADER = ["ags", "name", "indicator", "period", "value", "unit", "source_title", "source_url", "note"]
CODE_COLUMNS = ("ags", "county_code", "county", "kreis", "regionalschluessel")
PERIOD_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
PERIOD_YEAR = re.compile(r"^(\d{4})$")
REGION = re.compile(r"^(DG|\d{2}|\d{5})$")


def looks_like_published(head: str) -> bool:
    return head.lstrip("\ufeff").strip().split(",")[: len(PUBLISHED_HEADER)] == PUBLISHED_HEADER


def looks_like_wide(head: str) -> bool:
    columns = [c.strip().lower() for c in head.lstrip("\ufeff").strip().split(",")]
    return len(columns) >= 3 and columns[0] in CODE_COLUMNS and columns[1] == "year"


def read_published(path: Path, data: bytes | None = None) -> pd.DataFrame:
    """Published figures: rows whose period is not a year or a date (e.g. "2023-H1", "not stated") are kept
    out of the observations and listed in the returned frame's attrs["skipped"] with the reason."""
    text, _ = read_text(path, data)
    reader = csv.DictReader(io.StringIO(text))
    rows, skipped = [], []
    for record in reader:
        line = reader.line_num
        period = (record.get("period") or "").strip()
        time = _period_to_time(period)
        if time is None:
            skipped.append((line, f"Zeitangabe „{period}“ ist weder Jahr noch Stichtag"))
            continue
        ags = (record.get("ags") or "").strip()
        if not REGION.match(ags):
            skipped.append((line, f"„{ags}“ ist kein einzelner Regionalschlüssel"))
            continue
        try:
            value, flag = parse_cell(record["value"], decimal=".")
        except ValueError as err:
            raise ImportRejected(path.name, str(err), line=line, column="value") from None
        rows.append(
            _row(path.name, line, "published_csv", path.stem, ags, record.get("name", ""), time,
                 record["indicator"].strip(), value, flag, record.get("unit", "").strip(),
                 copyright=f"{record['source_title'].strip()} ({record['source_url'].strip()})",
                 note=record.get("note", "").strip())
        )
    frame = observations_frame(rows)
    frame.attrs["skipped"] = skipped
    return frame


def read_wide(path: Path, data: bytes | None = None) -> pd.DataFrame:
    """Derived district series: one observation per district, year and value column; empty cells are gaps."""
    text, _ = read_text(path, data)
    header, lines = comma_rows(path.name, text)
    rows = []
    for line, cells in lines:
        ags = cells[0].strip().zfill(5)
        if not REGION.match(ags):
            raise ImportRejected(path.name, f"„{cells[0]}“ ist kein Kreisschlüssel.", line=line, column=header[0])
        year_text = cells[1].strip().removesuffix(".0")
        if not PERIOD_YEAR.match(year_text):
            raise ImportRejected(path.name, f"„{cells[1]}“ ist kein Jahr.", line=line, column="year")
        for column, cell in zip(header[2:], cells[2:]):
            if cell.strip() == "":
                continue  # an empty cell is a gap in the source, not a value
            try:
                value, flag = parse_cell(cell, decimal=".")
            except ValueError as err:
                raise ImportRejected(path.name, str(err), line=line, column=column) from None
            rows.append(_row(path.name, line, "wide_csv", path.stem, ags, "", year_text, column, value, flag, ""))
    if not rows:
        raise ImportRejected(path.name, "Die Datei enthält keine Werte.")
    return observations_frame(rows)


def _period_to_time(period: str) -> str | None:
    if PERIOD_DATE.match(period) or PERIOD_YEAR.match(period):
        return period
    return None


def _row(file, line, layout, table, ags, name, time, measure, value, flag, unit, copyright="", note=""):
    return {
        "source_file": file, "line": line, "layout": layout, "table": table, "statistic": table[:5],
        "ags": ags, "region_name": name.strip(), "time": time, "year": int(time[:4]), "measure": measure,
        "dims": "", "value": value, "flag": flag, "unit": unit, "stand": "", "copyright": copyright, "note": note,
    }
