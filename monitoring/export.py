"""Downloads: the numbers behind a view as a CSV file that German Excel opens correctly (pure, no Streamlit).

A chart's download (``numbers_csv``; the XLSX is monitoring/xlsx_export.py) takes its rows from ``numbers_table``
and its context from ``context_rows`` (indicator, definition, concept, unit, level, source, table code, Stand, the
filters, licence, day of download), so both files say the same.

``csv_bytes`` writes

    # <header line>            one comment line each: source, filters, Stand, licence
    # ...
                               a blank line
    ags;name;period;value;flag the table, separated by semicolons
    08216;Rastatt;2015-12-31;12,3;
    08216;Rastatt;2016-12-31;;/

- UTF-8 with byte-order mark, so Excel detects the encoding (umlauts, "–", "©"); lines end in CRLF (RFC 4180).
- Numbers with a decimal comma and no thousands separator (German Excel reads "1234,5" as a number, but
  "1.234,5" in a CSV only by luck); negative numbers keep their hyphen-minus ("-5").  Per-column decimals come from
  ``decimals`` (one number for the column, or one per row when the rows are different indicators); for an
  indicator's values that is its catalogue decimals, for values derived from it (shares, changes, percentiles
  computed here) one more (``value_decimals``).  Other numbers are written as stored but without binary float noise
  (at most 10 significant digits: "-3,6", never "-3,5999999999999996").
- A missing value (NaN, None) is an empty cell; the flag column keeps its special value ("/", ".", "-").
- Dates are ISO (2015-12-31): unambiguous, sortable, and German Excel still reads them as dates.
- Where rows are of different levels, ``with_level`` adds a column "Ebene" (Kreis, Land, Deutschland from the
  AGS: 5 digits, 2 digits, "DG"), so a Land value is never read as the district's.
- Formula injection guard (OWASP "CSV injection"): a text cell that starts with "=", "+", "-", "@", tab or CR gets a
  leading apostrophe, so "=HYPERLINK(...)" arrives as text.  Not touched: numbers (they are numbers, not text),
  text that is only a number ("-5"), and a lone special-value symbol ("-" = nichts vorhanden), none of which a
  spreadsheet runs.  Header comment lines start with "# " and cannot be formulas.

Read back with ``pd.read_csv(f, sep=";", decimal=",", comment="#", encoding="utf-8-sig", dtype={"ags": str})``.
"""
from __future__ import annotations

import csv
import datetime as dt
import html
import io
import math
import numbers
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import fmt, provenance

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")
SIGNIFICANT_DIGITS = 10  # numbers without given decimals: enough for any count, and no float noise
LEVEL_COLUMN = "Ebene"


