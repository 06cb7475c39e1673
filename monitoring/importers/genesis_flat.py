"""GENESIS "flat file CSV" (ffcsv), as GENESIS-Online, regionalstatistik.de and the Zensus 2022 database deliver it.

Why one module of this size: one layout family in three dialects (current, 2024 German, 2024 English) plus its zip
handling; the dialects differ in a few names and share every step.

One observation per line, every dimension spelled out as code + label.  Two layouts exist:

current (2025 on, layout "genesis_flat"): UTF-8 with BOM, English headers, ISO dates, "." as decimal mark

    statistics_code;statistics_label;time_code;time_label;time;
    1_variable_code;1_variable_label;1_variable_attribute_code;1_variable_attribute_label;   <- N groups of 4
    …;value;value_unit;value_variable_code;value_variable_label[;value_q]                   <- value_q: quality mark

2024 (layout "genesis_flat_2024"): UTF-8 without BOM, German headers, dates as 31.12.2023, "," as decimal mark,
one value column per measure named CODE__Label__Unit (spaces in label and unit written as "_"), and with
quality marks on, a column CODE__Label__Unit__q beside it

    Statistik_Code;Statistik_Label;Zeit_Code;Zeit_Label;Zeit;
    1_Merkmal_Code;1_Merkmal_Label;1_Auspraegung_Code;1_Auspraegung_Label;…;BEVSTD__Bevoelkerungsstand__Anzahl

The region is one of the variable groups (KREISE, DLAND, DINSG, REGBEZ, GEMEIN, the Zensus GEO… variables; the
variable code may change from line to line inside the group, e.g. DINSG/DLAND/REGBEZ/KREISE in column 1).  Its
attribute code is the region key.  An empty attribute code means "Insgesamt" in every group; in the regional
group that is the total over all regions of the (nationwide) database, i.e. Deutschland, so it becomes "DG".
All other groups become dims "VAR=ATTR;…" sorted by variable code, with "GES=" for an empty (total) code.

GENESIS downloads come as .csv or as .zip (large tables via background job); a zip is read in memory, never
extracted, and refused when it looks like a zip bomb.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .common import (
    OBS_COLUMNS,
    QUALITY_MARKS,
    SPECIAL_VALUES,
    ImportRejected,
    observations_frame,
    parse_cell,
    parse_time,
    read_text,
)

# Zip limits: a GENESIS download holds one CSV; the biggest Kreis table here unzips to 33 MB.
MAX_ZIP_MEMBERS = 20
DEFAULT_MAX_UNZIPPED_BYTES = 500 * 1024 * 1024
BOMB_RATIO = 200  # CSV compresses ~20:1 (the GENESIS zips here: 18.6 and 20.4); far beyond that is a bomb
BOMB_MIN_BYTES = 1024 * 1024  # below this a high ratio costs nothing (a tiny CSV of repeated lines may reach it)
READ_CHUNK_BYTES = 1024 * 1024  # members are unpacked in chunks, the limits checked after each

KNOWN_REGIONAL_VARIABLES = {"DINSG", "DLAND", "REGBEZ", "KREISE", "GEMEIN"}
ZENSUS_GEO_VARIABLE = re.compile(r"^GEO[A-Z]{2}\d$")  # GEODL1, GEOBL1, GEOGM4, …
REGION_CODE = re.compile(r"^(DG|\d{2}|\d{3}|\d{5}|\d{8}|\d{12})$")
# Table codes as GENESIS names its downloads: 12411-01-01-4, 12531-0043, 1000A-2022, 21311-01-01-4-B, 12211-Z-11
TABLE_CODE_IN_NAME = re.compile(r"^(\d{5}|\d{4}[A-Z])(-[0-9A-Z]{1,4})+(?=[_.\s]|$)")
PLAIN_NUMBER = {".": r"-?\d+(?:\.\d+)?", ",": r"-?\d+(?:,\d+)?"}


@dataclass(frozen=True)
class _Dialect:
    """Column names of one layout; "{n}" stands for the number of a variable group."""

    layout: str
    decimal: str
    statistic: str
    lead: tuple[str, ...]  # statistic code + label, time code + label, time
    variable: str
    group: tuple[str, ...]  # variable code + label, attribute code + label

    @property
    def time(self) -> str:
        return self.lead[-1]

    def group_columns(self, n: int) -> tuple[str, str, str, str]:
        return tuple(name.format(n=n) for name in self.group)  # type: ignore[return-value]


CURRENT = _Dialect(
    layout="genesis_flat",
    decimal=".",
    statistic="statistics_code",
    lead=("statistics_code", "statistics_label", "time_code", "time_label", "time"),
    variable=r"^(\d+)_variable_code$",
    group=("{n}_variable_code", "{n}_variable_label", "{n}_variable_attribute_code", "{n}_variable_attribute_label"),
)
LEGACY_2024 = _Dialect(
    layout="genesis_flat_2024",
    decimal=",",
    statistic="Statistik_Code",
    lead=("Statistik_Code", "Statistik_Label", "Zeit_Code", "Zeit_Label", "Zeit"),
    variable=r"^(\d+)_Merkmal_Code$",
    group=("{n}_Merkmal_Code", "{n}_Merkmal_Label", "{n}_Auspraegung_Code", "{n}_Auspraegung_Label"),
)
# The 2024 layout as the English interface wrote it: the current layout's English names, but the 2024 layout's value
# columns (CODE__Label__Unit), and the attribute columns of each group named like the variable columns
# ("1_variable_code;1_variable_label;1_variable_code;1_variable_code"): they are read by their position.
LEGACY_2024_EN = _Dialect(
    layout="genesis_flat_2024",
    decimal=".",
    statistic=CURRENT.statistic,
    lead=CURRENT.lead,
    variable=CURRENT.variable,
    group=CURRENT.group,
)
CURRENT_VALUE_COLUMNS = ("value", "value_unit", "value_variable_code", "value_variable_label")
CURRENT_QUALITY_COLUMN = "value_q"


@dataclass(frozen=True)
class _ValueColumn:
    """Where one measure's numbers stand.  measure/unit None: read them per line (current layout)."""

    value: str
    quality: str | None
    measure: str | None
    unit: str | None


