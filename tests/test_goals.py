"""Goals and measures: the loader refuses broken files with German messages naming file, line and entry; the status
rule (Open SDG / Eurostat progress method) on its edge cases; the shipped example files load and are marked."""
from __future__ import annotations

import math

import pytest

from monitoring import goals
from monitoring.catalog import load_catalog, load_fields
from monitoring.goals import Goal

CATALOG_IDS = set(load_catalog()["id"])
FIELDS = list(load_fields())


def goal(**changes) -> Goal:
    values = {"id": "z", "handlungsfeld": "Arbeit", "text": "Ziel", "direction": goals.FALL, "baseline_year": 2015,
              "baseline_value": 10.0, "target_value": 5.0, "target_year": 2030,
              "indicators": ("arbeitslosenquote_auslaender",)}
    return Goal(**(values | changes))


# ── loading and validation ──────────────────────────────────────────────────────────────────────────────────


GOOD_GOAL = """
[[goal]]
id = "arbeit-1"
handlungsfeld = "Arbeit"
text = "Die Arbeitslosenquote sinkt."
indicators = ["arbeitslosenquote_auslaender"]
baseline = { year = 2015, value = 7.9 }
target = { year = 2030, value = 6.0 }
"""
GOOD_MEASURE = """
[[measure]]
id = "coaching"
handlungsfeld = "Arbeit"
title = "Jobcoaching"
goals = ["arbeit-1"]
status = "laufend"
start = 2023-01-01
end = 2025
"""


def load(tmp_path, goal_text=GOOD_GOAL, measure_text=GOOD_MEASURE):
    (tmp_path / "ziele.toml").write_text(goal_text, encoding="utf-8")
    (tmp_path / "massnahmen.toml").write_text(measure_text, encoding="utf-8")
    return goals.load_goals(tmp_path, catalog_ids=CATALOG_IDS, fields=FIELDS)


def refused(tmp_path, goal_text=GOOD_GOAL, measure_text=GOOD_MEASURE) -> str:
    with pytest.raises(goals.GoalsError) as err:
        load(tmp_path, goal_text, measure_text)
    return str(err.value)


def test_a_good_pair_of_files_loads_with_direction_from_baseline_and_target(tmp_path):
    loaded = load(tmp_path)
    assert [g.id for g in loaded.goals] == ["arbeit-1"] and loaded.goals[0].direction == "sinken"
    measure = loaded.measures[0]
    assert measure.start.isoformat() == "2023-01-01" and measure.end.isoformat() == "2025-12-31"
    assert not loaded.any_example


def test_unknown_indicator_is_refused_naming_file_line_and_entry(tmp_path):
    message = refused(tmp_path, GOOD_GOAL.replace('["arbeitslosenquote_auslaender"]', '["arbeitslosenquote_ausl"]'))
    assert "ziele.toml, Zeile 3, Ziel „arbeit-1“: unbekannter Indikator „arbeitslosenquote_ausl“" in message


def test_target_year_before_baseline_year_is_refused(tmp_path):
    message = refused(tmp_path, GOOD_GOAL.replace("year = 2030", "year = 2010"))
    assert "Ziel „arbeit-1“: Zieljahr 2010 liegt nicht nach dem Ausgangsjahr 2015" in message


def test_end_before_start_is_refused(tmp_path):
    message = refused(tmp_path, measure_text=GOOD_MEASURE.replace("end = 2025", "end = 2022-06-30"))
    assert "massnahmen.toml, Zeile 3, Maßnahme „coaching“: Ende 30.06.2022 liegt vor dem Beginn 01.01.2023" in message


def test_unknown_status_is_refused_with_the_allowed_ones(tmp_path):
    message = refused(tmp_path, measure_text=GOOD_MEASURE.replace('"laufend"', '"in Arbeit"'))
    assert "Maßnahme „coaching“: status = 'in Arbeit' ist nicht erlaubt (geplant, laufend, abgeschlossen" in message


def test_duplicate_id_is_refused_with_the_line_of_the_second(tmp_path):
    message = refused(tmp_path, GOOD_GOAL + GOOD_GOAL)
    assert "ziele.toml, Zeile 11, Ziel „arbeit-1“: id doppelt vergeben" in message


