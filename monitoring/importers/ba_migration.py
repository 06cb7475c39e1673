"""Bundesagentur für Arbeit, "Statistik zur Migration" dashboard: the CSV behind its download button.

The layout (UTF-8 with BOM, ";" separated, every field quoted):

    "Region";"Deutschland";"Regionsschlüssel:";"d"          <- header block: key/value lines
    "Gebietsstand";"April 2025"
    "Berichtsjahr";"2015"                                   <- or "Berichtsmonat";"Zeitreihe" for a time series
    "Datenstand";"April 2025"
    "Indikator";"Arbeitslose"
    "StaatsangehörigkeitEs werden Grafiken …";"Ausländer"   <- the key has an explanatory note glued on
    ""
    "Hinweise:";"Bei den Jahreszahlen handelt es sich um Jahresdurchschnitte."
    ""
    "Berichtsjahr ";"Frauen Arbeitslose ";"Männer Arbeitslose ";"Arbeitslose "    <- table header
    "2015";"271.816";"296.426";"568.242"                                          <- one row per year …
    ""
    "Exportdatum: ";"21.05.2025";"16:4:30"                  <- footer
    "© Statistik der Bundesagentur für Arbeit"
    "Die Produkte unterliegen dem Urheberrecht …"

or, for a breakdown, a table whose first column is "Merkmal" with one row per category ("unter 25 Jahre",
"Akademische Ausbildung") and the year in the header block ("Berichtsjahr";"2015").

Numbers are German (1.040.908; decimal comma), "*" marks an anonymised value.

The BA export has no codes for its columns, only labels: the indicator, the nationality and the column headers
are text, and the build step has to match them as text.  measure is therefore "<Indikator> | <column header>"
("Arbeitslose | Frauen Arbeitslose") and dims carries the labels ("Staatsangehörigkeit=Ausländer").  Only the
region has a key ("d" = Deutschland, 2-digit Land, 5-digit Kreis).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .common import ImportRejected, german_date_to_iso, observations_frame, parse_cell, read_text

LAYOUT = "ba_migration"
TABLE = "BA-Migration"
STATISTIC = "BA"
COPYRIGHT = "© Statistik der Bundesagentur für Arbeit"
NATIONALITY = "Staatsangehörigkeit"
PERIOD_COLUMNS = ("Berichtsjahr", "Berichtsmonat")  # a first table column starting so holds the period per row
REQUIRED_KEYS = ("Region", "Regionsschlüssel", "Indikator", NATIONALITY)
MONTHS = {
    name: number
    for number, name in enumerate(
        ["januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober",
         "november", "dezember"],
        start=1,
    )
}
LAND_KEYS = {f"{n:02d}" for n in range(1, 17)}


@dataclass
class _Export:
    """The parts of one export file, with the line number of each table row."""

    file: str
    facts: dict[str, str] = field(default_factory=dict)  # header block, keys normalised
    columns: list[str] = field(default_factory=list)
    header_line: int = 0
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    export_date: str | None = None
    copyright: str | None = None


# ----------------------------------------------------------------------------------------------- public API


def looks_like_ba_migration(head: str) -> bool:
    """True if the first line of a decoded file is the BA export's region line."""
    first_line = head.lstrip("\ufeff").split("\n", 1)[0]
    cells = [c.strip() for c in next(csv.reader([first_line], delimiter=";"), [])]
    return len(cells) >= 4 and cells[0] == "Region" and cells[2].rstrip(":") == "Regionsschlüssel"


def read_ba_migration(path: Path, data: bytes | None = None) -> pd.DataFrame:
    """Read one BA migration export into observations; reject it whole if any part is wrong."""
    text, _encoding = read_text(path, data)
    export = _split(path.name, text)
    same_for_all = _file_fields(export)
    rows_are_periods = export.columns[0].startswith(PERIOD_COLUMNS)
    header_period = None if rows_are_periods else _header_period(export)
    records = []
    for line_no, cells in export.rows:
        time, year, dims = _row_keys(export, line_no, cells[0], header_period)
        for column, cell in zip(export.columns[1:], cells[1:]):
            value, flag = _number(export.file, cell, line_no, column)
            records.append(
                {
                    **same_for_all,
                    "line": line_no,
                    "time": time,
                    "year": year,
                    "measure": f"{export.facts['Indikator']} | {column}",
                    "dims": dims,
                    "value": value,
                    "flag": flag,
                    "unit": "Prozent" if "%" in column else "Anzahl",  # "Anteil an Insgesamt in %"
                }
            )
    return observations_frame(records)