@dataclass(frozen=True)
class _Header:
    dialect: _Dialect
    names: list[str]
    groups: list[int]
    values: list[_ValueColumn]


# ----------------------------------------------------------------------------------------------- public API


def looks_like_genesis_flat(head: str) -> bool:
    """True if the first line of a decoded file is the header of either ffcsv layout.

    A .zip cannot be told from decoded text: route archives to read_genesis_flat by their bytes ("PK\\x03\\x04").
    """
    first_line = head.lstrip("\ufeff").split("\n", 1)[0]
    names = [name.strip().strip('"') for name in first_line.split(";")]
    return any(names[: len(dialect.lead)] == list(dialect.lead) for dialect in (CURRENT, LEGACY_2024))


def read_genesis_flat(
    path: Path, data: bytes | None = None, *, max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED_BYTES
) -> pd.DataFrame:
    """Read one ffcsv file (or a zip of them) into observations; reject the whole file if any line is wrong."""
    raw = path.read_bytes() if data is None else data
    if raw[:4] == b"PK\x03\x04" or raw[:4] == b"PK\x05\x06":
        # One member at a time: each is parsed (and a wrong one refused) before the next is unpacked.
        frames = []
        for name, member_data in _csv_members_of_zip(path.name, raw, max_unzipped_bytes):
            frames.append(_read_csv(name, member_data, table_hint=path.name))
            del member_data
        return pd.concat(frames, ignore_index=True)
    return _read_csv(path.name, raw, table_hint=None)


# ------------------------------------------------------------------------------------------------------ zip


