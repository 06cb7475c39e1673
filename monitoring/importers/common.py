"""Shared parsing for every importer: the observation schema, special values, numbers, encodings, errors.

Every importer turns one official export into an *observations* DataFrame with the columns in
OBS_COLUMNS.  Observations still speak the source's language (its codes, its column headers); the
build step (monitoring/build.py) maps them onto indicators of the catalogue.
"""
from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..fmt import FLAG_MEANINGS

# The official special values (Zeichenerklärung of the Statistische Ämter and the BA).  A cell holding one of them
# becomes value NULL with the symbol as flag: never 0, never dropped.  Quality marks travel with a value that is
# still usable.  The meanings are kept once, in fmt.FLAG_MEANINGS, so a message and a chart say the same words.
SPECIAL_VALUES: dict[str, str] = {symbol: FLAG_MEANINGS[symbol] for symbol in ("-", ".", "x", "/", "...", "()", "*")}
QUALITY_MARKS: dict[str, str] = {symbol: FLAG_MEANINGS[symbol] for symbol in ("e", "s", "()", "p", "r")}

OBS_COLUMNS = [
    "source_file",  # file name as given (zip member as zip!member)
    "line",  # 1-based line in the (unzipped) file, for error messages and review
    "layout",  # genesis_table | genesis_flat | genesis_flat_2024 | ba_migration
    "table",  # table code where the file states it (12411-01-01-4), else the statistic code (12411)
    "statistic",  # 5-character statistic code (12411, 1000A, AI-Z-)
    "ags",  # region code as in the file: DG, 2-digit Land, 3-digit RB, 5-digit Kreis, 8/12-digit Gemeinde
    "region_name",  # label as in the file, stripped (for messages only, never for matching)
    "time",  # ISO date (2015-12-31) for a Stichtag, or a year (2015)
    "year",  # int
    "measure",  # flat: value variable code (BEVSTD); table: header path of the column ("Arbeitslose | Ausländer")
    "dims",  # flat: "GES=GESW;NAT=NATA" (sorted, region/time excluded; empty code = Insgesamt);
    #          table: the row labels beside the region ("unter 10 Jahre"), empty if none
    "value",  # float, NaN where a special value stands
    "flag",  # "" or a key of SPECIAL_VALUES / QUALITY_MARKS
    "unit",  # Anzahl, Prozent, … as in the file
    "stand",  # data date of the export, ISO (2017-10-10) or ""
    "copyright",  # attribution line from the file's footer, or the layout's standard line
    "note",  # optional remark on the value as published (e.g. "gerundet"); "" when absent
    "time_label",  # the time as a reader names it ("WS 2023/24", "2023/24", "31.12.2024"); see parse_time
]


@dataclass
class ImportRejected(Exception):
    """A file that fits no layout or breaks inside one.  The message is German and names file, line, column."""

    file: str
    reason: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [f"Datei „{self.file}“"]
        if self.line is not None:
            where.append(f"Zeile {self.line}")
        if self.column:
            where.append(f"Spalte {self.column}")
        return ", ".join(where) + ": " + self.reason


_NUMBER_DE = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$|^-?\d+(,\d+)?$")
_NUMBER_EN = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")


def parse_cell(text: str, *, decimal: str = ",") -> tuple[float | None, str]:
    """Parse one value cell into (value, flag).

    decimal="," reads German numbers (1.234,5 or 1234,5); decimal="." reads plain numbers (1234.5).
    Raises ValueError for anything that is neither a number nor a known special value.
    """
    cell = text.strip().strip('"').strip()
    if cell in SPECIAL_VALUES:
        return None, cell
    flag = ""
    if cell.startswith("(") and cell.endswith(")") and len(cell) > 2:
        cell, flag = cell[1:-1].strip(), "()"
    elif len(cell) > 1 and cell[-1] in "epr" and cell[-2] in "0123456789 ":
        cell, flag = cell[:-1].strip(), cell[-1]
    if decimal == ",":
        if not _NUMBER_DE.match(cell):
            raise ValueError(f"„{text.strip()}“ ist keine Zahl und kein bekanntes Sonderzeichen")
        return float(cell.replace(".", "").replace(",", ".")), flag
    if not _NUMBER_EN.match(cell):
        raise ValueError(f"„{text.strip()}“ ist keine Zahl und kein bekanntes Sonderzeichen")
    return float(cell), flag


