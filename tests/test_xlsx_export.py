"""XLSX download (monitoring/xlsx_export.py): read back with openpyxl, sheet "Daten" holds the CSV's rows as numbers
with a number format, sheet "Kontext" says what they are; formula-like text stays text."""
from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from monitoring import export, provenance, xlsx_export

META = pd.Series({"id": "auslaenderanteil", "name": "Ausländeranteil", "unit": "%", "concept": "Ausländer",
                  "definition": "Ausländerinnen und Ausländer ÷ Bevölkerung × 100", "source": "Fortschreibung",
                  "table": "12411-01-01-4", "level": "Kreis", "decimals": 1, "period_type": "Stichtag"})
SELECTION = export.Selection("08216", "Rastatt", ("Baden-Württemberg", "Deutschland"), 2008, 2023,
                             dt.date(2026, 6, 1))
ATTRIBUTION = "© Statistische Ämter des Bundes und der Länder, Deutschland, 2024"


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "ags": ["08216", "08216", "08", "DG"],
        "name": ["Rastatt", "Rastatt", "Baden-Württemberg", "Deutschland"],
        "period": ["2022-12-31", "2023-12-31", "2023-12-31", "2023-12-31"],
        "value": [1234.56789, 34.080082399897, -3.5999999999999996, np.nan],
        "flag": ["", "", "", "/"],
        "basis": ["Fortschreibung", "eigene Berechnung (Fortschreibung)", "Fortschreibung", "=HYPERLINK(\"x\",\"y\")"],
        "source": ["12411-01-01-4"] * 4, "stand": ["2023-06-30", "2024-06-30", "2024-06-30", "2024-06-30"],
        "attribution": [ATTRIBUTION] * 4,
    })


def _book(frame: pd.DataFrame | None = None, meta: pd.Series = META):
    data = xlsx_export.numbers_xlsx(_frame() if frame is None else frame, meta, SELECTION)
    assert data.startswith(b"PK")  # a zip: the xlsx container
    return load_workbook(io.BytesIO(data))


def _rows(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def _context(book) -> dict[str, str]:
    return {label: text for label, text in _rows(book[xlsx_export.CONTEXT_SHEET])}


def test_two_sheets_data_then_context():
    assert _book().sheetnames == ["Daten", "Kontext"]


def test_data_sheet_has_the_csv_s_columns_and_rows_with_the_level():
    book, frame = _book(), _frame()
    rows = _rows(book["Daten"])
    table, _ = export.numbers_table(frame, META)
    assert rows[0] == list(table.columns)
    assert rows[0][:4] == ["Region", "Ebene", "Stichtag", "Wert"]
    assert [row[1] for row in rows[1:]] == ["Kreis", "Kreis", "Land", "Deutschland"]
    assert [row[2] for row in rows[1:]] == ["31.12.2022", "31.12.2023", "31.12.2023", "31.12.2023"]  # German dates
    assert len(rows) == len(frame) + 1


def test_values_are_numbers_rounded_like_the_csv_with_a_matching_format():
    sheet = _book()["Daten"]
    values = [sheet.cell(row=r, column=4) for r in range(2, 6)]
    assert [c.value for c in values[:3]] == [1234.6, 34.08, -3.6]  # own calculation: one place more
    assert all(c.data_type == "n" for c in values[:3])
    assert [c.number_format for c in values[:3]] == ["#,##0.0", "#,##0.00", "#,##0.0"]  # German Excel: 1.234,6
    assert values[3].value is None  # a gap is empty ...
    assert sheet.cell(row=5, column=5).value == "/" and "nicht sicher" in sheet.cell(row=5, column=6).value  # ... why
    csv_text = export.numbers_csv(_frame(), META, SELECTION).decode("utf-8-sig")
    assert ";1234,6;" in csv_text and ";34,08;" in csv_text and ";-3,6;" in csv_text  # the same numbers


def test_ranks_are_whole_numbers():
    frame = _frame().assign(rank=[3, 1, np.nan, np.nan])
    sheet = _book(frame)["Daten"]
    column = [c.value for c in sheet[1]].index("Rang") + 1
    assert sheet.cell(row=2, column=column).value == 3 and sheet.cell(row=2, column=column).number_format == "#,##0"
    assert sheet.cell(row=4, column=column).value is None


def test_formula_like_text_is_escaped_and_stored_as_text():
    frame = _frame()
    frame.loc[0, "name"] = "-1+2"
    frame.loc[1, "name"] = "@SUMME(A1)"
    sheet = _book(frame)["Daten"]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells}
    assert "'-1+2" in texts and "'@SUMME(A1)" in texts and "'=HYPERLINK(\"x\",\"y\")" in texts
    assert "-1+2" not in texts and not any(str(t).startswith(("=", "+", "@")) for t in texts)
    assert "/" in texts  # a lone special value is not a formula and stays as it is


def test_formula_like_context_is_escaped_too():
    meta = META.copy()
    meta["definition"] = "=1+1"
    book = _book(meta=meta)
    cells = [cell for row in book["Kontext"].iter_rows() for cell in row]
    assert all(c.data_type != "f" for c in cells)
    assert _context(book)["Definition"] == "'=1+1"


def test_context_sheet_says_what_the_numbers_are():
    context = _context(_book())
    assert context["Kennzahl"] == "Ausländeranteil (%), Kennung auslaenderanteil"
    assert context["Definition"] == META["definition"] and context["Konzept"] == "Ausländer"
    assert context["Einheit"] == "%" and context["Ebene"] == "Kreis, Land, Deutschland"
    assert context["Quelle"].startswith(ATTRIBUTION) and "&" not in context["Quelle"]  # plain text, not HTML
    assert context["Tabelle"] == "12411-01-01-4"
    assert context["Stand"] == "30.06.2024"  # the newest Stand of the rows
    assert context["Kreis"] == "Rastatt (08216)" and context["Vergleich"] == "Baden-Württemberg, Deutschland"
    assert context["Zeitraum"] == "2008–2023"
    assert context["Lizenz"] == provenance.LICENCE
    assert context["Heruntergeladen am"] == "01.06.2026"


def test_the_csv_carries_the_same_context_as_header_lines():
    lines = export.numbers_csv(_frame(), META, SELECTION).decode("utf-8-sig").split("\r\n")
    header = [line[2:] for line in lines if line.startswith("# ")]
    assert header == [f"{label}: {text}" for label, text in export.context_rows(_frame(), META, SELECTION)]
    assert {line.split(":")[0] for line in header} >= {"Kennzahl", "Definition", "Konzept", "Ebene", "Quelle",
                                                         "Tabelle", "Stand", "Kreis", "Vergleich", "Zeitraum",
                                                         "Lizenz", "Heruntergeladen am"}


def test_own_figures_name_their_own_licence():
    frame = _frame().assign(basis="eigene Angaben des Kreises")
    assert _context(_book(frame))["Lizenz"] == provenance.OWN_LICENCE


def test_a_frame_without_ags_takes_the_indicator_s_level():
    frame = _frame().drop(columns=["ags"])
    book = _book(frame)
    assert "Ebene" not in _rows(book["Daten"])[0]
    assert _context(book)["Ebene"] == "Kreis"


@pytest.mark.parametrize("places, expected", [(None, "General"), (0, "#,##0"), (2, "#,##0.00")])
def test_number_format(places, expected):
    assert xlsx_export.number_format(places) == expected


def test_file_names_carry_indicator_district_and_day():
    day = dt.date(2026, 6, 1)
    assert export.numbers_file_name("auslaenderanteil", "08216", day, "xlsx") == "auslaenderanteil_08216_2026-06-01.xlsx"