def _csv_members_of_zip(archive_name: str, raw: bytes, max_unzipped_bytes: int) -> Iterator[tuple[str, bytes]]:
    """The CSV members of a zip as ("archive.zip!member.csv", bytes), after the checks of the zip's directory;
    unpacked in memory one at a time, when the caller asks for the next, within what is left of the limit."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise ImportRejected(
            archive_name, "Das ZIP-Archiv ist beschädigt oder unvollständig. Bitte erneut herunterladen."
        ) from None
    with archive:
        members = archive.infolist()
        _check_zip_limits(archive_name, members, max_unzipped_bytes)
        csv_members = [m for m in members if not m.is_dir() and m.filename.lower().endswith(".csv")]
        if not csv_members:
            raise ImportRejected(archive_name, "Das ZIP-Archiv enthält keine CSV-Datei.")
        unpacked = 0
        for member in csv_members:
            data = _read_member(archive_name, archive, member, budget=max_unzipped_bytes - unpacked,
                                limit=max_unzipped_bytes)
            unpacked += len(data)
            yield f"{archive_name}!{member.filename}", data
            del data  # the previous member's bytes are free while the next one is unpacked


def _check_zip_limits(archive_name: str, members: list[zipfile.ZipInfo], max_unzipped_bytes: int) -> None:
    # The sizes in the central directory are checked before anything is decompressed (a cheap, early refusal);
    # _read_member checks the same limits again on the bytes it actually unpacks.
    if len(members) > MAX_ZIP_MEMBERS:
        raise ImportRejected(
            archive_name,
            f"Das ZIP-Archiv enthält {len(members)} Dateien; erwartet wird ein GENESIS-Download mit höchstens "
            f"{MAX_ZIP_MEMBERS} CSV-Dateien.",
        )
    for member in members:
        if _is_bomb(member.file_size, member.compress_size):
            raise _bomb(archive_name, member, member.file_size)
    total = sum(m.file_size for m in members)
    if total > max_unzipped_bytes:
        raise ImportRejected(
            archive_name,
            f"Das ZIP-Archiv ist entpackt {_megabytes(total)} groß; erlaubt sind höchstens "
            f"{_megabytes(max_unzipped_bytes)}.",
        )


def _is_bomb(unpacked: int, compressed: int) -> bool:
    return unpacked > BOMB_MIN_BYTES and unpacked / max(compressed, 1) > BOMB_RATIO


def _bomb(archive_name: str, member: zipfile.ZipInfo, unpacked: int) -> ImportRejected:
    ratio = f"{unpacked / max(member.compress_size, 1):,.0f}".replace(",", ".")
    return ImportRejected(
        archive_name,
        f"„{member.filename}“ ist im ZIP-Archiv {ratio}-fach komprimiert ({_megabytes(unpacked)} entpackt): "
        "das ist keine CSV-Datei aus GENESIS, sondern vermutlich eine ZIP-Bombe. Import abgelehnt.",
    )


def _megabytes(size: int) -> str:
    """A size for a message in German format, in MB with one decimal ("52,4 MB", "1.536,0 MB"), below 1 MB
    in whole kB ("3 kB"), as monitoring.updates words the upload limit."""
    if size < 1e6:
        return f"{max(int(size / 1e3 + 0.5), 1)} kB"
    return f"{size / 1e6:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".") + " MB"


def _read_member(archive_name: str, archive: zipfile.ZipFile, member: zipfile.ZipInfo, *, budget: int,
                 limit: int | None = None) -> bytes:
    """A member's bytes, unpacked chunk by chunk; refused as soon as they pass `budget` (what is left of the
    archive's `limit` after the members before) or reach a bomb's ratio, whatever the directory declared."""
    buffer, unpacked = io.BytesIO(), 0
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(READ_CHUNK_BYTES):
                unpacked += len(chunk)
                if unpacked > budget:
                    raise ImportRejected(
                        archive_name,
                        f"Das ZIP-Archiv ist entpackt größer als erlaubt (höchstens {_megabytes(limit or budget)}); "
                        f"beim Entpacken von „{member.filename}“ abgebrochen. Import abgelehnt.",
                    )
                if _is_bomb(unpacked, member.compress_size):
                    raise _bomb(archive_name, member, unpacked)
                buffer.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as err:
        # RuntimeError: encrypted member; NotImplementedError: unsupported compression method
        raise ImportRejected(
            archive_name, f"„{member.filename}“ lässt sich nicht entpacken ({err}). Bitte erneut herunterladen."
        ) from None
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------------ csv


def _read_csv(file: str, raw: bytes, table_hint: str | None) -> pd.DataFrame:
    text = _decode(file, raw)
    numbered = _numbered_rows(file, text)
    header_line, names = next(numbered, (1, None))
    if names is None:
        raise ImportRejected(file, "Die Datei ist leer.")
    header = _parse_header(file, [name.strip().strip('"').strip() for name in names])
    rows, line_numbers = _data_rows(file, numbered, len(header.names), header_line)
    cells = pd.DataFrame(rows, columns=header.names, dtype=object)
    if _may_hold_padded_cells(text):
        cells = _stripped(cells)
    lines = np.asarray(line_numbers, dtype=np.int64)
    return _observations(file, header, cells, lines, table_hint)


def _decode(file: str, raw: bytes) -> str:
    """common.read_text, with the full display name (zip!member) in its messages."""
    try:
        text, _encoding = read_text(Path("upload.csv"), raw)
    except ImportRejected as err:
        raise ImportRejected(file, err.reason, line=err.line, column=err.column) from None
    return text


def _numbered_rows(file: str, text: str):
    """(1-based line number, cells) of every non-blank line."""
    if not text.endswith("\n"):
        # GENESIS ends every line with a newline: without one the download broke off inside the last line.
        raise ImportRejected(
            file,
            "Die Datei endet mitten in einer Zeile: sie ist vermutlich abgeschnitten. Bitte erneut herunterladen.",
            line=text.count("\n") + 1,
        )
    text = text.replace("\r\n", "\n")
    if '"' in text or "\r" in text:
        numbered = _rows_by_csv_module(text)
    else:
        # ffcsv does not quote; splitting is exact then and three times faster than the csv module.
        numbered = ((i, line.split(";")) for i, line in enumerate(text.split("\n"), start=1))
    return ((line_no, cells) for line_no, cells in numbered if cells and cells != [""])


def _data_rows(file: str, numbered, width: int, header_line: int) -> tuple[list[list[str]], list[int]]:
    """The data rows and their line numbers; every row must have the header's width."""
    rows, line_numbers = [], []
    for line_no, cells in numbered:
        if len(cells) != width:
            raise ImportRejected(
                file,
                f"Die Zeile hat {len(cells)} Felder, die Kopfzeile {width}: die Datei ist abgeschnitten "
                "oder verändert worden.",
                line=line_no,
            )
        rows.append(cells)
        line_numbers.append(line_no)
    if not rows:
        raise ImportRejected(file, "Die Datei enthält nur die Kopfzeile und keine Daten.", line=header_line)
    return rows, line_numbers


