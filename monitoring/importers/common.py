"""Shared parsing for every importer: the observation schema, special values, numbers, encodings, errors.

Every importer turns one official export into an *observations* DataFrame with the columns in
OBS_COLUMNS.  Observations still speak the source's language (its codes, its column headers); the
build step (monitoring/build.py) maps them onto indicators of the catalogue.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

# The official special values (Zeichenerklärung of the Statistische Ämter and the BA).  A cell holding
# one of them becomes value NULL with the symbol as flag: never 0, never dropped.
SPECIAL_VALUES: dict[str, str] = {
    "-": "nichts vorhanden",
    ".": "Zahlenwert unbekannt oder geheim zu halten",
    "x": "Tabellenfach gesperrt, weil Aussage nicht sinnvoll",
    "/": "keine Angabe, da Zahlenwert nicht sicher genug",
    "...": "Angabe fällt später an",
    "()": "Aussagewert eingeschränkt",
    "*": "anonymisiert (Statistik der BA)",
}
# Quality marks that travel with a value which is still usable.
QUALITY_MARKS: dict[str, str] = {
    "e": "endgültiger Wert",  # GENESIS value_q (as pystatis documents it); the Zensus 2022 marks every value so
    "s": "geschätzter Wert",
    "()": "Aussagewert eingeschränkt, da der Wert statistisch relativ unsicher ist",
    "p": "vorläufig",
    "r": "berichtigt",
}

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


def german_date_to_iso(text: str) -> str | None:
    """'31.12.2015' -> '2015-12-31'; anything else -> None."""
    m = re.fullmatch(r"\s*(\d{2})\.(\d{2})\.(\d{4})\s*", text)
    return f"{m.group(3)}-{m.group(2)}-{m.group(1)}" if m else None


def empty_observations() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in OBS_COLUMNS})


def observations_frame(rows: list[dict]) -> pd.DataFrame:
    """Build the observations frame in the canonical column order and dtypes."""
    if not rows:
        return empty_observations()
    frame = pd.DataFrame.from_records(rows, columns=OBS_COLUMNS)
    frame["note"] = frame["note"].fillna("")
    frame["value"] = pd.to_numeric(frame["value"], errors="raise").astype("float64")
    frame["year"] = frame["year"].astype("int64")
    frame["line"] = frame["line"].astype("int64")
    return frame
