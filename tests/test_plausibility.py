"""Plausibility rules (monitoring/plausibility.py): one small self-written frame per rule, then the real build.

Expected warnings are worked out by hand from the thresholds in the module docstring: a jump needs more than
max_jump_pct % of the smaller value AND more than min_jump_abs, both times √(years between the values).
"""
from __future__ import annotations

import csv

import pandas as pd
import pytest

from monitoring import plausibility
from monitoring.plausibility import WARNING_COLUMNS, plausibility_warnings

from .conftest import PROJECT_DIR


def series(ags: str, indicator: str, unit: str, points: list[tuple[int, float]], category: str = "") -> pd.DataFrame:
    return pd.DataFrame({
        "ags": ags, "indicator": indicator, "category": category, "unit": unit,
        "period": [f"{year}-12-31" for year, _ in points], "year": [year for year, _ in points],
        "value": [value for _, value in points],
    })


def land(values: list[float], indicator: str = "quote", unit: str = "%", land_code: str = "08") -> pd.DataFrame:
    """One value per district of a Land at 31.12.2020; districts land_code + "001", "002", …"""
    return pd.concat([series(f"{land_code}{n:03d}", indicator, unit, [(2020, v)]) for n, v in enumerate(values, 1)],
                     ignore_index=True)


# --- sprung ---------------------------------------------------------------------------------------------------

def test_a_jump_of_a_share_is_flagged_on_both_values():
    frame = series("08216", "anteil", "%", [(1999, 9.0), (2000, 10.0), (2001, 25.0), (2002, 25.5)])
    warnings = plausibility_warnings(frame)
    # 10 -> 25: +15 Pp. > 5 Pp. and 150 % of 10 > 50 %; 9 -> 10 and 25 -> 25,5 are ordinary steps
    assert warnings["rule"].tolist() == ["sprung", "sprung"]
    assert warnings["period"].tolist() == ["2000-12-31", "2001-12-31"]
    assert warnings["value"].tolist() == [10.0, 25.0]
    assert warnings["reference_period"].tolist() == ["2001-12-31", "2000-12-31"]
    assert warnings["reference_value"].tolist() == [25.0, 10.0]
    assert "Sprung von 10,0 % am 31.12.2000 auf 25,0 % am 31.12.2001 (+15,0 Pp. in 1 Jahr)" in warnings["message"][0]
    assert list(warnings.columns) == WARNING_COLUMNS


def test_a_normal_change_is_not_flagged():
    # +4,9 Pp. in one year (below 5 Pp.), and +6 Pp. over five years (below 5 × √5 = 11,2 Pp.)
    frame = pd.concat([
        series("08001", "anteil", "%", [(2010, 10.0), (2011, 14.9)]),
        series("08002", "anteil", "%", [(2000, 10.0), (2005, 16.0)]),
        series("08003", "anzahl", "Personen", [(2010, 5000), (2011, 9000)]),  # +80 %: not a doubling
        series("08004", "anzahl", "Personen", [(2010, 200), (2011, 900)]),  # 4,5-fold but only 700 persons
    ], ignore_index=True)
    assert plausibility_warnings(frame).empty


def test_the_year_gap_widens_the_threshold_but_not_without_limit():
    # Rastatt's pattern: 25,9 % then 8,7 % five years later: -17,2 Pp. > 11,2 Pp. and 198 % of 8,7 > 112 %
    frame = series("08216", "anteil", "%", [(1995, 25.9), (2000, 8.7)])
    assert plausibility_warnings(frame)["rule"].tolist() == ["sprung", "sprung"]
    # the same step over 20 years: thresholds 22,4 Pp. and 224 % are not exceeded
    frame = series("08216", "anteil", "%", [(1995, 25.9), (2015, 8.7)])
    assert plausibility_warnings(frame).empty


def test_a_count_that_more_than_doubles_by_many_persons_is_flagged():
    frame = series("08216", "anzahl", "Personen", [(2014, 5000), (2015, 12000)])
    warnings = plausibility_warnings(frame)
    assert warnings["rule"].tolist() == ["sprung", "sprung"]
    assert "+7.000 Personen in 1 Jahr" in warnings["message"][0]


def test_a_jump_is_only_looked_for_within_one_series():
    frame = pd.concat([series("08001", "anteil", "%", [(2010, 10.0)]),
                       series("08002", "anteil", "%", [(2011, 40.0)]),
                       series("08002", "anteil", "%", [(2012, 40.0)], category="männlich")], ignore_index=True)
    assert plausibility_warnings(frame).empty