def _may_hold_padded_cells(text: str) -> bool:
    """Whether any cell can begin or end with a blank; the current layout has none, and looking costs less
    than stripping."""
    return any(pad in text for pad in ("; ", " ;", "\n ", " \n", " \r", "\t", "\u00a0", '" ', ' "'))


def _stripped(cells: pd.DataFrame) -> pd.DataFrame:
    """Every cell without surrounding blanks (the 2024 layout indents region labels).  Done on the distinct
    values of each column, which are few, rather than on 100 000 cells."""
    for name in cells.columns:
        distinct = pd.unique(cells[name])
        if any(text != text.strip() for text in distinct):
            cells[name] = cells[name].map({text: text.strip() for text in distinct})
    return cells


def _rows_by_csv_module(text: str):
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    start = 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1


# --------------------------------------------------------------------------------------------------- header


def _parse_header(file: str, names: list[str]) -> _Header:
    dialect = {CURRENT.statistic: CURRENT, LEGACY_2024.statistic: LEGACY_2024}.get(names[0])
    if dialect is None:
        raise ImportRejected(
            file,
            "Kein GENESIS-Flat-CSV: die erste Spalte muss „statistics_code“ (aktuelles Format) oder "
            "„Statistik_Code“ (Format 2024) heißen.",
            line=1,
            column=names[0][:40],
        )
    names = _names_by_position(names, dialect)
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ImportRejected(file, f"Spalten doppelt in der Kopfzeile: {', '.join(duplicates)}.", line=1)
    _require(file, names, dialect.lead)
    groups = _variable_groups(file, names, dialect)
    used = set(dialect.lead) | {c for n in groups for c in dialect.group_columns(n)}
    rest = [n for n in names if n not in used]
    if dialect is CURRENT and any(_is_legacy_value_name(n) for n in rest):
        dialect = LEGACY_2024_EN
    values = _current_values(file, rest) if dialect is CURRENT else _legacy_values(file, rest)
    return _Header(dialect, names, groups, values)


def _names_by_position(names: list[str], dialect: _Dialect) -> list[str]:
    """Give every variable group its four names by position: the English 2024 layout repeats the variable
    columns' names over the attribute columns, so a name alone does not say which column it is."""
    variable = re.compile(dialect.variable)
    renamed = list(names)
    for i, name in enumerate(names):
        m = variable.match(name)
        if m and i + 3 < len(names) and names[i + 2] == name:
            renamed[i : i + 4] = dialect.group_columns(int(m.group(1)))
    return renamed


