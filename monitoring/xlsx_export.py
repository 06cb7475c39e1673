"""Downloads: the numbers behind a chart as an Excel workbook (pure, no Streamlit).

``numbers_xlsx`` writes two sheets:

    Daten     the rows of the CSV (monitoring/export.py numbers_table): the same columns, "Ebene" beside the region,
              values as numbers rounded like the CSV, with a number format of the same places ("#,##0.0": German
              Excel shows 1.234,5); a gap is an empty cell, its Zeichen and Bedeutung say why
    Kontext   what the numbers are (export.context_rows): indicator, definition, concept, unit, level, source, table
              code, Stand, the filters, licence and the day of the download

Formula injection guard: every text cell goes through export.guard_text (a leading apostrophe before "=", "+", "-",
"@", tab, CR) and is stored with the string type, so neither openpyxl nor a spreadsheet ever reads it as a formula.
Control characters a workbook cannot hold are dropped (openpyxl refuses them).
"""
from __future__ import annotations

import datetime as dt
import io
import math
import numbers

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from . import export, fmt

DATA_SHEET, CONTEXT_SHEET = "Daten", "Kontext"
MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INTEGER_COLUMNS = ("Rang",)  # whole numbers, shown without places
MAX_WIDTH = 60  # characters; longer texts (sources) wrap rather than make the sheet unreadably wide
BOLD = Font(bold=True)


def numbers_xlsx(frame: pd.DataFrame, meta: pd.Series, selection: export.Selection) -> bytes:
    """The workbook behind a chart: sheet "Daten" (the CSV's rows) and sheet "Kontext" (the CSV's header lines)."""
    table, decimals = export.numbers_table(frame, meta)
    book = Workbook()
    book.properties.creator = "Integrationsmonitor"
    book.properties.title = str(meta["name"])
    data_sheet = book.active
    data_sheet.title = DATA_SHEET
    write_table(data_sheet, table, decimals)
    write_context(book.create_sheet(CONTEXT_SHEET), export.context_rows(frame, meta, selection))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_table(sheet, table: pd.DataFrame, decimals: dict) -> None:
    """Header row (bold, frozen, with a filter) and one row per table row; numbers keep their places' format."""
    for column, name in enumerate(table.columns, start=1):
        set_cell(sheet.cell(row=1, column=column), str(name)).font = BOLD
    for column, name in enumerate(table.columns, start=1):
        places = decimals.get(str(name), [None] * len(table))
        for row, value in enumerate(table[name].tolist(), start=2):
            cell = set_cell(sheet.cell(row=row, column=column), value, places[row - 2])
            if isinstance(cell.value, numbers.Number):
                cell.number_format = number_format(0 if name in INTEGER_COLUMNS else places[row - 2])
    sheet.freeze_panes = "A2"
    if len(table.columns):
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table) + 1}"
    _fit_widths(sheet)


def write_context(sheet, rows: list[tuple[str, str]]) -> None:
    """Label and text per line, the labels bold; long texts wrap."""
    for row, (label, text) in enumerate(rows, start=1):
        set_cell(sheet.cell(row=row, column=1), label).font = BOLD
        set_cell(sheet.cell(row=row, column=2), text).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = max((len(label) for label, _ in rows), default=10) + 2
    sheet.column_dimensions["B"].width = 100


def set_cell(cell, value, places: int | None = None):
    """A cell's value: numbers rounded like the CSV, dates as dates, gaps empty, text guarded and typed as text."""
    value = cell_value(value, places)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never "f": openpyxl would store a text starting with "=" as a formula
    elif isinstance(value, dt.date):
        cell.number_format = "DD.MM.YYYY"
    return cell


def cell_value(value, places: int | None = None):
    """What a cell holds: None for a gap, a float/int (rounded), a date, or guarded text."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "ja" if value else "nein"
    if isinstance(value, numbers.Number):
        return export.rounded(value, places) if math.isfinite(float(value)) else None
    if isinstance(value, (dt.date, np.datetime64)):
        return fmt.to_date(value)
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return export.guard_text(text) if text else None  # an empty Zeichen is an empty cell, not an empty text


def number_format(places: int | None) -> str:
    """Excel's format for a number of places: thousands grouped, the locale's separators (German: 1.234,5)."""
    if places is None:
        return "General"
    return "#,##0" + ("." + "0" * places if places > 0 else "")


def _fit_widths(sheet) -> None:
    for column in sheet.columns:
        longest = max((len(str(cell.value)) for cell in column if cell.value is not None), default=8)
        sheet.column_dimensions[column[0].column_letter].width = min(longest + 2, MAX_WIDTH)
