"""The district's own figures, entered in the project's template (CSV or XLSX).

One row per district, indicator and period:

    ags;indicator;period;value;flag;source;note
    08216;eigen_integrationskurs_eintritte;2024;812;;Kursträger (Summe);Beispielzeile – wird beim Import übersprungen

* ags: 5-digit district code (Excel drops the leading zero: 8216 is read as 08216), 2-digit Land or DG;
* indicator: an id of the catalogue (the list is on the template's second sheet / in the second CSV);
* period: a year (2024) or a Stichtag (2024-12-31 or 31.12.2024);
* value: the number (CSV with ";" uses the decimal comma, CSV with "," the decimal point; XLSX number cells);
  empty or a special value ("-", ".", …) only together with that symbol in flag;
* flag: "" or an official special value / quality mark (see common.SPECIAL_VALUES, QUALITY_MARKS);
* source: who supplied the figure (default "eigene Angaben des Kreises"); note: free text.

Unlike the official layouts, a wrong row does not reject the file: every problem row is listed in
``frame.attrs["rejected"]`` as {line, column, reason} so the user sees all of them at once; the frame holds
the good rows.  Whole-file problems (encoding, header, truncation, a broken or oversized XLSX) still raise
ImportRejected.  Cells are read as values, never evaluated: an XLSX formula cell and any text starting with
=, +, -, @ (what a spreadsheet would run as a formula) is rejected.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from pathlib import Path

import pandas as pd

from .common import (
    QUALITY_MARKS,
    SPECIAL_VALUES,
    ImportRejected,
    german_date_to_iso,
    observations_frame,
    parse_cell,
    read_text,
)

LAYOUT = "own_figures"
STATISTIC = "EIGENE"
TEMPLATE_COLUMNS = ["ags", "indicator", "period", "value", "flag", "source", "note"]
TEMPLATE_SHEET = "Eigene Zahlen"
EXAMPLE_NOTE = "Beispielzeile – wird beim Import übersprungen"
DEFAULT_SOURCE = "eigene Angaben des Kreises"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what Excel, LibreOffice and Google Sheets treat as a formula
TEXT_COLUMNS = ("ags", "indicator", "period", "source", "note")
MAX_TEXT = {"source": 300, "note": 1000}
REGION = re.compile(r"^(DG|\d{2}|\d{5})$")
HTML = re.compile(r"<\s*[A-Za-z/!?]")
# An XLSX is a zip: the same kind of limits as for GENESIS zips, sized for a spreadsheet.
MAX_XLSX_MEMBERS = 200
MAX_XLSX_UNZIPPED = 200 * 1024 * 1024
XLSX_BOMB_RATIO = 200


class _Rows:
    """Collects good observations, rejected rows and warnings of one file."""

    def __init__(self, file: str):
        self.file = file
        self.good: list[dict] = []
        self.rejected: list[dict] = []
        self.warnings: list[dict] = []
        self.skipped: list[tuple[int, str]] = []

    def reject(self, line: int, column: str, reason: str) -> None:
        self.rejected.append({"file": self.file, "line": line, "column": column, "reason": reason})

    def frame(self) -> pd.DataFrame:
        frame = observations_frame(_without_conflicts(self, self.good))
        frame.attrs.update(rejected=self.rejected, warnings=self.warnings, skipped=self.skipped)
        return frame


# ----------------------------------------------------------------------------------------------- detection


def looks_like_own_figures(head: str) -> bool:
    first = head.lstrip("\ufeff").split("\n", 1)[0].strip()
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return [c.strip().strip('"').lower() for c in first.split(delimiter)] == TEMPLATE_COLUMNS


def is_xlsx(path: Path, raw: bytes) -> bool:
    """An .xlsx by name, or any zip holding a workbook (read from the central directory only)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return True
    if raw[:4] != b"PK\x03\x04":
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


# --------------------------------------------------------------------------------------------------- CSV


def read_own_figures(path: Path, data: bytes | None = None) -> pd.DataFrame:
    text, _encoding = read_text(path, data)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    # German Excel saves ";" with decimal comma, English Excel "," with decimal point.
    decimal = "," if delimiter == ";" else "."
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    _check_header(path.name, [c.strip().lower() for c in next(reader)])
    rows = _Rows(path.name)
    records = list(_numbered(reader))
    if records and not text.endswith(("\n", "\r")) and len(records[-1][1]) < len(TEMPLATE_COLUMNS):
        raise ImportRejected(path.name, "Die Datei endet mitten in einer Zeile: sie ist vermutlich abgeschnitten.",
                             line=records[-1][0])
    for line, cells in records:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(TEMPLATE_COLUMNS):
            rows.reject(line, "", f"Die Zeile hat {len(cells)} statt {len(TEMPLATE_COLUMNS)} Felder.")
            continue
        _add_row(rows, line, dict(zip(TEMPLATE_COLUMNS, cells)), {}, decimal)
    return rows.frame()


def _numbered(reader):
    for cells in reader:
        yield reader.line_num, cells


# -------------------------------------------------------------------------------------------------- XLSX