def _is_legacy_value_name(name: str) -> bool:
    parts = name.split("__")
    return len(parts) >= 3 and bool(parts[0]) and not name.endswith("__q")


def _require(file: str, names: list[str], required) -> None:
    missing = [c for c in required if c not in names]
    if missing:
        raise ImportRejected(
            file,
            f"Pflichtspalte(n) fehlen: {', '.join(missing)}. Die Datei ist kein vollständiges GENESIS-Flat-CSV.",
            line=1,
            column=missing[0],
        )


def _variable_groups(file: str, names: list[str], dialect: _Dialect) -> list[int]:
    numbers = sorted(int(m.group(1)) for m in map(re.compile(dialect.variable).match, names) if m)
    if numbers != list(range(1, len(numbers) + 1)):
        raise ImportRejected(file, f"Die Merkmalsgruppen sind nicht 1…n durchnummeriert: {numbers}.", line=1)
    for n in numbers:
        _require(file, names, dialect.group_columns(n))
    return numbers


def _current_values(file: str, rest: list[str]) -> list[_ValueColumn]:
    _require(file, rest, CURRENT_VALUE_COLUMNS)
    known = set(CURRENT_VALUE_COLUMNS) | {CURRENT_QUALITY_COLUMN}
    _reject_unknown(file, [n for n in rest if n not in known])
    quality = CURRENT_QUALITY_COLUMN if CURRENT_QUALITY_COLUMN in rest else None
    return [_ValueColumn(value="value", quality=quality, measure=None, unit=None)]


def _legacy_values(file: str, rest: list[str]) -> list[_ValueColumn]:
    """Value columns CODE__Label__Unit, each with an optional quality column CODE__Label__Unit__q."""
    value_names = [n for n in rest if _is_legacy_value_name(n)]
    quality_names = {n for n in rest if n.endswith("__q") and n[: -len("__q")] in value_names}
    _reject_unknown(file, [n for n in rest if n not in value_names and n not in quality_names])
    if not value_names:
        raise ImportRejected(file, "Keine Wertspalte (CODE__Bezeichnung__Einheit) in der Kopfzeile.", line=1)
    columns = []
    for name in value_names:
        parts = name.split("__")
        quality = name + "__q" if name + "__q" in quality_names else None
        # The 2024 layout writes spaces as "_" in column names ("Tsd._EUR"); give the unit its spaces back
        # so it reads like value_unit in the current layout.
        unit = parts[-1].replace("_", " ").strip()
        columns.append(_ValueColumn(value=name, quality=quality, measure=parts[0].strip(), unit=unit))
    return columns


def _reject_unknown(file: str, unknown: list[str]) -> None:
    # An unknown column might be a further value column: refuse rather than drop numbers silently.
    if unknown:
        raise ImportRejected(
            file, f"Unbekannte Spalte(n) in der Kopfzeile: {', '.join(unknown)}.", line=1, column=unknown[0]
        )


# ------------------------------------------------------------------------------------------- observations


def _observations(file: str, header: _Header, cells: pd.DataFrame, lines: np.ndarray, table_hint: str | None):
    dialect = header.dialect
    statistic = _non_empty(file, cells, dialect.statistic, lines)
    region_group = _regional_group(file, header, cells)
    ags, region_name = _regions(cells, dialect.group_columns(region_group))
    dims = _dims(cells, [dialect.group_columns(n) for n in header.groups if n != region_group])
    time, year, time_label = _times(file, cells[dialect.time], lines, dialect.time)
    shared = {
        "source_file": file,
        "line": lines,
        "layout": dialect.layout,
        "table": _table_codes(statistic, file, table_hint),
        "statistic": statistic.to_numpy(),
        "ags": ags,
        "region_name": region_name,
        "time": time,
        "year": year,
        "time_label": time_label,
        "dims": dims,
        "stand": "",  # the ffcsv carries no data date
        "copyright": "",  # nor an attribution line: the build step adds the database's standard line
    }
    parts = [_measure_part(file, cells, lines, column, dialect, shared) for column in header.values]
    frame = pd.concat(parts, ignore_index=True)
    if len(parts) > 1:
        frame = frame.sort_values("line", kind="stable", ignore_index=True)  # file order, measures side by side
    _reject_duplicates(file, frame)
    # observations_frame fixes column order and dtypes; tuples, because 100 000 dicts would cost seconds.
    # Columns this layout has nothing for (note: remarks on published values) stay "".
    frame = frame.reindex(columns=OBS_COLUMNS, fill_value="")
    return observations_frame(list(frame.itertuples(index=False, name=None)))