def test_a_gap_value_does_not_hide_a_jump():
    frame = series("08216", "anteil", "%", [(2000, 10.0), (2001, float("nan")), (2002, 30.0)])
    warnings = plausibility_warnings(frame)
    assert warnings["period"].tolist() == ["2000-12-31", "2002-12-31"]  # consecutive available values


def test_an_override_from_the_catalogue_changes_the_threshold():
    frame = series("08216", "anteil", "%", [(2000, 10.0), (2001, 25.0)])
    assert plausibility_warnings(frame, {"anteil": {"max_jump_pct": 200}}).empty
    assert len(plausibility_warnings(frame, {"anderer": {"max_jump_pct": 200}})) == 2


def test_catalog_overrides_reads_the_plausibility_table(tmp_path):
    catalogue = tmp_path / "indicators.toml"
    catalogue.write_text('[[indicator]]\nid = "anteil"\nplausibility = { max_jump_pct = 60, min_jump_abs = 3 }\n\n'
                         '[[indicator]]\nid = "anzahl"\n', encoding="utf-8")
    assert plausibility.catalog_overrides(catalogue) == {"anteil": {"max_jump_pct": 60, "min_jump_abs": 3}}
    catalogue.write_text('[[indicator]]\nid = "anteil"\nplausibility = { max_sprung = 60 }\n', encoding="utf-8")
    with pytest.raises(ValueError, match="plausibility kennt nur"):
        plausibility.catalog_overrides(catalogue)


# --- wertebereich ---------------------------------------------------------------------------------------------

def test_a_share_above_100_percent_is_flagged():
    frame = series("08216", "anteil", "%", [(2020, 120.0)])
    warnings = plausibility_warnings(frame)
    assert warnings["rule"].tolist() == ["wertebereich"]
    assert warnings["value"].tolist() == [120.0]
    assert warnings["message"][0].startswith("Anteil von 120,0 % am 31.12.2020: ein Anteil liegt zwischen 0 und 100 %")


def test_negative_values_are_flagged_and_bounds_are_allowed():
    frame = pd.concat([series("08001", "anteil", "%", [(2020, 0.0)]), series("08002", "anteil", "%", [(2020, 100.0)]),
                       series("08003", "anzahl", "Personen", [(2020, -5)]),
                       series("08004", "anteil", "%", [(2020, -0.1)]),
                       series("08005", "rate", "je 1.000 Einw.", [(2020, 1500.0)])], ignore_index=True)
    warnings = plausibility_warnings(frame)
    assert warnings[["ags", "rule"]].values.tolist() == [["08004", "wertebereich"], ["08003", "wertebereich"]]


# --- ausreisser -----------------------------------------------------------------------------------------------

def test_a_district_far_outside_its_land_is_flagged():
    # eleven districts: Q1 = 11,25, Q3 = 13,25 (linear between ranks), IQR = 2, upper fence 13,25 + 3 × 2 = 19,25
    frame = land([10, 10.5, 11, 11.5, 12, 12, 12.5, 13, 13.5, 14, 40])
    warnings = plausibility_warnings(frame, land_names={"08": "Baden-Württemberg"})
    assert warnings[["ags", "rule", "value"]].values.tolist() == [["08011", "ausreisser", 40.0]]
    assert warnings["reference_value"].tolist() == [12.0]  # the median of the eleven
    assert "liegt weit außerhalb der 11 Kreise in Baden-Württemberg (Median 12,0 %" in warnings["message"][0]


def test_a_normal_district_is_not_flagged():
    # 18 % is high but inside the fence 19,25 % (the same quartiles as above)
    assert plausibility_warnings(land([10, 10.5, 11, 11.5, 12, 12, 12.5, 13, 13.5, 14, 18])).empty


def test_outliers_are_looked_for_per_land_and_not_for_counts_or_small_lands():
    frame = pd.concat([
        land([10, 10.5, 11, 11.5, 12, 12, 12.5, 13, 13.5, 14]),
        land([40, 41, 42], land_code="09"),  # Bavaria's values do not count for Baden-Württemberg
        land([10, 10, 11, 11, 12, 12, 13, 13, 60], land_code="07"),  # nine districts: Q3 13 + 3 × 2 = 19 < 60
        land([10, 11, 12, 13, 60], land_code="06"),  # five districts: too few to say what is usual
        land([1000, 1100, 1200, 1300, 1400, 1500, 1600, 1700, 90000], indicator="anzahl", unit="Personen"),
    ], ignore_index=True)
    warnings = plausibility_warnings(frame)
    assert warnings[["ags", "rule"]].values.tolist() == [["07009", "ausreisser"]]


