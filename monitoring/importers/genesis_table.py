"""GENESIS / regionalstatistik.de table CSV ("Tabellenformat", the download behind the CSV button).

The layout, as the Statistische Ämter write it:

    GENESIS-Tabelle: 12411-01-01-4              <- table code (always the first line; newer downloads of
                                                   regionalstatistik.de write "Tabelle: 13211-02-05-4")
    Bevölkerungsstand: …;;;;                    <- title block of varying length; may hold the Stichtag
    ;;31.12.2015;31.12.2015;31.12.2014          <- stacked column headers: the first cells (the "stub") are
    ;;Insgesamt;männlich;Insgesamt                 empty, labels repeat across the columns they cover;
    ;;Anzahl;Anzahl;Anzahl                         a row of units; years/dates may run across the columns
    DG;Deutschland;82175684;40514123;81197537   <- data: [time;] region code; indented name; [row labels;] values
    __________                                  <- end of data
    footnotes, "© Statistische Ämter …, 2017.", licence, "Stand: 10.10.2017 / 11:57:53"

The format has codes for the table and the regions only; columns are identified by their header path
(the labels stacked over them).  The build step matches those paths per table code.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .common import ImportRejected, Time, german_date_to_iso, observations_frame, parse_cell, parse_time, read_text

FIRST_LINE = re.compile(r'^\ufeff?"?(?:GENESIS-)?Tabelle:\s*([0-9A-Za-z][0-9A-Za-z.\-]*)')
END_OF_DATA = "__________"
REGION_CODE = re.compile(r"^(DG|\d{2}|\d{3}|\d{5}|\d{8})$")
UNITS = {"anzahl", "prozent", "eur", "tsd. eur", "1000 eur", "mill. eur", "m²", "qkm", "ha", "jahre", "%", "1000"}
DATE = re.compile(r"(\d{2}\.\d{2}\.\d{4})")
YEAR = re.compile(r"^(19|20)\d{2}$")


def looks_like_genesis_table(head: str) -> bool:
    """True if the first line of a decoded file is a GENESIS table header."""
    return bool(FIRST_LINE.match(head.lstrip()))


@dataclass
class _Table:
    file: str
    code: str
    title: list[str] = field(default_factory=list)
    header_rows: list[list[str]] = field(default_factory=list)
    data_rows: list[tuple[int, list[str]]] = field(default_factory=list)
    footer: str = ""


def read_genesis_table(path: Path, data: bytes | None = None) -> pd.DataFrame:
    """Read one table CSV into observations (see common.OBS_COLUMNS); reject it whole if any part is wrong."""
    text, _encoding = read_text(path, data)
    table = _split(path.name, text)
    stub = _stub_width(table)
    columns = _column_headers(table, stub)
    table_time = _time_from_title(table.title)
    stand, copyright_line = _footer_facts(table.footer)
    rows = []
    for line_no, cells in table.data_rows:
        rows.extend(_observations_of_row(table, line_no, cells, stub, columns, table_time, stand, copyright_line))
    if not rows:
        raise ImportRejected(path.name, "Die Tabelle enthält keine Datenzeilen.")
    return observations_frame(rows)


def _split(file: str, text: str) -> _Table:
    """Cut the file into title block, header rows, data rows and footer."""
    lines = text.splitlines()
    match = FIRST_LINE.match(lines[0]) if lines else None
    if not match:
        raise ImportRejected(
            file, "Kein GENESIS-Tabellenformat: die erste Zeile muss mit „GENESIS-Tabelle:“ oder „Tabelle:“ beginnen.",
            line=1,
        )
    table = _Table(file=file, code=match.group(1))
    try:
        end = next(i for i, line in enumerate(lines) if line.startswith(END_OF_DATA))
    except StopIteration:
        raise ImportRejected(
            file, f"Das Tabellenende („{END_OF_DATA}“) fehlt: die Datei ist vermutlich abgeschnitten.", line=len(lines)
        ) from None
    table.footer = "\n".join(lines[end + 1 :])
    in_header = False
    for offset, cells in enumerate(csv.reader(io.StringIO("\n".join(lines[1:end])), delimiter=";")):
        line_no = offset + 2
        if not any(c.strip() for c in cells):
            continue
        if cells[0].strip() == "" and len(cells) > 1:
            if table.data_rows:
                raise ImportRejected(file, "Kopfzeile mitten in den Daten: die Tabelle ist nicht wohlgeformt.", line=line_no)
            in_header = True
            table.header_rows.append(cells)
        elif in_header or _is_data_row(cells):
            in_header = True
            table.data_rows.append((line_no, cells))
        else:
            table.title.append(";".join(c for c in cells if c.strip()))
    if not table.header_rows:
        raise ImportRejected(file, "Keine Spaltenköpfe gefunden (Zeilen, die mit „;“ beginnen).")
    return table


def _is_data_row(cells: list[str]) -> bool:
    """A data row before any header row cannot happen in this layout; this only guards odd title lines."""
    return len(cells) > 2 and any(REGION_CODE.match(c.strip()) for c in cells[:3]) and not cells[0].startswith("-")


def _stub_width(table: _Table) -> int:
    """Number of leading label columns: the fewest empty leading cells of any header row."""
    def leading_empty(cells: list[str]) -> int:
        return next((i for i, c in enumerate(cells) if c.strip()), len(cells))

    return min(leading_empty(cells) for cells in table.header_rows)


@dataclass
class _Column:
    index: int
    path: str
    unit: str
    time: Time | None


def _column_headers(table: _Table, stub: int) -> list[_Column]:
    """Header path, unit and (where years run across) time of every value column."""
    width = max(len(cells) for cells in table.header_rows)
    columns = []
    for index in range(stub, width):
        labels = [cells[index].strip() if index < len(cells) else "" for cells in table.header_rows]
        time, unit, path = None, "", []
        for label in labels:
            if not label:
                continue
            if _time_of(label):
                time = _time_of(label)
            elif label.lower() in UNITS:
                unit = label
            else:
                path.append(label)
        columns.append(_Column(index, " | ".join(path), unit or _unit_from_title(table.title), time))
    return columns


def _unit_from_title(title: list[str]) -> str:
    for line in title:
        m = re.search(r"\((Anzahl|Prozent|EUR|Tsd\. EUR)\)", line)
        if m:
            return m.group(1)
    return ""


def _time_from_title(title: list[str]) -> Time | None:
    """The Stichtag or year of the whole table, where the title block states one (Zensus, one-year tables)."""
    for line in title:
        stripped = line.strip(" ;")
        if YEAR.match(stripped):
            return parse_time(stripped)
        m = DATE.search(stripped)
        if m:
            return parse_time(m.group(1))
    return None


def _footer_facts(footer: str) -> tuple[str, str]:
    """Stand (data date, ISO) and the copyright line from the footer."""
    stand = ""
    m = re.search(r"Stand:\s*(\d{2}\.\d{2}\.\d{4})", footer)
    if m:
        stand = german_date_to_iso(m.group(1)) or ""
    m = re.search(r"©[^\n\"]*", footer)
    copyright_line = m.group(0).strip().rstrip(".") if m else ""
    return stand, copyright_line


def _observations_of_row(table, line_no, cells, stub, columns, table_time, stand, copyright_line):
    head = [c.strip() for c in cells[:stub]]
    region_at = next((i for i, c in enumerate(head) if REGION_CODE.match(c)), None)
    if region_at is None or region_at + 1 >= stub:
        raise ImportRejected(table.file, "Kein gültiger Regionalschlüssel (DG, 2, 3, 5 oder 8 Stellen) am Zeilenanfang.", line=line_no)
    row_time = _time_of_cells(head[:region_at])
    row_dims = " | ".join(c for c in head[region_at + 2 :] if c)
    if len(cells) > stub + len(columns) and any(c.strip() for c in cells[stub + len(columns) :]):
        raise ImportRejected(table.file, f"Zu viele Spalten: {len(cells)} statt {stub + len(columns)}.", line=line_no)
    if len(cells) < stub + len(columns):
        raise ImportRejected(
            table.file, f"Zu wenige Spalten: {len(cells)} statt {stub + len(columns)} (Zeile abgeschnitten?).", line=line_no
        )
    for column in columns:
        time = column.time or row_time or table_time
        if time is None:
            raise ImportRejected(table.file, "Kein Stichtag und kein Jahr für diesen Wert gefunden.", line=line_no)
        try:
            value, flag = parse_cell(cells[column.index], decimal=",")
        except ValueError as err:
            raise ImportRejected(
                table.file, str(err), line=line_no, column=f"{column.index + 1} ({column.path or column.unit})"
            ) from None
        yield {
            "source_file": table.file,
            "line": line_no,
            "layout": "genesis_table",
            "table": table.code,
            "statistic": table.code[:5],
            "ags": head[region_at],
            "region_name": head[region_at + 1].strip(),
            "time": time.time,
            "year": time.year,
            "time_label": time.label,
            "measure": column.path,
            "dims": row_dims,
            "value": value,
            "flag": flag,
            "unit": column.unit,
            "stand": stand,
            "copyright": copyright_line,
        }


def _time_of_cells(cells: list[str]) -> Time | None:
    return next((_time_of(cell) for cell in cells if _time_of(cell)), None)


def _time_of(label: str) -> Time | None:
    """A header or row label that is a time (31.12.2015, 2015, 2023/24, WS 2023/24, …); None for any other label.
    A bare number is a year only between 1900 and 2099: "7" or "1000" are no times."""
    if label.isdigit() and not YEAR.match(label):
        return None
    return parse_time(label)