def test_every_problem_is_listed_and_a_measure_pointing_to_an_unknown_goal_is_refused(tmp_path):
    message = refused(tmp_path, GOOD_GOAL.replace("Arbeit\"", "Arbeitsmarkt\""),
                      GOOD_MEASURE.replace('"arbeit-1"', '"arbeit-2"'))
    assert "unbekanntes Handlungsfeld „Arbeitsmarkt“" in message
    assert "Maßnahme „coaching“: unbekanntes Ziel „arbeit-2“" in message


def test_a_goal_without_target_needs_a_direction(tmp_path):
    text = GOOD_GOAL.replace("target = { year = 2030, value = 6.0 }\n", "")
    assert "weder target noch direction" in refused(tmp_path, text)
    assert "direction = 'fallen' ist nicht erlaubt" in refused(tmp_path, text + 'direction = "fallen"\n')
    assert load(tmp_path, text + 'direction = "sinken"\n').goals[0].target_value is None


def test_broken_toml_names_the_file(tmp_path):
    assert refused(tmp_path, "[[goal]\n").startswith("ziele.toml: keine gültige TOML-Datei")


def test_the_shipped_examples_load_cover_the_six_fields_and_are_marked_as_examples():
    loaded = goals.load_goals(catalog_ids=CATALOG_IDS, fields=FIELDS)
    assert {g.handlungsfeld for g in loaded.goals} == {"Sprache", "Bildung", "Arbeit", "Wohnen", "Gesundheit",
                                                       "Zusammenleben"}
    assert all(g.example for g in loaded.goals) and all(m.example for m in loaded.measures)
    assert {m.status for m in loaded.measures} >= {"geplant", "laufend", "abgeschlossen"}


# ── the status rule ─────────────────────────────────────────────────────────────────────────────────────────


def test_on_course_when_the_observed_rate_matches_the_required_one():
    # 10 -> 5 in 15 years needs -4,5 % a year; 10 -> 8 in 5 years is -4,4 % a year: R = 96,5 %
    result = goals.assess(goal(), {2015: 10.0, 2018: 9.0, 2020: 8.0})
    assert result.status == goals.ON_TRACK
    assert result.current_year == 2020 and result.years == 5
    assert result.required_rate == pytest.approx(0.5 ** (1 / 15) - 1)
    assert result.observed_rate == pytest.approx(0.8 ** (1 / 5) - 1)
    assert result.ratio == pytest.approx(result.observed_rate / abs(result.required_rate) * -1)
    assert result.ratio == pytest.approx(0.967, abs=0.001)


@pytest.mark.parametrize("now, status", [(8.37, goals.TOO_SLOW), (9.51, goals.LIMITED), (10.5, goals.DETERIORATION),
                                         (4.9, goals.ACHIEVED)])
def test_the_bands_of_R(now, status):
    # required: 10 -> 5 in 15 years = -4,5 %/a; in 5 years 8,37 = -3,5 %/a (R 78 %), 9,51 = -1,0 %/a (R 22 %)
    assert goals.assess(goal(), {2015: 10.0, 2020: now}).status == status


def test_ratio_bands_at_their_edges():
    assert goals._band(0.95, goals.RATIO_THRESHOLDS) == goals.ON_TRACK
    assert goals._band(0.9499, goals.RATIO_THRESHOLDS) == goals.TOO_SLOW
    assert goals._band(0.60, goals.RATIO_THRESHOLDS) == goals.TOO_SLOW
    assert goals._band(0.0, goals.RATIO_THRESHOLDS) == goals.LIMITED
    assert goals._band(-0.0001, goals.RATIO_THRESHOLDS) == goals.DETERIORATION


def test_target_already_reached_at_baseline_and_kept_is_achieved_and_said_so():
    keep_below = goal(baseline_value=7.0, target_value=8.0, direction=goals.FALL)
    result = goals.assess(keep_below, {2015: 7.0, 2020: 7.5})
    assert result.status == goals.ACHIEVED
    assert any("schon im Ausgangsjahr erreicht" in note for note in result.notes)


def test_target_reached_at_baseline_then_lost_is_a_deterioration():
    keep_below = goal(baseline_value=7.0, target_value=8.0, direction=goals.FALL)
    result = goals.assess(keep_below, {2015: 7.0, 2020: 8.5})
    assert result.status == goals.DETERIORATION and result.ratio < 0


def test_no_baseline_value_anywhere_means_no_data():
    result = goals.assess(goal(baseline_value=None), {2012: 9.0})
    assert result.status == goals.NO_DATA and "Kein Ausgangswert für 2015" in result.reason