def read_own_figures_xlsx(path: Path, data: bytes | None = None) -> pd.DataFrame:
    """The sheet "Eigene Zahlen" (else the first sheet); the lists on the other sheets are not read."""
    from openpyxl import load_workbook

    raw = path.read_bytes() if data is None else data
    _check_xlsx_zip(path.name, raw)
    try:
        # data_only=False: a formula cell comes back as its formula text (type "f"), never as a value Excel computed.
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except Exception as err:  # openpyxl raises many kinds for a damaged workbook
        raise ImportRejected(path.name, f"Die Excel-Datei lässt sich nicht lesen ({type(err).__name__}); "
                                        "bitte als .xlsx neu speichern.") from None
    try:
        sheet = workbook[TEMPLATE_SHEET] if TEMPLATE_SHEET in workbook.sheetnames else workbook.worksheets[0]
        return _read_sheet(path.name, sheet.iter_rows())
    finally:
        workbook.close()


def _check_xlsx_zip(file: str, raw: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise ImportRejected(file, "Die Excel-Datei ist beschädigt oder unvollständig (kein gültiges XLSX).") from None
    total = sum(m.file_size for m in members)
    if len(members) > MAX_XLSX_MEMBERS or total > MAX_XLSX_UNZIPPED:
        raise ImportRejected(file, f"Die Excel-Datei ist entpackt zu groß ({len(members)} Teile, "
                                   f"{total / 1e6:.0f} MB); erwartet wird die Vorlage für eigene Zahlen.")
    for member in members:
        if member.file_size / max(member.compress_size, 1) > XLSX_BOMB_RATIO and member.file_size > 50e6:
            raise ImportRejected(file, f"„{member.filename}“ ist extrem stark komprimiert: vermutlich eine "
                                       "ZIP-Bombe. Import abgelehnt.")


def _read_sheet(file: str, row_iter) -> pd.DataFrame:
    rows = _Rows(file)
    header = None
    for cells in row_iter:
        values = [c.value for c in cells]
        if header is None:
            if any(v not in (None, "") for v in values):
                header = [str(v or "").strip().lower() for v in values]
                header = header[: max(i for i, h in enumerate(header) if h) + 1]
                _check_header(file, header)
            continue
        if all(v in (None, "") for v in values[: len(TEMPLATE_COLUMNS)]):
            continue
        line = next(c.row for c in cells if getattr(c, "row", None))
        record = {name: values[i] if i < len(values) else None for i, name in enumerate(TEMPLATE_COLUMNS)}
        formulas = {name: cells[i].coordinate for i, name in enumerate(TEMPLATE_COLUMNS)
                    if i < len(cells) and getattr(cells[i], "data_type", "") == "f"}
        _add_row(rows, line, record, formulas, decimal=None)
    if header is None:
        raise ImportRejected(file, "Die Tabelle „Eigene Zahlen“ ist leer.")
    return rows.frame()


# ----------------------------------------------------------------------------------------------- one row


def _check_header(file: str, header: list[str]) -> None:
    if header != TEMPLATE_COLUMNS:
        raise ImportRejected(
            file, f"Die Kopfzeile muss genau „{', '.join(TEMPLATE_COLUMNS)}“ lauten (Vorlage für eigene Zahlen), "
                  f"gefunden: „{', '.join(header)}“.", line=1)


def _add_row(rows: _Rows, line: int, record: dict, formulas: dict, decimal: str | None) -> None:
    """Check one template row; a good row becomes an observation, a bad one a rejection per problem."""
    before = len(rows.rejected)
    for column, cell in formulas.items():
        rows.reject(line, column, f"Zelle {cell} enthält eine Formel. Formeln werden nicht ausgeführt und nicht "
                                  "übernommen: bitte den Wert eintragen.")
    if formulas:
        return
    text = {c: _text(record.get(c)) for c in TEXT_COLUMNS + ("flag",)}
    if text["note"] == EXAMPLE_NOTE:
        rows.skipped.append((line, "Beispielzeile der Vorlage"))
        return
    for column in TEXT_COLUMNS:
        if text[column].startswith(FORMULA_START):
            rows.reject(line, column, f"Der Text beginnt mit „{text[column][0]}“ und würde in einer Tabellen"
                                      "kalkulation als Formel ausgeführt; er wird nicht übernommen.")
        elif len(text[column]) > MAX_TEXT.get(column, 100):
            rows.reject(line, column, f"Der Text ist länger als {MAX_TEXT.get(column, 100)} Zeichen.")
        elif HTML.search(text[column]):
            rows.warnings.append({"file": rows.file, "line": line, "column": column,
                                  "message": "Der Text enthält HTML- oder Skript-Zeichen; er wird nur als Text "
                                             "gespeichert und angezeigt."})
    ags = _ags(rows, line, record.get("ags"))
    period = _period(rows, line, record.get("period"))
    value, flag = _value(rows, line, record.get("value"), text["flag"], decimal)
    if not text["indicator"]:
        rows.reject(line, "indicator", "Die Kennzahl (indicator) fehlt.")
    if len(rows.rejected) > before:
        return
    rows.good.append({
        "source_file": rows.file, "line": line, "layout": LAYOUT, "table": text["source"] or DEFAULT_SOURCE,
        "statistic": STATISTIC, "ags": ags, "region_name": "", "time": period, "year": int(period[:4]),
        "measure": text["indicator"], "dims": "", "value": value, "flag": flag, "unit": "", "stand": "",
        "copyright": DEFAULT_SOURCE, "note": text["note"],
    })


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return re.sub(r"[\r\n]+", " ", str(value)).strip() if not str(value).startswith(FORMULA_START) else str(value)


def _ags(rows: _Rows, line: int, cell) -> str:
    code = _text(cell).upper()
    if re.fullmatch(r"\d|\d{4}", code):
        code = "0" + code  # Excel dropped the leading zero of 08 / 08216
    if not REGION.match(code):
        rows.reject(line, "ags", f"„{_text(cell)}“ ist kein Regionalschlüssel: erwartet werden 5 Ziffern für einen "
                                 "Kreis (08216), 2 für ein Land (08) oder DG.")
    return code


def _period(rows: _Rows, line: int, cell) -> str:
    if isinstance(cell, (dt.datetime, dt.date)):
        return (cell.date() if isinstance(cell, dt.datetime) else cell).isoformat()
    text = _text(cell)
    iso = german_date_to_iso(text) or text
    if re.fullmatch(r"\d{4}", iso) and 1950 <= int(iso) <= 2100:
        return iso
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso):
            return dt.date.fromisoformat(iso).isoformat()
    except ValueError:
        pass
    rows.reject(line, "period", f"„{text}“ ist kein Zeitraum: erwartet wird ein Jahr (2024) oder ein Stichtag "
                                "(2024-12-31 oder 31.12.2024).")
    return "0000"


