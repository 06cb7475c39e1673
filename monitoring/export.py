"""Downloads: the numbers behind a view as a CSV file that German Excel opens correctly (pure, no Streamlit).

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
  ``decimals``; other numbers are written as precisely as stored ("11,72", "116180").
- A missing value (NaN, None) is an empty cell; the flag column keeps its special value ("/", ".", "-").
- Dates are ISO (2015-12-31): unambiguous, sortable, and German Excel still reads them as dates.
- Formula injection guard (OWASP "CSV injection"): a text cell that starts with "=", "+", "-", "@", tab or CR gets a
  leading apostrophe, so "=HYPERLINK(...)" arrives as text.  Not touched: numbers (they are numbers, not text),
  text that is only a number ("-5"), and a lone special-value symbol ("-" = nichts vorhanden), none of which a
  spreadsheet runs.  Header comment lines start with "# " and cannot be formulas.

Read back with ``pd.read_csv(f, sep=";", decimal=",", comment="#", encoding="utf-8-sig", dtype={"ags": str})``.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import numbers
import re

import numpy as np
import pandas as pd

from . import fmt

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")


def csv_bytes(df: pd.DataFrame, *, header_lines: list[str], decimals: dict[str, int] | None = None) -> bytes:
    """The table as a semicolon CSV for German Excel, preceded by "# " comment lines and a blank line."""
    decimals = decimals or {}
    buffer = io.StringIO(newline="")
    for line in header_lines:
        buffer.write("# " + " ".join(str(line).splitlines()) + "\r\n")
    if header_lines:
        buffer.write("\r\n")
    writer = csv.writer(buffer, delimiter=";", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([guard_text(str(column)) for column in df.columns])
    columns = [(df[column].tolist(), decimals.get(str(column))) for column in df.columns]
    for i in range(len(df)):
        writer.writerow([csv_cell(values[i], places) for values, places in columns])
    return buffer.getvalue().encode("utf-8-sig")


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
    return np.format_float_positional(number, trim="-").replace(".", ",")
