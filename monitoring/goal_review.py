"""The steering group's yearly review: what changed since the last review date, as an agenda per Handlungsfeld
(pure, no Streamlit; shown by monitoring/ui_goals.review_section on the page Ziele & Maßnahmen).

Measures: status changed (when the history of edits on "Daten aktualisieren" knows the status at the review date,
monitoring/goal_updates.entries_at), newly added or no longer listed, reviewed since (last_review after the date),
started or ended since, chosen by the steering group for a year after the review's year, and overdue (planned start
passed but still "geplant"; end passed but still "laufend").

Goals: the status computed now against the status the same rule gives with the data as it was then -- the series
cut at the review date (values whose Stichtag lies before it; a Stichtag says when a value holds, not when it was
published, so this is the data that *could* have been known then) -- and the values that came in since.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from . import fmt, goals

GOAL, MEASURE = "Ziel", "Maßnahme"
AGENDA_COLUMNS = ["Handlungsfeld", "Art", "Eintrag", "Seit der Überprüfung"]


@dataclass(frozen=True)
class Item:
    """One line of the agenda: a goal or measure and what changed about it since the review."""

    handlungsfeld: str
    kind: str  # GOAL | MEASURE
    id: str
    title: str
    points: tuple[str, ...]


def default_review_date(measures: Iterable[goals.Measure]) -> dt.date | None:
    """The newest last_review among the measures: the last time the steering group looked at them."""
    return max((m.last_review for m in measures if m.last_review), default=None)


# ── measures ─────────────────────────────────────────────────────────────────────────────────────────────────


def measure_points(measure: goals.Measure, since: dt.date, today: dt.date, previous: Mapping[str, dict] | None
                   ) -> tuple[str, ...]:
    """What changed about one measure since ``since`` (previous: id -> entry as it was then, None = unknown)."""
    points = []
    if previous is not None:
        before = previous.get(measure.id)
        if before is None:
            points.append("neu aufgenommen")
        elif before.get("status") != measure.status:
            points.append(f"Status {before.get('status', fmt.MISSING)} → {measure.status}")
    if measure.last_review and measure.last_review > since:
        points.append(f"überprüft am {fmt.fmt_date(measure.last_review)}")
    under_way = measure.status in ("laufend", "abgeschlossen")  # a planned or postponed start has not happened
    if under_way and measure.start and since < measure.start <= today:
        points.append(f"begonnen am {fmt.fmt_date(measure.start)}")
    if measure.status in ("abgeschlossen", "eingestellt") and measure.end and since < measure.end <= today:
        points.append(f"beendet am {fmt.fmt_date(measure.end)}")
    if measure.steering_year and measure.steering_year > since.year:
        points.append(f"von der Steuerungsgruppe für {measure.steering_year} ausgewählt")
    if measure.status == "geplant" and measure.start and measure.start <= today:
        points.append(f"Beginn {fmt.fmt_date(measure.start)} ist vorbei, Status noch „geplant“")
    if measure.status == "laufend" and measure.end and measure.end < today:
        points.append(f"Ende {fmt.fmt_date(measure.end)} ist vorbei, Status noch „laufend“")
    return tuple(points)


def measure_items(measures: Iterable[goals.Measure], since: dt.date, today: dt.date,
                  previous: Mapping[str, dict] | None = None) -> list[Item]:
    """Measures with something to discuss, and measures no longer listed (known only from the history)."""
    measures = list(measures)
    items = [Item(m.handlungsfeld, MEASURE, m.id, m.title, points) for m in measures
             if (points := measure_points(m, since, today, previous))]
    current = {m.id for m in measures}
    for entry_id, entry in (previous or {}).items():
        if entry_id not in current:
            items.append(Item(str(entry.get("handlungsfeld", "")), MEASURE, entry_id, str(entry.get("title", "")),
                              ("nicht mehr in der Liste der Maßnahmen",)))
    return items


# ── goals ────────────────────────────────────────────────────────────────────────────────────────────────────


def _periods(frame: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(frame["period"]).dt.date


def series_until(frame: pd.DataFrame | None, since: dt.date) -> pd.DataFrame | None:
    """The rows of a series whose Stichtag lies before ``since``: the data as it could be known then."""
    if frame is None or frame.empty:
        return frame
    return frame[_periods(frame) < since]


def new_values(frame: pd.DataFrame | None, since: dt.date) -> list[int]:
    """Years of values (not gaps) whose Stichtag lies on or after ``since``."""
    if frame is None or frame.empty:
        return []
    later = frame[(_periods(frame) >= since) & frame["value"].notna()]
    return sorted({int(y) for y in later["year"]})


def assess_at(goal: goals.Goal, frame: pd.DataFrame | None, since: dt.date, unit: str = "") -> goals.Assessment:
    """The goal's status with the data before ``since`` (the same rule as now: goals.assess)."""
    values, breaks = goals.series_points(series_until(frame, since)) if frame is not None else ({}, [])
    return goals.assess(goal, values, breaks=breaks, limit=goals.natural_limit(unit, goal.direction))


def goal_points(before: goals.Assessment, now: goals.Assessment, years: list[int]) -> tuple[str, ...]:
    points = []
    if before.status != now.status:
        points.append(f"Status {before.status} → {now.status}")
    if years:
        points.append(f"neue Werte für {', '.join(map(str, years))}")
    return tuple(points)


def goal_items(goal_list: Iterable[goals.Goal], now: Mapping[str, goals.Assessment],
               then: Mapping[str, goals.Assessment], years: Mapping[str, list[int]]) -> list[Item]:
    """Goals whose computed status changed or that got new values since the review (by goal id)."""
    return [Item(g.handlungsfeld, GOAL, g.id, g.text, points) for g in goal_list
            if (points := goal_points(then[g.id], now[g.id], years.get(g.id, [])))]


# ── the agenda ───────────────────────────────────────────────────────────────────────────────────────────────


def agenda(items: Iterable[Item], fields: Iterable[str] = ()) -> dict[str, list[Item]]:
    """Items per Handlungsfeld in the structure's order (others after it), goals before measures."""
    items = list(items)
    names = list(dict.fromkeys([*fields, *(i.handlungsfeld for i in items)]))
    grouped = {name: sorted((i for i in items if i.handlungsfeld == name), key=lambda i: i.kind != GOAL)
               for name in names}
    return {name: group for name, group in grouped.items() if group}


def agenda_table(items: Iterable[Item], fields: Iterable[str] = ()) -> pd.DataFrame:
    """The agenda as a table (for the CSV, and for tests)."""
    rows = [[name, i.kind, i.title, "; ".join(i.points)] for name, group in agenda(items, fields).items()
            for i in group]
    return pd.DataFrame(rows, columns=AGENDA_COLUMNS)