def _file_fields(export: _Export) -> dict:
    return {
        "source_file": export.file,
        "layout": LAYOUT,
        "table": TABLE,
        "statistic": STATISTIC,
        "ags": _ags(export),
        "region_name": export.facts["Region"],
        "stand": _stand(export),
        "copyright": export.copyright or COPYRIGHT,
        "note": "",
    }


def _row_keys(export: _Export, line_no: int, label: str, header_period) -> tuple[str, int, str]:
    """(time, year, dims) of a table row: a period row of a time series, or a category of the header's period."""
    nationality = f"{NATIONALITY}={export.facts[NATIONALITY]}"
    if header_period is None:
        time, year = _row_period(export.file, label, line_no, export.columns[0])
        return time, year, nationality
    time, year = header_period
    return time, year, ";".join(sorted([nationality, f"{export.columns[0]}={label}"]))


# ------------------------------------------------------------------------------------------------ structure


def _split(file: str, text: str) -> _Export:
    """Cut the file into header block, table and footer; check that each part is there and well-formed."""
    export = _Export(file=file)
    lines = list(_numbered_rows(text))
    if not lines or not looks_like_ba_migration(text):
        raise ImportRejected(
            file,
            "Kein Export der BA-Statistik zur Migration: die erste Zeile muss „Region“ und "
            "„Regionsschlüssel:“ enthalten.",
            line=1,
        )
    position = _read_header_block(export, lines)
    position = _skip_notes(lines, position)
    _read_table(export, lines, position)
    return export


def _numbered_rows(text: str):
    """(line number, stripped cells) for every non-blank line; the BA quotes every field."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    start = 1
    for cells in reader:
        yield start, [c.strip() for c in cells] or [""]  # an empty line reads as [], a line "" as [""]
        start = reader.line_num + 1


def _is_blank(cells: list[str]) -> bool:
    return not any(cells)


def _read_header_block(export: _Export, lines: list[tuple[int, list[str]]]) -> int:
    """Key/value lines up to the first blank line.  The first line holds two pairs (Region, Regionsschlüssel)."""
    position = 0
    while position < len(lines) and not _is_blank(lines[position][1]):
        cells = lines[position][1]
        for key, value in zip(cells[0::2], cells[1::2]):
            export.facts[_normalise_key(key)] = value
        position += 1
    missing = [k for k in REQUIRED_KEYS if not export.facts.get(k)]
    if missing:
        raise ImportRejected(
            export.file, f"Im Kopf der Datei fehlt: {', '.join(missing)}.", line=lines[min(position, len(lines) - 1)][0]
        )
    return position


def _normalise_key(key: str) -> str:
    key = key.strip().rstrip(":").strip()
    # "StaatsangehörigkeitEs werden Grafiken und Daten nur …": the export glues an explanation onto the key.
    return NATIONALITY if key.startswith(NATIONALITY) else key


def _skip_notes(lines: list[tuple[int, list[str]]], position: int) -> int:
    """Skip blank lines and the "Hinweise:" block between header and table."""
    while position < len(lines) and (_is_blank(lines[position][1]) or lines[position][1][0].startswith("Hinweis")):
        position += 1
    return position


def _read_table(export: _Export, lines: list[tuple[int, list[str]]], position: int) -> None:
    if position >= len(lines) or len(lines[position][1]) < 2:
        raise ImportRejected(export.file, "Die Tabelle (Kopfzeile mit mindestens zwei Spalten) fehlt.")
    export.header_line, export.columns = lines[position]
    if not all(export.columns):
        raise ImportRejected(export.file, "Die Tabellenkopfzeile hat eine leere Spalte.", line=export.header_line)
    if len(set(export.columns)) < len(export.columns):
        # Columns are known only by their header text: two equal headers could not be told apart.
        raise ImportRejected(export.file, "Zwei Spalten haben dieselbe Überschrift.", line=export.header_line)
    position += 1
    while position < len(lines) and not _is_blank(lines[position][1]) and not _is_footer(lines[position][1]):
        line_no, cells = lines[position]
        if len(cells) != len(export.columns):
            raise ImportRejected(
                export.file,
                f"Die Zeile hat {len(cells)} Felder, die Tabellenkopfzeile {len(export.columns)}.",
                line=line_no,
            )
        if not cells[0]:
            raise ImportRejected(export.file, "Die Zeile hat keine Beschriftung in der ersten Spalte.", line=line_no)
        export.rows.append((line_no, cells))
        position += 1
    if not export.rows:
        raise ImportRejected(export.file, "Die Tabelle enthält keine Datenzeilen.", line=export.header_line)
    _read_footer(export, lines[position:])


def _is_footer(cells: list[str]) -> bool:
    return cells[0].startswith("Exportdatum")


def _read_footer(export: _Export, lines: list[tuple[int, list[str]]]) -> None:
    for _line_no, cells in lines:
        if _is_footer(cells) and len(cells) > 1:
            export.export_date = german_date_to_iso(cells[1])
        elif cells[0].startswith("©"):
            export.copyright = cells[0]
    if export.export_date is None:
        # The footer is the last thing the BA writes: without it the file was cut off.
        last_line = lines[-1][0] if lines else export.rows[-1][0]
        raise ImportRejected(
            export.file,
            "Die Fußzeile „Exportdatum“ fehlt: die Datei ist vermutlich abgeschnitten. Bitte erneut exportieren.",
            line=last_line,
        )


# ------------------------------------------------------------------------------------------------- content


def _ags(export: _Export) -> str:
    """Regionsschlüssel → AGS: "d" is Deutschland, 1–2 digits a Land, 4–5 digits a Kreis (zero-padded)."""
    key = export.facts["Regionsschlüssel"]
    if key.lower() == "d":
        return "DG"
    if key.isdigit() and len(key) <= 2 and key.zfill(2) in LAND_KEYS:
        return key.zfill(2)
    if key.isdigit() and len(key) in (4, 5) and key.zfill(5)[:2] in LAND_KEYS:
        return key.zfill(5)
    raise ImportRejected(
        export.file,
        f"Regionsschlüssel „{key}“ ist weder „d“ (Deutschland) noch ein Landes- oder Kreisschlüssel; "
        "Agenturbezirke und andere BA-Regionen werden nicht unterstützt.",
        line=1,
    )


def _stand(export: _Export) -> str:
    """Datenstand as ISO month ("April 2025" → 2025-04), else the export date."""
    month = _parse_month(export.facts.get("Datenstand", ""))
    return month[0] if month else export.export_date or ""


def _header_period(export: _Export) -> tuple[str, int]:
    """(time, year) of a category table: from the header block's Berichtsjahr or Berichtsmonat."""
    for key in PERIOD_COLUMNS:
        period = _parse_period(export.facts.get(key, ""))
        if period:
            return period
    found = export.facts.get("Berichtsmonat", "")
    raise ImportRejected(
        export.file,
        "Der Berichtszeitraum fehlt: weder die Tabelle (erste Spalte „Berichtsjahr“) noch der Kopf "
        f"(„Berichtsjahr“/„Berichtsmonat“) nennt ein Jahr (gefunden: „{found}“).",
        line=export.header_line,
    )


