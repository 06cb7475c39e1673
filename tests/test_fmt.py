"""German formatting: numbers, changes, units, dates, periods and the meaning of special values."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from monitoring import fmt


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1234.5, 1, "1.234,5"),
        (1234.5, 0, "1.235"),  # kaufmännisch: half away from zero
        (1234567.891, 2, "1.234.567,89"),
        (2.675, 2, "2,68"),  # not 2,67 as binary floating point rounding would give
        (0.5, 0, "1"),
        (-0.5, 0, "-1"),
        (-1234.5, 1, "-1.234,5"),
        (12, 1, "12,0"),
        (np.int64(44), 0, "44"),
        (np.float64(0.1), 1, "0,1"),
    ],
)
def test_fmt_number(value, decimals, expected):
    assert fmt.fmt_number(value, decimals) == expected


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, float("inf")])
def test_missing_numbers_print_a_dash(missing):
    assert fmt.fmt_number(missing, 1) == "–"
    assert fmt.fmt_value(missing, "%", 1) == "–"
    assert fmt.fmt_signed(missing, 1) == "–"
    assert fmt.fmt_change(missing, "%", 1) == "–"


def test_minus_is_hyphen_minus_and_never_negative_zero():
    assert fmt.fmt_number(-3) == "-3"
    assert fmt.fmt_number(-0.04, 1) == "0,0"


def test_number_without_thousands_separator_for_csv():
    assert fmt.fmt_number(1234567.5, 1, thousands=False) == "1234567,5"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [(1.23, 1, "+1,2"), (-0.4, 1, "-0,4"), (0, 0, "±0"), (0, 1, "±0,0"), (-0.04, 1, "±0,0"), (1500, 0, "+1.500")],
)
def test_fmt_signed(value, decimals, expected):
    assert fmt.fmt_signed(value, decimals) == expected


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "expected"),
    [
        (12.34, "%", 1, "12,3 %"),
        (1234, "Personen", 0, "1.234 Personen"),
        (4.5, "je 1.000 Einw.", 1, "4,5 je 1.000 Einw."),
        (7, "", 0, "7"),
        (7, None, 0, "7"),
    ],
)
def test_fmt_value(value, unit, decimals, expected):
    assert fmt.fmt_value(value, unit, decimals) == expected


def test_change_of_a_percentage_is_in_percentage_points():
    assert fmt.fmt_change(1.23, "%", 1) == "+1,2 Pp."
    assert fmt.fmt_change(-0.4, "%", 1) == "-0,4 Pp."
    assert fmt.fmt_change(0, "%", 1) == "±0,0 Pp."


def test_change_of_other_units_keeps_the_unit():
    assert fmt.fmt_change(-120, "Personen", 0) == "-120 Personen"
    assert fmt.fmt_change(0.5, "je 1.000 Einw.", 1) == "+0,5 je 1.000 Einw."


@pytest.mark.parametrize(
    "value",
    ["2024-12-31", dt.date(2024, 12, 31), dt.datetime(2024, 12, 31, 0, 0), pd.Timestamp("2024-12-31"),
     np.datetime64("2024-12-31")],
)
def test_fmt_date(value):
    assert fmt.fmt_date(value) == "31.12.2024"


def test_fmt_date_pads_day_and_month_and_prints_missing_as_dash():
    assert fmt.fmt_date("2011-05-09") == "09.05.2011"
    assert fmt.fmt_date(None) == "–"
    assert fmt.fmt_date("") == "–"
    assert fmt.fmt_date("2025-04") == "04/2025"  # BA Datenstand: month only
    assert fmt.fmt_date("2025") == "2025"
    assert fmt.fmt_date(pd.NaT) == "–"


@pytest.mark.parametrize(
    ("period", "period_type", "expected"),
    [
        ("2015-12-31", "Stichtag", "31.12.2015"),
        (pd.Timestamp("2011-05-09"), "Stichtag", "09.05.2011"),
        ("2015-12-31", "Jahr", "2015"),
        (pd.Timestamp("2015-12-31"), "Jahresdurchschnitt", "2015"),
        (2015, "Jahr", "2015"),
        ("2015-12-31", "Schuljahr", "2015/16"),
        (2015, "Schuljahr", "2015/16"),
        ("1999-12-31", "Schuljahr", "1999/00"),
        ("2009", "Schuljahr", "2009/10"),
    ],
)
def test_fmt_period(period, period_type, expected):
    assert fmt.fmt_period(period, period_type) == expected


def test_fmt_period_rejects_an_unknown_period_type():
    with pytest.raises(ValueError, match="Zeitbezug"):
        fmt.fmt_period("2015-12-31", "Quartal")


@pytest.mark.parametrize(
    ("flag", "meaning"),
    [
        ("-", "nichts vorhanden"),
        (".", "Zahlenwert unbekannt oder geheim zu halten"),
        ("x", "Tabellenfach gesperrt, Aussage nicht sinnvoll"),
        ("/", "keine Angabe, Zahlenwert nicht sicher genug"),
        ("...", "Angabe fällt später an"),
        ("()", "Aussagewert eingeschränkt"),
        ("*", "von der BA anonymisiert"),
        ("e", "endgültiger Wert"),  # GENESIS value_q, as the importers read it
        ("s", "geschätzt"),
        ("p", "vorläufig"),
        ("r", "berichtigt"),
        ("", ""),
        (None, ""),
    ],
)
def test_flag_meaning(flag, meaning):
    assert fmt.flag_meaning(flag) == meaning


def test_unknown_flag_is_named_not_hidden():
    assert "q" in fmt.flag_meaning("q")


def test_flag_note_skips_the_mark_for_final_values():
    assert fmt.flag_note("p") == "vorläufig"
    assert fmt.flag_note("e") == ""
    assert fmt.flag_note("") == ""


def test_fmt_missing_says_why():
    assert fmt.fmt_missing("/") == "keine Angabe: Zahlenwert nicht sicher genug"
    assert fmt.fmt_missing(".") == "keine Angabe: Zahlenwert unbekannt oder geheim zu halten"
    assert fmt.fmt_missing("") == "keine Angabe"


def test_flag_texts_never_nest_brackets():
    assert fmt.fmt_missing("x") == "keine Angabe: Tabellenfach gesperrt, Aussage nicht sinnvoll"
    for flag in fmt.FLAG_MEANINGS:
        for text in (fmt.fmt_missing(flag), f"12 ({fmt.flag_note(flag)})"):
            assert text.count("(") <= 1 and "((" not in text and "))" not in text, text
            inner = text[text.find("(") + 1:] if "(" in text else ""
            assert "(" not in inner, text


def test_sentence_adds_no_second_period_after_a_unit_abbreviation():
    change = fmt.fmt_change(5.9, "%", 1)
    assert change == "+5,9 Pp."
    assert fmt.sentence(f"Seit 2015: {change}") == "Seit 2015: +5,9 Pp."
    assert fmt.sentence("Seit 2015: " + fmt.fmt_change(3, "Personen")) == "Seit 2015: +3 Personen."
    assert fmt.sentence(fmt.fmt_value(4.5, "je 1.000 Einw.", 1)) == "4,5 je 1.000 Einw."
    assert fmt.sentence("") == ""


def test_flag_meanings_cover_the_importers_special_values():
    from monitoring.importers.common import QUALITY_MARKS, SPECIAL_VALUES

    assert set(SPECIAL_VALUES) | set(QUALITY_MARKS) <= set(fmt.FLAG_MEANINGS)