def _reject_duplicates(file: str, frame: pd.DataFrame) -> None:
    """Two lines for the same region, time, measure and dims would contradict each other (or count twice)."""
    key = ["ags", "time", "measure", "dims"]
    repeated = np.flatnonzero(frame.duplicated(key).to_numpy())
    if len(repeated):
        second = frame.iloc[repeated[0]]
        first = frame[(frame[key] == second[key]).all(axis=1)].iloc[0]
        raise ImportRejected(
            file,
            f"Doppelte Angabe: Region {second['ags']}, {second['time']}, {second['measure']} "
            f"({second['dims'] or 'ohne weitere Merkmale'}) steht schon in Zeile {first['line']}.",
            line=int(second["line"]),
        )


def _measure_part(file, cells, lines, column: _ValueColumn, dialect: _Dialect, shared: dict) -> pd.DataFrame:
    values, flags = _values(file, cells[column.value], lines, column.value, dialect.decimal)
    if column.quality:
        flags = _with_quality_marks(file, flags, cells[column.quality], lines, column.quality)
    if column.measure is None:
        measure = _non_empty(file, cells, "value_variable_code", lines).to_numpy()
        unit = cells["value_unit"].to_numpy()
    else:
        measure, unit = column.measure, column.unit
    return pd.DataFrame({**shared, "measure": measure, "value": values, "flag": flags, "unit": unit})


def _non_empty(file: str, cells: pd.DataFrame, column: str, lines: np.ndarray) -> pd.Series:
    empty = np.flatnonzero((cells[column] == "").to_numpy())
    if len(empty):
        raise ImportRejected(
            file, "Das Feld ist leer, muss aber einen Code enthalten.", line=int(lines[empty[0]]), column=column
        )
    return cells[column]


def _regional_group(file: str, header: _Header, cells: pd.DataFrame) -> int:
    """The variable group whose attributes are regions: a known regional variable, else region-shaped codes."""
    known, region_shaped = [], []
    for n in header.groups:
        variable, _label, code, _code_label = header.dialect.group_columns(n)
        variables = set(cells[variable].unique())
        codes = [c for c in cells[code].unique() if c]
        if all(v in KNOWN_REGIONAL_VARIABLES or ZENSUS_GEO_VARIABLE.match(v) for v in variables):
            known.append(n)
        elif codes and all(REGION_CODE.match(c) for c in codes):
            region_shaped.append(n)
    candidates = known or region_shaped
    if not candidates:
        raise ImportRejected(
            file,
            "Kein regionales Merkmal gefunden (z. B. KREISE, DLAND, DINSG): die Werte lassen sich keiner Region "
            "zuordnen. Bitte die Tabelle mit regionaler Gliederung herunterladen.",
            line=1,
        )
    if len(candidates) > 1:
        raise ImportRejected(
            file,
            f"Mehrere regionale Merkmale (Gruppen {', '.join(map(str, candidates))}): es ist nicht eindeutig, "
            "welches die Region der Werte ist.",
            line=1,
        )
    return candidates[0]


def _regions(cells: pd.DataFrame, group: tuple[str, str, str, str]) -> tuple[np.ndarray, np.ndarray]:
    _variable, _label, code, code_label = group
    codes = cells[code]
    # Empty code = "Insgesamt" over all regions of the nationwide database: Deutschland.
    ags = codes.where(codes != "", "DG").to_numpy()
    return ags, cells[code_label].to_numpy()