def test_a_baseline_only_in_the_goal_is_used_when_the_series_lacks_that_year():
    result = goals.assess(goal(), {2016: 9.0, 2020: 8.0})
    assert result.base_value == 10.0 and result.base_source == "im Ziel festgelegt"


def test_without_a_written_baseline_value_the_first_later_year_is_the_base():
    result = goals.assess(goal(baseline_value=None), {2016: 9.0, 2020: 8.0})
    assert (result.base_year, result.base_value) == (2016, 9.0)
    assert any("ersten Jahr mit Wert" in note for note in result.notes)


def test_no_value_after_the_baseline_means_no_data():
    result = goals.assess(goal(), {2014: 11.0, 2015: 10.0, 2016: math.nan, 2017: None})
    assert result.status == goals.NO_DATA and result.reason == "Noch kein Wert nach dem Ausgangsjahr 2015."


def test_no_value_in_the_target_year_uses_the_latest_value_and_a_passed_target_year_is_noted():
    result = goals.assess(goal(target_year=2020), {2015: 10.0, 2019: 9.0, 2023: 8.0})
    assert result.current_year == 2023 and result.status == goals.LIMITED
    assert any("Zieljahr 2020 ist erreicht, der Zielwert nicht" in note for note in result.notes)


def test_a_goal_without_indicator_has_no_data():
    result = goals.assess(goal(indicators=()), {2015: 1.0, 2020: 2.0})
    assert result.status == goals.NO_DATA and "keinem Indikator" in result.reason


def test_falling_series_where_higher_is_better_is_a_deterioration():
    rise = goal(direction=goals.RISE, baseline_value=1.3, target_value=2.0, indicators=("einbuergerungsquote",))
    result = goals.assess(rise, {2015: 1.3, 2020: 1.1, 2024: 1.0})
    assert result.status == goals.DETERIORATION and result.ratio < 0
    direction_only = goals.assess(goal(direction=goals.RISE, target_value=None, target_year=None),
                                  {2015: 1.3, 2024: 1.0})
    assert direction_only.status == goals.DETERIORATION


@pytest.mark.parametrize("end, status", [(1.2, goals.ON_TRACK), (1.08, goals.TOO_SLOW), (1.02, goals.LIMITED),
                                         (0.99, goals.DETERIORATION)])
def test_direction_only_goals_against_fixed_growth_rates(end, status):
    # 10 years: x1,2 = +1,8 %/a, x1,08 = +0,77 %/a, x1,02 = +0,2 %/a, x0,99 = -0,1 %/a
    rise = goal(direction=goals.RISE, target_value=None, target_year=None, baseline_value=100.0)
    result = goals.assess(rise, {2015: 100.0, 2025: 100.0 * end})
    assert result.status == status and result.method == "Richtung"
    assert result.thresholds == goals.GROWTH_THRESHOLDS and result.ratio is None


def test_direction_only_falling_goal_counts_a_fall_as_progress():
    fall = goal(target_value=None, target_year=None)
    assert goals.assess(fall, {2015: 10.0, 2025: 8.0}).status == goals.ON_TRACK


def test_a_share_near_100_percent_has_its_thresholds_scaled_down():
    rise = goal(direction=goals.RISE, target_value=None, target_year=None, baseline_value=95.0)
    series = {2015: 95.0, 2025: 98.0}  # +0,31 %/a: limited progress without scaling, C = 0,20
    assert goals.assess(rise, series).status == goals.LIMITED
    scaled = goals.assess(rise, series, limit=goals.natural_limit("%", goals.RISE))
    c = 1 - 0.95 ** 4.44
    assert scaled.scaling == pytest.approx(c) and scaled.thresholds[0] == pytest.approx(0.015 * c)
    assert scaled.status == goals.ON_TRACK
    assert goals.natural_limit("%", goals.FALL) is None and goals.natural_limit("Personen", goals.RISE) is None


def test_a_share_at_its_limit_that_stays_there_is_on_track():
    rise = goal(direction=goals.RISE, target_value=None, target_year=None, baseline_value=100.0)
    assert goals.assess(rise, {2015: 100.0, 2020: 100.0}, limit=100.0).status == goals.ON_TRACK


