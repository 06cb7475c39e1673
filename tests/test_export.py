"""CSV download: header comments, German decimal comma, BOM, empty gaps, flags and the formula guard."""
import io

import numpy as np
import pandas as pd

from monitoring.export import csv_bytes, guard_text, region_level, value_decimals, with_level

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


def test_float_noise_is_never_written():
    table = pd.DataFrame({"change": [8.1 - 11.7, 0.1 + 0.2], "count": [116180.0, 3.0]})
    assert 8.1 - 11.7 == -3.5999999999999996  # the stored difference
    row = _lines(csv_bytes(table, header_lines=[]))[1:3]
    assert row == ["-3,6;116180", "0,3;3"]


def test_decimals_per_row_for_rows_of_different_indicators():
    table = pd.DataFrame({"Kennzahl": ["Bevölkerung", "Ausländeranteil"], "Wert": [231017.0, 16.349876],
                          "Perzentil": [34.080082399897, 71.5]})
    lines = _lines(csv_bytes(table, header_lines=[], decimals={"Wert": [0, 1], "Perzentil": value_decimals(0, True)}))
    assert lines[1:3] == ["Bevölkerung;231017;34,1", "Ausländeranteil;16,3;71,5"]


def test_value_decimals_adds_one_place_for_derived_values():
    assert value_decimals(1) == 1
    assert value_decimals(1, derived=True) == 2


def test_region_level_from_the_ags():
    assert [region_level(a) for a in ["08216", "08", "DG", "", None, "0821"]] == [
        "Kreis", "Land", "Deutschland", "", "", ""]


def test_level_column_says_whose_value_a_row_is():
    table = with_level(_table(), "ags")
    assert list(table.columns[:3]) == ["ags", "Ebene", "name"]
    assert list(table["Ebene"]) == ["Kreis", "Kreis", "Land"]
    shown = pd.DataFrame({"Region": ["Rastatt", "Baden-Württemberg", "Deutschland"], "Wert": [1.0, 2.0, 3.0]})
    lines = _lines(csv_bytes(with_level(shown, ["08216", "08", "DG"], after="Region"), header_lines=[]))
    assert lines[:4] == ["Region;Ebene;Wert", "Rastatt;Kreis;1", "Baden-Württemberg;Land;2", "Deutschland;Deutschland;3"]