def _dims(cells: pd.DataFrame, groups: list[tuple[str, str, str, str]]) -> np.ndarray:
    """"VAR=ATTR;…" sorted by variable code.  The variable of a group can change from line to line (WDGAT1 /
    WDGAT2), so the order is worked out per distinct combination of codes, then spread over the lines."""
    if not groups:
        return np.full(len(cells), "", dtype=object)
    columns = [cells[name].to_numpy() for variable, _label, code, _code_label in groups for name in (variable, code)]
    combination = np.zeros(len(cells), dtype=np.int64)
    for column in columns:  # number the distinct combinations, one column at a time
        codes, distinct = pd.factorize(column)
        combination, _ = pd.factorize(combination * len(distinct) + codes)
    _, first_lines = np.unique(combination, return_index=True)
    joined = []
    for row in first_lines:  # combination k first occurs at first_lines[k]
        pairs = sorted(zip((c[row] for c in columns[0::2]), (c[row] for c in columns[1::2])))
        joined.append(";".join(f"{variable}={code}" for variable, code in pairs))
    return np.asarray(joined, dtype=object)[combination]


def _times(file: str, column: pd.Series, lines: np.ndarray, name: str):
    """(time, year, label) per line: every time form of common.parse_time, worked out once per distinct text."""
    parsed = {}
    for text in column.unique():
        result = parse_time(text)
        if result is None:
            first = int(np.flatnonzero((column == text).to_numpy())[0])
            raise ImportRejected(
                file,
                f"Zeitangabe „{text}“ nicht lesbar: erwartet wird ein Stichtag (2024-12-31 oder 31.12.2024), ein "
                "Jahr, ein Zeitraum nach ISO 8601 (2023-10P6M) oder ein Schuljahr, Semester, Quartal oder Monat.",
                line=int(lines[first]),
                column=name,
            )
        parsed[text] = result
    time = column.map({text: t.time for text, t in parsed.items()}).to_numpy()
    year = column.map({text: t.year for text, t in parsed.items()}).to_numpy(dtype=np.int64)
    label = column.map({text: t.label for text, t in parsed.items()}).to_numpy()
    return time, year, label


def _values(file: str, column: pd.Series, lines: np.ndarray, name: str, decimal: str):
    """(values, flags): plain numbers vectorised, special values by table, anything else through parse_cell."""
    cells = column
    values = np.full(len(cells), np.nan)
    flags = np.full(len(cells), "", dtype=object)
    plain = cells.str.fullmatch(PLAIN_NUMBER[decimal]).to_numpy(dtype=bool)
    values[plain] = cells[plain].str.replace(",", ".", regex=False).astype(float).to_numpy()
    special = cells.isin(list(SPECIAL_VALUES)).to_numpy()
    flags[special] = cells[special].to_numpy()
    for i in np.flatnonzero(~plain & ~special):
        try:
            value, flag = parse_cell(cells.iat[i], decimal=decimal)
        except ValueError as err:
            raise ImportRejected(file, f"Kein Zahlenwert: {err}.", line=int(lines[i]), column=name) from None
        values[i] = np.nan if value is None else value
        flags[i] = flag
    return values, flags


def _with_quality_marks(file: str, flags: np.ndarray, column: pd.Series, lines: np.ndarray, name: str) -> np.ndarray:
    """A quality mark travels with a usable value; a special value's own flag wins over it."""
    marks = column
    unknown = np.flatnonzero(((marks != "") & ~marks.isin(list(QUALITY_MARKS))).to_numpy())
    if len(unknown):
        i = int(unknown[0])
        raise ImportRejected(
            file,
            f"Unbekanntes Qualitätskennzeichen „{marks.iat[i]}“ (bekannt: {', '.join(QUALITY_MARKS)}).",
            line=int(lines[i]),
            column=name,
        )
    flags = flags.copy()
    take = ((marks != "").to_numpy()) & (flags == "")
    flags[take] = marks.to_numpy()[take]
    return flags


def _table_codes(statistic: pd.Series, file: str, table_hint: str | None) -> np.ndarray:
    """The table code from the file name (member name first, then archive name) if it belongs to the
    statistic of the line (12411-01-01-4 for 12411); else the statistic code, as OBS_COLUMNS asks."""
    names = [name.rsplit("!", 1)[-1].rsplit("/", 1)[-1] for name in (file, table_hint) if name]
    code = next((m.group(0) for m in map(TABLE_CODE_IN_NAME.match, names) if m), None)
    if code is None:
        return statistic.to_numpy()
    belongs = statistic.map({s: code.startswith(s + "-") for s in statistic.unique()}).to_numpy(dtype=bool)
    return np.where(belongs, code, statistic.to_numpy()).astype(object)