def _row_period(file: str, label: str, line_no: int, column: str) -> tuple[str, int]:
    period = _parse_period(label)
    if period is None:
        raise ImportRejected(file, f"„{label}“ ist kein Jahr und kein Monat.", line=line_no, column=column)
    return period


def _parse_period(text: str) -> tuple[str, int] | None:
    """"2015" → ("2015", 2015); a month ("April 2025", "04/2025", "2025-04") → ("2025-04", 2025)."""
    text = text.strip()
    if re.fullmatch(r"\d{4}", text):
        return text, int(text)
    return _parse_month(text)


def _parse_month(text: str) -> tuple[str, int] | None:
    text = text.strip()
    named = re.fullmatch(r"([A-Za-zäÄ]+)\s+(\d{4})", text)
    numbered = re.fullmatch(r"(\d{1,2})/(\d{4})", text) or re.fullmatch(r"(\d{4})-(\d{2})", text)
    if named and named.group(1).lower() in MONTHS:
        month, year = MONTHS[named.group(1).lower()], int(named.group(2))
    elif numbered and "/" in text:
        month, year = int(numbered.group(1)), int(numbered.group(2))
    elif numbered:
        year, month = int(numbered.group(1)), int(numbered.group(2))
    else:
        return None
    if not 1 <= month <= 12:
        return None
    return f"{year}-{month:02d}", year


def _number(file: str, cell: str, line_no: int, column: str) -> tuple[float | None, str]:
    try:
        return parse_cell(cell, decimal=",")
    except ValueError as err:
        raise ImportRejected(file, f"Kein Zahlenwert: {err}.", line=line_no, column=column) from None
