"""The steering group's review (monitoring/goal_review.py): what changed since a review date, per measure and goal,
on its edge cases (same-day review, planned start passed, gaps, a break after the review, unknown history)."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from monitoring import goal_review, goals
from monitoring.goals import Goal, Measure

SINCE = dt.date(2025, 3, 15)
TODAY = dt.date(2026, 11, 30)


def measure(**changes) -> Measure:
    values = {"id": "m", "handlungsfeld": "Arbeit", "title": "Jobcoaching", "status": "laufend",
              "start": dt.date(2023, 1, 1)}
    return Measure(**(values | changes))


def goal(**changes) -> Goal:
    values = {"id": "z", "handlungsfeld": "Arbeit", "text": "Die Arbeitslosenquote sinkt.", "direction": goals.FALL,
              "baseline_year": 2015, "baseline_value": 10.0, "target_value": 5.0, "target_year": 2030,
              "indicators": ("arbeitslosenquote_auslaender",)}
    return Goal(**(values | changes))


def series(values: dict[int, float | None], breaks: tuple[int, ...] = ()) -> pd.DataFrame:
    return pd.DataFrame({"year": list(values), "period": [f"{y}-12-31" for y in values],
                         "value": [float("nan") if v is None else v for v in values.values()],
                         "is_break": [y in breaks for y in values]})


# ── measures ─────────────────────────────────────────────────────────────────────────────────────────────────


def test_default_review_date_is_the_newest_last_review():
    assert goal_review.default_review_date([]) is None
    assert goal_review.default_review_date([measure(), measure(last_review=dt.date(2024, 10, 1)),
                                            measure(last_review=SINCE)]) == SINCE


def test_a_measure_without_news_is_not_on_the_agenda():
    assert goal_review.measure_items([measure(last_review=SINCE)], SINCE, TODAY) == []  # reviewed on the day itself


def test_status_changes_come_from_the_entries_at_the_review_date():
    previous = {"m": {"status": "geplant"}, "alt": {"handlungsfeld": "Arbeit", "title": "Alte Maßnahme"}}
    items = goal_review.measure_items([measure(), measure(id="neu", title="Neue Maßnahme")], SINCE, TODAY, previous)
    points = {i.id: i.points for i in items}
    assert points == {"m": ("Status geplant → laufend",), "neu": ("neu aufgenommen",),
                      "alt": ("nicht mehr in der Liste der Maßnahmen",)}


def test_without_a_history_no_status_change_is_claimed():
    assert goal_review.measure_points(measure(), SINCE, TODAY, None) == ()


def test_reviewed_started_ended_and_chosen_since():
    assert goal_review.measure_points(measure(last_review=dt.date(2026, 3, 1), start=dt.date(2025, 9, 1),
                                              steering_year=2026), SINCE, TODAY, None) == (
        "überprüft am 01.03.2026", "begonnen am 01.09.2025", "von der Steuerungsgruppe für 2026 ausgewählt")
    assert goal_review.measure_points(measure(status="abgeschlossen", end=dt.date(2025, 12, 31)), SINCE, TODAY,
                                      None) == ("beendet am 31.12.2025",)
    assert goal_review.measure_points(measure(steering_year=2025), SINCE, TODAY, None) == ()  # chosen at the review


def test_overdue_steps_are_named_and_a_planned_start_is_no_start():
    assert goal_review.measure_points(measure(status="geplant", start=dt.date(2026, 1, 1)), SINCE, TODAY, None) == (
        "Beginn 01.01.2026 ist vorbei, Status noch „geplant“",)
    assert goal_review.measure_points(measure(end=dt.date(2026, 6, 30)), SINCE, TODAY, None) == (
        "Ende 30.06.2026 ist vorbei, Status noch „laufend“",)
    assert goal_review.measure_points(measure(status="verschoben", start=dt.date(2026, 1, 1)), SINCE, TODAY,
                                      None) == ()
    assert goal_review.measure_points(measure(status="geplant", start=dt.date(2027, 1, 1)), SINCE, TODAY, None) == ()


# ── goals ────────────────────────────────────────────────────────────────────────────────────────────────────


def test_series_until_keeps_the_stichtage_before_the_review_and_new_values_skip_gaps():
    frame = series({2015: 10.0, 2023: 9.0, 2024: None, 2025: 8.0})
    assert goal_review.series_until(frame, dt.date(2025, 1, 1))["year"].tolist() == [2015, 2023, 2024]
    assert goal_review.new_values(frame, dt.date(2024, 1, 1)) == [2025]  # 2024 is a gap
    assert goal_review.new_values(frame, dt.date(2023, 12, 31)) == [2023, 2025]  # a Stichtag on the day is new
    assert goal_review.new_values(None, SINCE) == [] and goal_review.series_until(None, SINCE) is None


def test_a_goal_whose_status_changed_since_the_review_is_on_the_agenda():
    g = goal()
    frame = series({2015: 10.0, 2019: 8.0, 2023: 11.0})
    since = dt.date(2021, 1, 1)
    then = goal_review.assess_at(g, frame, since, "%")
    now = goals.assess(g, {2015: 10.0, 2019: 8.0, 2023: 11.0})
    assert (then.status, then.current_year) == (goals.ON_TRACK, 2019)
    assert now.status == goals.DETERIORATION
    items = goal_review.goal_items([g], {"z": now}, {"z": then}, {"z": goal_review.new_values(frame, since)})
    assert [(i.kind, i.points) for i in items] == [("Ziel", ("Status auf Kurs → Verschlechterung",
                                                             "neue Werte für 2023"))]


def test_a_break_after_the_review_makes_the_goal_not_comparable_now_only():
    g = goal()
    frame = series({2015: 10.0, 2019: 8.0, 2023: 7.0}, breaks=(2023,))
    then = goal_review.assess_at(g, frame, dt.date(2021, 1, 1))
    values, breaks = goals.series_points(frame)
    now = goals.assess(g, values, breaks=breaks)
    assert then.status == goals.ON_TRACK and now.status == goals.NOT_COMPARABLE
    assert goal_review.goal_points(then, now, [2023]) == ("Status auf Kurs → nicht vergleichbar", "neue Werte für 2023")


def test_a_goal_without_indicator_or_news_stays_off_the_agenda():
    g = goal(indicators=())
    then = goal_review.assess_at(g, None, SINCE)
    now = goals.assess(g, {})
    assert then.status == now.status == goals.NO_DATA
    assert goal_review.goal_items([g], {"z": now}, {"z": then}, {}) == []


def test_a_goal_without_data_then_gets_its_first_status():
    g = goal()
    frame = series({2015: 10.0, 2024: 6.0})
    then = goal_review.assess_at(g, frame, dt.date(2024, 6, 1))
    assert then.status == goals.NO_DATA
    now = goals.assess(g, goals.series_points(frame)[0])
    assert goal_review.goal_points(then, now, [2024])[0] == f"Status {goals.NO_DATA} → {now.status}"


# ── the agenda ───────────────────────────────────────────────────────────────────────────────────────────────


def test_agenda_follows_the_structure_goals_first_and_drops_quiet_fields():
    items = [goal_review.Item("Wohnen", "Maßnahme", "w", "Wohnraum", ("neu aufgenommen",)),
             goal_review.Item("Arbeit", "Maßnahme", "m", "Jobcoaching", ("überprüft am 01.03.2026",)),
             goal_review.Item("Arbeit", "Ziel", "z", "Quote sinkt", ("neue Werte für 2025",)),
             goal_review.Item("Sonstiges", "Ziel", "s", "Anderes", ("neue Werte für 2025",))]
    grouped = goal_review.agenda(items, ["Sprache", "Arbeit", "Wohnen"])
    assert list(grouped) == ["Arbeit", "Wohnen", "Sonstiges"]
    assert [i.kind for i in grouped["Arbeit"]] == ["Ziel", "Maßnahme"]
    table = goal_review.agenda_table(items, ["Sprache", "Arbeit", "Wohnen"])
    assert list(table.columns) == goal_review.AGENDA_COLUMNS
    assert table.iloc[0].tolist() == ["Arbeit", "Ziel", "Quote sinkt", "neue Werte für 2025"]