def _value(rows: _Rows, line: int, cell, flag: str, decimal: str | None) -> tuple[float | None, str]:
    if flag and flag not in SPECIAL_VALUES and flag not in QUALITY_MARKS:
        rows.reject(line, "flag", f"„{flag}“ ist kein bekanntes Zeichen (erlaubt: {' '.join(SPECIAL_VALUES)} "
                                  f"bzw. {' '.join(QUALITY_MARKS)}).")
        return None, ""
    if isinstance(cell, bool) or (cell is not None and not isinstance(cell, (int, float, str))):
        rows.reject(line, "value", f"„{cell}“ ist keine Zahl.")
        return None, flag
    if isinstance(cell, (int, float)):
        number = float(cell)
        if not math.isfinite(number):
            rows.reject(line, "value", "Der Wert ist keine endliche Zahl.")
        return _with_flag(rows, line, number, flag)
    text = _text(cell)
    if text == "" or text in SPECIAL_VALUES:
        special = text or flag
        if special not in SPECIAL_VALUES:
            rows.reject(line, "value", "Der Wert fehlt. Eine Lücke bitte mit einem Sonderzeichen in „flag“ "
                                       "angeben (z. B. „.“ = unbekannt oder geheim).")
        return None, special
    return _with_flag(rows, line, _number(rows, line, text, decimal), flag)


def _number(rows: _Rows, line: int, text: str, decimal: str | None) -> float | None:
    for mark in ([decimal] if decimal else [",", "."]):
        try:
            return parse_cell(text, decimal=mark)[0]
        except ValueError:
            continue
    hint = " (Dezimalkomma bei „;“-getrennter CSV, Dezimalpunkt bei „,“-getrennter)" if decimal else ""
    rows.reject(line, "value", f"„{text}“ ist keine Zahl{hint}.")
    return None


def _with_flag(rows: _Rows, line: int, number: float | None, flag: str) -> tuple[float | None, str]:
    if number is not None and flag in SPECIAL_VALUES and flag not in QUALITY_MARKS:
        rows.reject(line, "flag", f"Sonderzeichen „{flag}“ steht für eine Lücke, aber ein Wert ist angegeben.")
    return number, flag


def _without_conflicts(rows: _Rows, good: list[dict]) -> list[dict]:
    """Two rows for the same district, indicator and period: identical ones are kept once (with a warning),
    contradicting ones are both rejected."""
    by_key: dict[tuple, list[dict]] = {}
    for row in good:
        period = row["time"] if len(row["time"]) == 10 else f"{row['time']}-12-31"
        by_key.setdefault((row["ags"], row["measure"], period), []).append(row)
    kept = []
    for (ags, indicator, period), group in by_key.items():
        values = {(r["value"], r["flag"]) for r in group}
        lines = ", ".join(str(r["line"]) for r in group)
        if len(values) > 1:
            for r in group:
                rows.reject(r["line"], "value", f"Widersprüchliche Doppelangabe: {indicator} für {ags}, {period} "
                                                f"steht mit verschiedenen Werten in den Zeilen {lines}.")
            continue
        if len(group) > 1:
            rows.warnings.append({"file": rows.file, "line": group[1]["line"], "column": "",
                                  "message": f"Doppelte Zeile (gleicher Wert in den Zeilen {lines}); "
                                             "einmal übernommen."})
        kept.append(group[0])
    return sorted(kept, key=lambda r: r["line"])