# --- values stay as they are ----------------------------------------------------------------------------------

def test_the_values_themselves_are_not_changed():
    frame = pd.concat([series("08216", "anteil", "%", [(2000, 10.0), (2001, 25.0), (2002, 120.0)]),
                       land([10, 10.5, 11, 11.5, 12, 12, 12.5, 13, 13.5, 14, 40])], ignore_index=True)
    before = frame.copy()
    warnings = plausibility_warnings(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert set(warnings["rule"]) == {"sprung", "wertebereich", "ausreisser"}
    merged = warnings.merge(frame, on=["ags", "indicator", "category", "period"], suffixes=("", "_input"))
    assert len(merged) == len(warnings)
    assert (merged["value"] == merged["value_input"]).all()


# --- the real data ------------------------------------------------------------------------------------------

def raw_value(raw_dir, ags: str, year: str) -> float:
    """Ausländeranteil of a district in the Regionalatlas table AI002-1 ('Anteil Ausländer …'), read plainly."""
    path = raw_dir / "regionalstatistik-tabellen-2017-datenguide" / "AI002-1_00.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    column = next(r for r in rows if "Anteil Ausländer an der Gesamtbevölkerung" in r).index(
        "Anteil Ausländer an der Gesamtbevölkerung")
    row = next(r for r in rows if r[:2] == [year, ags])
    return float(row[column].replace(",", "."))


def test_rastatt_1995_auslaenderanteil_is_flagged_as_a_jump_in_the_built_data(raw_dir):
    in_1995, in_2000 = raw_value(raw_dir, "08216", "1995"), raw_value(raw_dir, "08216", "2000")
    assert (in_1995, in_2000) == (25.9, 8.7)
    warnings = plausibility.read_warnings(PROJECT_DIR / "data")
    rastatt = warnings[(warnings["ags"] == "08216") & (warnings["indicator"] == "auslaenderanteil")
                       & (warnings["category"] == "") & (warnings["period"] == "1995-12-31")]
    assert rastatt["rule"].tolist() == ["sprung"]
    assert rastatt["value"].tolist() == [in_1995]
    assert rastatt[["reference_period", "reference_value"]].values.tolist() == [["2000-12-31", in_2000]]
    assert "Sprung von 25,9 % am 31.12.1995 auf 8,7 % am 31.12.2000" in rastatt["message"].iloc[0]


def test_the_committed_warnings_are_what_the_rules_give_on_the_committed_data(built_db):
    """data/plausibility.parquet is not stale: the rules run on the database built from data/ give the same rows."""
    import duckdb

    from monitoring import db

    with duckdb.connect(str(built_db), read_only=True) as con:
        values = con.execute(db.load_sql("build_plausibility_input")).df()
        land_names = dict(con.execute("SELECT ags, name FROM laender").fetchall())
    fresh = plausibility_warnings(values, plausibility.catalog_overrides(), land_names)
    committed = plausibility.read_warnings(PROJECT_DIR / "data")
    pd.testing.assert_frame_equal(fresh, committed, check_dtype=False)


def test_the_import_preview_reports_the_build_rules_for_the_values_it_brings():
    """updates._rule_warnings: a new value far outside its Land's districts is reported, an unchanged one is not."""
    from monitoring import updates

    districts = [f"08{n:03d}" for n in range(111, 131)]
    values = pd.DataFrame({"ags": districts, "indicator": "auslaenderanteil", "breakdown": "", "category": "",
                           "period": "2024-12-31", "year": 2024, "value": [10.0 + n % 5 for n in range(20)],
                           "unit": "%"})
    values.loc[values["ags"] == "08111", "value"] = 80.0
    changes = pd.DataFrame({"status": ["new", "new"], "ags": ["08111", "08112"], "indicator": "auslaenderanteil",
                            "category": "", "period": "2024-12-31", "source_file": ["neu.csv", "neu.csv"]})
    warnings = updates._rule_warnings(changes, values)
    assert len(warnings) == 1 and "08111" in warnings["message"].iloc[0]
    assert warnings["file"].iloc[0] == "neu.csv" and "Bitte prüfen" in warnings["message"].iloc[0]
    assert updates._rule_warnings(changes.assign(status="removed"), values).empty


def test_no_values_no_warnings():
    empty = pd.DataFrame(columns=["ags", "indicator", "category", "period", "year", "value", "unit"])
    assert plausibility_warnings(empty).empty
