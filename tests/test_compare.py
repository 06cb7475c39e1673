"""Kreisvergleich: comparable districts, ranking window, classes, and the SQL behind map, ranking and profile."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitoring.charts_kreisvergleich import class_edges
from monitoring.compare import ranking_window, similar_districts, standardise


def features() -> pd.DataFrame:
    return pd.DataFrame({
        "ags": ["A", "B", "C", "D", "E"],
        "name": ["a", "b", "c", "d", "e"],
        "stadtkreis": [0.0, 0.0, 1.0, 0.0, 0.0],
        "bevoelkerung": [100_000, 110_000, 600_000, 95_000, np.nan],
        "auslaenderanteil": [10.0, 11.0, 25.0, 30.0, 10.0],
    })


def test_standardise_gives_mean_zero_and_unit_spread_and_handles_constant_columns():
    frame = features().dropna()
    scores = standardise(frame.assign(const=1.0), ["auslaenderanteil", "const"])
    assert scores["auslaenderanteil"].mean() == pytest.approx(0) and scores["auslaenderanteil"].std(ddof=0) == pytest.approx(1)
    assert (scores["const"] == 0).all()


def test_nearest_district_first_and_self_excluded():
    result = similar_districts(features(), "A", k=2, columns=["bevoelkerung", "auslaenderanteil"])
    assert result.neighbours["ags"].tolist() == ["B", "D"]  # C is far (a city of 600.000), E lacks population
    assert "A" not in result.neighbours["ags"].tolist()
    assert result.excluded == 1 and result.used == ["bevoelkerung", "auslaenderanteil"]
    assert result.neighbours["distance"].is_monotonic_increasing


def test_characteristic_missing_for_the_district_itself_is_dropped_and_reported():
    result = similar_districts(features(), "E", k=3, columns=["bevoelkerung", "auslaenderanteil"])
    assert result.dropped == ["bevoelkerung"] and result.used == ["auslaenderanteil"]
    assert result.neighbours["ags"].iloc[0] == "A"  # same Ausländeranteil: distance 0
    assert result.neighbours["distance"].iloc[0] == 0


def test_ties_are_ordered_by_code_and_unknown_district_is_an_error():
    frame = pd.DataFrame({"ags": ["X", "B", "A"], "name": list("xba"), "v": [1.0, 2.0, 2.0]})
    assert similar_districts(frame, "X", k=2, columns=["v"]).neighbours["ags"].tolist() == ["A", "B"]
    with pytest.raises(KeyError):
        similar_districts(frame, "Q", columns=["v"])


def ranking(n: int) -> pd.DataFrame:
    return pd.DataFrame({"ags": [f"{i:05d}" for i in range(n)], "name": [f"K{i}" for i in range(n)],
                         "value": [float(n - i) for i in range(n)]})


def test_short_ranking_is_shown_whole():
    window = ranking_window(ranking(44), "00010")
    assert len(window) == 44 and not window["gap_before"].any()


def test_long_ranking_shows_top_bottom_and_neighbourhood():
    window = ranking_window(ranking(400), "00200", top=10, bottom=10, around=5)
    assert window["ags"].iloc[:10].tolist() == [f"{i:05d}" for i in range(10)]
    assert window["ags"].iloc[-1] == "00399"
    assert {f"{i:05d}" for i in range(195, 206)} <= set(window["ags"])
    assert window["gap_before"].sum() == 2 and len(window) == 31


def test_long_ranking_without_the_district_has_no_neighbourhood():
    frame = ranking(400)
    frame.loc[frame["ags"] == "00200", "value"] = np.nan
    window = ranking_window(frame, "00200")
    assert "00200" not in set(window["ags"]) and len(window) == 20


def test_quantile_classes_with_ties_collapse_and_missing_values_are_ignored():
    assert class_edges([1, 1, 1, 1, np.nan], classes=4) == []
    edges = class_edges([1, 2, 3, 4, 5, 6, 7, 8, np.nan], classes=4, method="quantile", decimals=1)
    assert edges == [2.8, 4.5, 6.2]
    assert class_edges([0, 10], classes=5, method="equal", decimals=0) == [2, 4, 6, 8]


# ── SQL on the real dataset ──────────────────────────────────────────────────────────────────────

def test_comparison_values_rank_districts_only_and_keep_districts_without_value(test_db):
    rows = test_db.run_query("comparison_values", indicator="einbuergerungsquote", scope="DG", category="", year=2024)
    assert len(rows) == 400 and set(rows["ags"].str.len()) == {5}  # never DG or a Land
    valued = rows[rows["value"].notna()]
    assert len(valued) == 44  # the INKAR series covers Baden-Württemberg only: 356 districts stay as gaps
    assert valued["rank"].min() == 1 and valued["rank"].max() <= 44
    tied = valued[valued.duplicated("value", keep=False)]
    assert not tied.empty and tied.groupby("value")["rank"].nunique().eq(1).all()  # ties share a rank
    assert rows.loc[rows["value"].isna(), "rank"].isna().all()
    top = valued.iloc[0]
    assert top["percentile"] == pytest.approx(100.0 * (len(valued) - len(valued[valued.value == top.value])) / 43)


def test_profile_lists_every_indicator_with_rank_within_the_land(test_db):
    profile = test_db.run_query("profile", ags="08216", land="08", scope="08", year_from=1995, year_to=2025)
    row = profile.set_index("indicator").loc["arbeitslosenquote_auslaender"]
    # 13211-02-05-4: Rastatt 9,3 % (2023), Baden-Württemberg 9,6 %; first year in the period 2001: 11,5 %
    assert row["value"] == 9.3 and row["land_value"] == 9.6 and row["ranked"] == 44
    assert row["change"] == pytest.approx(9.3 - 11.5)
    shares = profile.set_index("indicator")
    assert (shares["rank"].dropna() <= shares["ranked"].dropna()).all()


def test_no_characteristics_chosen_means_no_comparison():
    features = pd.DataFrame({"ags": ["08001", "08002"], "name": ["A", "B"], "bevoelkerung": [1.0, 2.0]})
    result = similar_districts(features, "08001", columns=[])
    assert result.used == [] and result.neighbours.empty


def test_profile_csv_keeps_numbers_under_german_headers(test_db):
    from monitoring.ui_kreisvergleich import _profile_export

    profile = test_db.run_query("profile", ags="08216", land="08", scope="08", year_from=1995, year_to=2025)
    exported = _profile_export(profile)
    assert {"Kennzahl", "Stichtag", "Wert", "Wert des Landes", "Rang", "Veränderung"} <= set(exported.columns)
    assert not {"direction", "decimals", "period_type"} & set(exported.columns)
    assert pd.api.types.is_float_dtype(exported["Wert"])  # numbers, written with a decimal comma by the CSV writer