def csv_bytes(df: pd.DataFrame, *, header_lines: list[str], decimals: dict | None = None) -> bytes:
    """The table as a semicolon CSV for German Excel, preceded by "# " comment lines and a blank line.

    decimals: column -> places, either one int for the column or a sequence with one entry (int or None) per row.
    """
    decimals = {str(column): _per_row(places, len(df)) for column, places in (decimals or {}).items()}
    buffer = io.StringIO(newline="")
    for line in header_lines:
        buffer.write("# " + " ".join(str(line).splitlines()) + "\r\n")
    if header_lines:
        buffer.write("\r\n")
    writer = csv.writer(buffer, delimiter=";", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([guard_text(str(column)) for column in df.columns])
    columns = [(df[column].tolist(), decimals.get(str(column), [None] * len(df))) for column in df.columns]
    for i in range(len(df)):
        writer.writerow([csv_cell(values[i], places[i]) for values, places in columns])
    return buffer.getvalue().encode("utf-8-sig")


def _per_row(places, rows: int) -> list:
    if places is None or isinstance(places, numbers.Integral):
        return [None if places is None else int(places)] * rows
    places = list(places)
    if len(places) != rows:
        raise ValueError(f"decimals: {len(places)} Angaben für {rows} Zeilen")
    return [None if p is None or (isinstance(p, float) and math.isnan(p)) else int(p) for p in places]


def value_decimals(decimals: int, derived: bool = False) -> int:
    """Places for an exported value: the indicator's decimals, one more for a value derived from it (a share, a
    change or a percentile computed by the monitor), so a derived figure keeps the precision it was computed with."""
    return int(decimals) + (1 if derived else 0)


def region_level(ags) -> str:
    """"Kreis" for a 5-digit AGS, "Land" for 2 digits, "Deutschland" for "DG"; "" for anything else."""
    code = "" if ags is None or (isinstance(ags, float) and math.isnan(ags)) else str(ags).strip()
    if code.upper() == "DG":
        return "Deutschland"
    if code.isdigit() and len(code) == 5:
        return "Kreis"
    if code.isdigit() and len(code) == 2:
        return "Land"
    return ""


def with_level(table: pd.DataFrame, ags, *, after: str | None = None) -> pd.DataFrame:
    """A copy of table with a column "Ebene" (Kreis / Land / Deutschland, from ``ags``: a column name of table or
    one AGS per row) after column ``after`` (default: after the AGS column, or first)."""
    codes = table[ags] if isinstance(ags, str) and ags in table else pd.Series(list(ags), index=table.index)
    if len(codes) != len(table):
        raise ValueError(f"with_level: {len(codes)} AGS für {len(table)} Zeilen")
    out = table.drop(columns=[LEVEL_COLUMN], errors="ignore")
    anchor = after if after in out.columns else (ags if isinstance(ags, str) and ags in out.columns else None)
    position = out.columns.get_loc(anchor) + 1 if anchor is not None else 0
    out.insert(position, LEVEL_COLUMN, [region_level(code) for code in codes])
    return out


def csv_cell(value, decimals: int | None = None) -> str:
    """One cell: numbers with decimal comma, NaN empty, dates ISO, text guarded against formulas."""
    if value is None or value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "ja" if value else "nein"
    if isinstance(value, numbers.Number):
        return _number(value, decimals)
    if isinstance(value, (dt.date, np.datetime64)):  # datetime and Timestamp are dates too
        day = fmt.to_date(value)
        return "" if day is None else day.isoformat()
    return guard_text(str(value))


def guard_text(text: str) -> str:
    """Prefix "'" to text a spreadsheet would run as a formula; plain numbers and flag symbols stay as they are."""
    if not text.startswith(FORMULA_STARTS):
        return text
    if text in fmt.FLAG_MEANINGS or _PLAIN_NUMBER.match(text):
        return text
    return "'" + text


def _number(value, decimals: int | None) -> str:
    number = float(value)
    if not math.isfinite(number):
        return ""
    if decimals is not None:
        return fmt.fmt_number(number, decimals, thousands=False)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    cleaned = float(f"{number:.{SIGNIFICANT_DIGITS}g}")  # -3.5999999999999996 -> -3.6
    if cleaned == 0:
        cleaned = 0.0  # no "-0"
    return np.format_float_positional(cleaned, trim="-").replace(".", ",")


# ── the numbers behind a chart: one table and one context for the CSV and the XLSX ───────────────────────────

TABLE_COLUMNS = {"name": "Region", "category": "Kategorie", "period": "Stichtag", "value": "Wert", "flag": "Zeichen",
                 "rank": "Rang", "basis": "Basis", "source": "Quelle", "stand": "Stand"}
OWN_BASIS = "eigene Angaben"  # monitoring/ingest.py: the district's own figures, not under the official licence


@dataclass(frozen=True)
class Selection:
    """The filters a download was made with, in words (the Streamlit side fills it from its Filters)."""
    kreis: str
    kreis_name: str
    comparison: tuple[str, ...]  # names of the benchmark regions
    year_from: int
    year_to: int
    downloaded: dt.date


def display_table(frame: pd.DataFrame, meta: pd.Series) -> pd.DataFrame:
    """A chart's rows with German column names, German Stichtage and the meaning beside each special value."""
    table = frame[[c for c in TABLE_COLUMNS if c in frame.columns]].rename(columns=TABLE_COLUMNS)
    if "Stichtag" in table:
        table["Stichtag"] = table["Stichtag"].map(lambda p: fmt.fmt_period(p, meta["period_type"]))
    if "Zeichen" in table:
        table.insert(table.columns.get_loc("Zeichen") + 1, "Bedeutung", table["Zeichen"].map(fmt.flag_meaning))
    return table


def numbers_table(frame: pd.DataFrame, meta: pd.Series) -> tuple[pd.DataFrame, dict]:
    """The table of a download and its decimals: display_table with a column "Ebene" (Kreis / Land / Deutschland)
    and the values' places per row (the indicator's decimals, one more for the monitor's own calculations)."""
    table = display_table(frame, meta)
    if "ags" in frame:
        table = with_level(table, frame["ags"].tolist(), after="Region")
    bases = frame["basis"].fillna("") if "basis" in frame else pd.Series([""] * len(frame))
    places = [value_decimals(int(meta["decimals"]), str(b).startswith("eigene Berechnung")) for b in bases]
    return table, {"Wert": places}


def context_rows(frame: pd.DataFrame, meta: pd.Series, selection: Selection) -> list[tuple[str, str]]:
    """What a download's numbers are, as (label, text) pairs: the CSV's header lines and the XLSX's "Kontext"."""
    return [
        ("Kennzahl", f"{meta['name']} ({meta['unit']}), Kennung {meta['id']}"),
        ("Definition", str(meta["definition"])),
        ("Konzept", str(meta.get("concept") or "nicht angegeben")),
        ("Einheit", str(meta["unit"])),
        ("Ebene", _levels(frame, meta)),
        ("Quelle", html.unescape(provenance.source_line(frame, meta)).removeprefix("Quelle: ")),
        ("Tabelle", _table_codes(frame, meta)),
        ("Stand", provenance.fmt_stand(_newest_stand(frame))),
        ("Kreis", f"{selection.kreis_name} ({selection.kreis})"),
        ("Vergleich", ", ".join(selection.comparison) or "keine"),
        ("Zeitraum", f"{selection.year_from}–{selection.year_to}"),
        ("Lizenz", _licences(frame)),
        ("Heruntergeladen am", fmt.fmt_date(selection.downloaded)),
    ]


def _levels(frame: pd.DataFrame, meta: pd.Series) -> str:
    """The levels of the rows shown, district first; without AGS the indicator's own level."""
    found = {region_level(a) for a in frame["ags"]} - {""} if "ags" in frame else set()
    order = ("Kreis", "Land", "Deutschland")
    return ", ".join(level for level in order if level in found) or str(meta.get("level") or "nicht angegeben")


def _table_codes(frame: pd.DataFrame, meta: pd.Series) -> str:
    sources = "; ".join(frame["source"].dropna()).split("; ") if "source" in frame else []
    codes = sorted({s for s in sources if provenance.TABLE_CODE.match(s)})
    fallback = str(meta.get("table") or "")
    return ", ".join(codes) or fallback or "keine amtliche Tabelle"


def _newest_stand(frame: pd.DataFrame) -> str | None:
    stands = sorted(s for s in frame["stand"].dropna() if s) if "stand" in frame else []
    return stands[-1] if stands else None


def _licences(frame: pd.DataFrame) -> str:
    """The official licence, and the note for the district's own figures where the rows have some."""
    bases = frame["basis"].fillna("").astype(str) if "basis" in frame else pd.Series([""] * len(frame), dtype=str)
    own = bases.str.startswith(OWN_BASIS)
    official = [provenance.LICENCE] if (~own).any() or frame.empty else []
    return "; ".join(official + ([provenance.OWN_LICENCE] if own.any() else []))


def numbers_csv(frame: pd.DataFrame, meta: pd.Series, selection: Selection) -> bytes:
    """The CSV behind a chart: the context as header lines, then the rows with "Ebene" and rounded values."""
    table, decimals = numbers_table(frame, meta)
    header = [f"{label}: {text}" for label, text in context_rows(frame, meta, selection)]
    return csv_bytes(table, header_lines=header, decimals=decimals)


def rounded(value, places: int | None):
    """A number as the CSV writes it, as a number again (the same rounding: half up on the decimal text)."""
    if isinstance(value, numbers.Integral):
        return int(value)
    if places is None:
        number = float(f"{float(value):.{SIGNIFICANT_DIGITS}g}")
    else:
        number = float(fmt.fmt_number(float(value), places, thousands=False).replace(",", "."))
    return number + 0.0  # -0.0 becomes 0.0


def numbers_file_name(indicator_id: str, kreis: str, day: dt.date, extension: str) -> str:
    """"auslaenderanteil_08216_2026-06-01.xlsx": indicator, district code and the day of the download."""
    return f"{indicator_id}_{kreis}_{day.isoformat()}.{extension}"