def test_a_series_break_between_baseline_and_now_makes_it_not_comparable_but_keeps_the_numbers():
    result = goals.assess(goal(), {2015: 10.0, 2016: 9.5, 2017: 8.0, 2020: 8.0}, breaks=[2017])
    assert result.status == goals.NOT_COMPARABLE and result.computed_status == goals.ON_TRACK
    assert result.break_years == (2017,) and result.ratio is not None
    assert "Bruch in der Reihe (2017)" in goals.explain(result, "%")


def test_a_break_in_the_baseline_year_itself_or_earlier_does_not_count():
    result = goals.assess(goal(), {2014: 12.0, 2015: 10.0, 2020: 8.0}, breaks=[2014, 2015])
    assert result.status == goals.ON_TRACK and result.break_years == ()


def test_zero_values_are_replaced_as_the_method_says():
    result = goals.assess(goal(target_value=0.0), {2015: 4.0, 2020: 2.0})
    assert result.required_rate == pytest.approx((0.001 / 4.0) ** (1 / 15) - 1)
    # the path to 0,001 is very steep (-42,5 %/a): halving in 5 years (-12,9 %/a) is R = 30 %, the method's own caveat
    assert result.status == goals.LIMITED and result.ratio == pytest.approx(0.30, abs=0.01)


def test_values_of_different_sign_cannot_be_assessed():
    result = goals.assess(goal(), {2015: 1.0, 2020: -1.0})
    assert result.status == goals.NOT_ASSESSABLE


def test_explanation_gives_the_numbers_in_german_format():
    text = goals.explain(goals.assess(goal(), {2015: 10.0, 2020: 8.0}), "%")
    assert "Ausgangswert 2015: 10,0 %" in text and "aktueller Wert 2020: 8,0 %" in text
    assert "Zielwert 2030: 5,0 %" in text and "-4,4 % pro Jahr" in text and "R = beobachtet ÷ nötig = 97 %" in text


def test_field_summary_counts_goals_and_measures_per_field():
    a, b, c = goal(id="a"), goal(id="b"), goal(id="c", handlungsfeld="Wohnen")
    measures = [goals.Measure("m1", "Arbeit", "M", "laufend"), goals.Measure("m2", "Arbeit", "M", "abgeschlossen"),
                goals.Measure("m3", "Wohnen", "M", "eingestellt")]
    summary = goals.field_summary([a, b, c], {"a": goals.ON_TRACK, "b": goals.DETERIORATION, "c": goals.NO_DATA},
                                  measures, fields=["Sprache", "Wohnen", "Arbeit"])
    assert summary["Handlungsfeld"].tolist() == ["Wohnen", "Arbeit"]
    arbeit = summary.set_index("Handlungsfeld").loc["Arbeit"]
    assert (arbeit["Ziele auf Kurs"], arbeit["Ziele nicht auf Kurs"], arbeit["Ziele ohne Bewertung"]) == (1, 1, 0)
    assert (arbeit["Maßnahmen abgeschlossen"], arbeit["Maßnahmen laufend"], arbeit["Maßnahmen geplant"]) == (1, 1, 0)
    assert summary.set_index("Handlungsfeld").loc["Wohnen", "Maßnahmen sonstige"] == 1


def test_the_goal_chart_breaks_its_line_at_missing_years_and_labels_a_break_inside_the_plot():
    import pandas as pd

    from monitoring import goal_charts

    goal = Goal(id="g", handlungsfeld="Arbeit", text="t", direction="sinken", baseline_year=2016, baseline_value=10.0,
                target_value=8.0, target_year=2028)
    frame = pd.DataFrame({"year": [2016, 2017, 2020, 2023], "value": [10.0, 9.5, 9.0, 9.3],
                          "is_break": [False, False, False, True]})
    assessment = goals.assess(goal, dict(zip(frame["year"], frame["value"])), breaks=[2023])
    fig = goal_charts.goal_figure(frame, goal, assessment, title="Quote", unit="%", decimals=1, source_line="Quelle",
                                  region="Rastatt")
    line = fig.data[0]
    assert list(line.x) == list(range(2016, 2024)) and line.connectgaps is False
    assert [math.isnan(v) for v in line.y] == [False, False, True, True, False, True, True, False]
    breaks = [a for a in fig.layout.annotations if a.text == "Bruch"]
    assert len(breaks) == 1 and breaks[0].yanchor == "bottom"  # at the line's foot, never up in the legend
