"""CSV download: header comments, German decimal comma, BOM, empty gaps, flags and the formula guard."""
import io

import numpy as np
import pandas as pd

from monitoring.export import csv_bytes, guard_text

HEADER = [
    "Quelle: © Statistische Ämter des Bundes und der Länder, Deutschland, 2024 (12411-01-01-4)",
    "Auswahl: Rastatt, Baden-Württemberg, 2015–2016",
    "Stand: 10.10.2024",
    "Lizenz: Datenlizenz Deutschland – Namensnennung 2.0",
]


def _table() -> pd.DataFrame:
    return pd.DataFrame({
        "ags": ["08216", "08216", "08"],
        "name": ["Rastatt", '=HYPERLINK("http://example.org","Klick")', "Baden-Württemberg"],
        "period": pd.to_datetime(["2015-12-31", "2016-12-31", "2016-12-31"]),
        "value": [1234.56, np.nan, -5.0],
        "flag": ["", "/", "-"],
        "change": [-5, 3, 0],
    })


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8-sig").split("\r\n")


def test_starts_with_a_bom_and_is_utf8():
    data = csv_bytes(_table(), header_lines=HEADER)
    assert data.startswith(b"\xef\xbb\xbf")
    assert "Württemberg" in data.decode("utf-8-sig")


def test_header_comment_lines_then_a_blank_line_then_the_table():
    lines = _lines(csv_bytes(_table(), header_lines=HEADER))
    assert lines[:4] == [f"# {line}" for line in HEADER]
    assert lines[4] == ""
    assert lines[5] == "ags;name;period;value;flag;change"


def test_no_blank_line_without_header_lines():
    assert _lines(csv_bytes(_table(), header_lines=[]))[0] == "ags;name;period;value;flag;change"


def test_decimal_comma_without_thousands_separator_and_per_column_decimals():
    lines = _lines(csv_bytes(_table(), header_lines=HEADER, decimals={"value": 1}))
    assert lines[6] == "08216;Rastatt;2015-12-31;1234,6;;-5"
    lines = _lines(csv_bytes(_table(), header_lines=HEADER))
    assert lines[6].split(";")[3] == "1234,56"


def test_nan_is_an_empty_cell_and_the_flag_keeps_its_symbol():
    row = _lines(csv_bytes(_table(), header_lines=HEADER))[7].split(";")
    assert row[3] == ""
    assert row[4] == "/"
    land = _lines(csv_bytes(_table(), header_lines=HEADER))[8].split(";")
    assert land[4] == "-"  # "nichts vorhanden" stays the official symbol, no apostrophe


def test_formula_guard_on_text_but_not_on_negative_numbers():
    lines = _lines(csv_bytes(_table(), header_lines=HEADER, decimals={"value": 0}))
    assert "'=HYPERLINK(" in lines[7]
    assert lines[7].split(";")[1].startswith("\"'=HYPERLINK(")  # quoted because the text holds a comma-free quote
    assert lines[8].split(";")[3] == "-5"
    assert lines[6].split(";")[5] == "-5"


def test_guard_text():
    assert guard_text('=HYPERLINK("x")') == "'=HYPERLINK(\"x\")"
    assert guard_text("+49 7222") == "'+49 7222"
    assert guard_text("-2+3+cmd|' /C calc'!A0") == "'-2+3+cmd|' /C calc'!A0"
    assert guard_text("@SUM(A1)") == "'@SUM(A1)"
    assert guard_text("\t=1+1") == "'\t=1+1"
    assert guard_text("\r=1+1") == "'\r=1+1"
    assert guard_text("-5") == "-5"
    assert guard_text("-") == "-"
    assert guard_text("Rastatt") == "Rastatt"


def test_reads_back_with_pandas_as_german_csv():
    data = csv_bytes(_table(), header_lines=HEADER, decimals={"value": 2})
    back = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", comment="#", encoding="utf-8-sig",
                       dtype={"ags": str, "flag": str}, keep_default_na=False, na_values={"value": [""]})
    assert list(back["ags"]) == ["08216", "08216", "08"]
    assert back["value"].iloc[0] == 1234.56
    assert np.isnan(back["value"].iloc[1])
    assert back["value"].iloc[2] == -5.0
    assert list(back["flag"]) == ["", "/", "-"]