def read_text(path: Path, data: bytes | None = None) -> tuple[str, str]:
    """Decode a file: UTF-8 (with or without BOM) first, then ISO-8859-1 / Windows-1252.

    Returns (text, encoding).  A file that is empty or mixes encodings is rejected.
    """
    raw = path.read_bytes() if data is None else data
    if not raw.strip():
        raise ImportRejected(path.name, "Die Datei ist leer.")
    if b"\x00" in raw[:4096]:
        raise ImportRejected(path.name, "Die Datei ist keine Textdatei (enthält Nullbytes); erwartet wird eine CSV-Datei.")
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as err:
        utf8_error = err
    text = raw.decode("cp1252", errors="replace")
    if "Ã" in text and re.search("Ã[\u0080-\u00bf¤¶¼ÄÖÜß]", text):
        line = raw[: utf8_error.start].count(b"\n") + 1
        raise ImportRejected(
            path.name,
            "Gemischte Zeichenkodierung: Teile der Datei sind UTF-8, andere ISO-8859-1. "
            "Bitte die Datei unverändert aus der Quelle neu herunterladen.",
            line=line,
        )
    return text, "iso-8859-1"


def comma_rows(file: str, text: str):
    """Header and (line number, cells) of a plain comma-separated file: blank lines skipped, and every row as wide
    as the header (a shorter or longer one is refused with its line)."""
    reader = csv.reader(io.StringIO(text))
    header = [c.strip() for c in next(reader)]

    def rows():
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise ImportRejected(file, f"{len(cells)} statt {len(header)} Spalten.", line=reader.line_num)
            yield reader.line_num, cells

    return header, rows()


def german_date_to_iso(text: str) -> str | None:
    """'31.12.2015' -> '2015-12-31'; anything else -> None."""
    m = re.fullmatch(r"\s*(\d{2})\.(\d{2})\.(\d{4})\s*", text)
    return f"{m.group(3)}-{m.group(2)}-{m.group(1)}" if m else None


@dataclass(frozen=True)
class Time:
    """One time as GENESIS writes it, read: `time` is what the store keys on (an ISO date for a Stichtag or a
    period, the year for a calendar year), `label` what a reader sees ("WS 2023/24", "2023/24", "2. Quartal
    2023")."""

    time: str
    year: int
    label: str


_MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"]
_ISO_PERIOD = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?P(\d+)([MY])$")  # 2023-10P6M, 2023-08P1Y, 2023-01P3M
_SCHOOL_YEAR = re.compile(r"^(?:Schuljahr\s*)?(\d{4})\s*/\s*(\d{2}|\d{4})$")  # 2023/24, Schuljahr 2023/2024
_SEMESTER = re.compile(r"^(WS|SS|Wintersemester|Sommersemester)\s*(\d{4})(?:\s*/\s*(\d{2}|\d{4}))?$")
_QUARTER = re.compile(r"^(?:([1-4])\.\s*Quartal\s*(\d{4})|(\d{4})\s*-?\s*Q([1-4]))$")
_MONTH = re.compile(r"^(" + "|".join(_MONTHS) + r")\s+(\d{4})$")
_YEAR = re.compile(r"^\d{4}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_time(text: str) -> Time | None:
    """Every time form GENESIS uses, or None.

    Stichtag (2024-12-31, 31.12.2024) and calendar year (2024) stay as they are.  A period becomes the
    Stichtag its statistic counts on: a semester and a school year are counted at their start
    (Semesterbeginn, Schuljahresbeginn), so they become their first day; a quarter and a month are
    counted over the period, so they become their last day, as a year becomes the 31.12.
    """
    text = text.strip()
    if _YEAR.match(text):
        return Time(text, int(text), text)
    iso = text if _ISO_DATE.match(text) else german_date_to_iso(text)
    if iso is not None:
        day = _date(iso)
        return Time(day.isoformat(), day.year, day.strftime("%d.%m.%Y")) if day else None
    for parse in (_iso_period, _school_year, _semester, _quarter, _month):
        found = parse(text)
        if found is not None:
            return found
    return None


def _date(iso: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(iso)
    except ValueError:
        return None  # 31.02.2024 and the like


def _last_day(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def _semester_time(year: int, winter: bool) -> Time:
    if winter:
        return Time(f"{year}-10-01", year, f"WS {year}/{(year + 1) % 100:02d}")
    return Time(f"{year}-04-01", year, f"SS {year}")


def _school_year_time(year: int) -> Time:
    return Time(f"{year}-08-01", year, f"{year}/{(year + 1) % 100:02d}")


def _quarter_time(year: int, quarter: int) -> Time:
    return Time(_last_day(year, quarter * 3), year, f"{quarter}. Quartal {year}")


def _iso_period(text: str) -> Time | None:
    m = _ISO_PERIOD.match(text)
    if not m:
        return None
    year, month, length, unit = int(m.group(1)), int(m.group(2)), int(m.group(4)), m.group(5)
    months = length * 12 if unit == "Y" else length
    if not 1 <= month <= 12:
        return None
    if months == 6 and month in (4, 10):
        return _semester_time(year, winter=month == 10)
    if months == 12 and month == 1:
        return Time(str(year), year, str(year))
    if months == 12:
        return _school_year_time(year) if month in (7, 8, 9) else None
    if months == 3 and month in (1, 4, 7, 10):
        return _quarter_time(year, (month + 2) // 3)
    if months == 1:
        return Time(_last_day(year, month), year, f"{_MONTHS[month - 1]} {year}")
    return None


def _school_year(text: str) -> Time | None:
    m = _SCHOOL_YEAR.match(text)
    if not m or int(m.group(2)[-2:]) != (int(m.group(1)) + 1) % 100:
        return None
    return _school_year_time(int(m.group(1)))


def _semester(text: str) -> Time | None:
    m = _SEMESTER.match(text)
    if not m:
        return None
    year = int(m.group(2))
    winter = m.group(1) in ("WS", "Wintersemester")
    if m.group(3) and (not winter or int(m.group(3)[-2:]) != (year + 1) % 100):
        return None
    return _semester_time(year, winter)


def _quarter(text: str) -> Time | None:
    m = _QUARTER.match(text)
    if not m:
        return None
    quarter, year = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
    return _quarter_time(int(year), int(quarter))


def _month(text: str) -> Time | None:
    m = _MONTH.match(text)
    if not m:
        return None
    month = _MONTHS.index(m.group(1)) + 1
    year = int(m.group(2))
    return Time(_last_day(year, month), year, f"{m.group(1)} {year}")


def _default_label(time: str) -> str:
    found = parse_time(str(time))
    return found.label if found else str(time)


def empty_observations() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in OBS_COLUMNS})


def observations_frame(rows: list[dict]) -> pd.DataFrame:
    """Build the observations frame in the canonical column order and dtypes."""
    if not rows:
        return empty_observations()
    frame = pd.DataFrame.from_records(rows, columns=OBS_COLUMNS)
    frame["note"] = frame["note"].fillna("")
    labels = frame["time_label"].fillna("")
    if (labels == "").any():
        defaults = {time: _default_label(time) for time in frame["time"].unique()}
        frame["time_label"] = labels.where(labels != "", frame["time"].map(defaults))
    else:
        frame["time_label"] = labels
    frame["value"] = pd.to_numeric(frame["value"], errors="raise").astype("float64")
    frame["year"] = frame["year"].astype("int64")
    frame["line"] = frame["line"].astype("int64")
    return frame
