"""The Integrationskonzept's goals and measures on the screen: each goal with its computed status (the rule is
monitoring/goals.py), its indicator's chart with baseline, target and path, and the field's measures.  Streamlit glue
above monitoring/ui.py; used by the Handlungsfeld pages (ui_fields) and the page Ziele & Maßnahmen."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from . import charts, fmt, goal_charts, goal_review, goal_updates, goals, structures
from .db import data_version
from .provenance import escape_markdown, markdown_table, message_markdown, source_line
from .ui import (
    VIEW_CACHE,
    Filters,
    catalog,
    current_filters,
    indicator,
    numbers_behind,
    query,
    region_name,
    show_chart,
    structure,
)

# ── goals and measures (data/goals/ or the structure's folder; status rule: monitoring/goals.py) ───────────────

GOAL_YEARS = (1990, 2100)  # the status uses every value since the baseline, whatever the period filter says
GOAL_LEVEL_REGION = {"Kreis": "kreis", "Land": "land"}
EXAMPLE_BANNER = ("**Beispiele:** Die gezeigten Ziele und Maßnahmen sind mitgelieferte Beispiele, keine Beschlüsse "
                  "eines Kreises. Die Ausgangswerte sind echte Werte des Datenbestands, die Zielwerte sind ausgedacht.")
GOALS_SECTION = "Ziele und Maßnahmen des Integrationskonzepts"
FIELD_MEASURE_COLUMNS = ["Maßnahme", "Status", "Verantwortlich", "Beginn", "Ende", "Letzte Überprüfung"]


def goal_set() -> goals.GoalSet:
    """The goals and measures of the structure's folder, validated against its fields and the catalogue; read
    again when a file changes (key: the files' signatures).  Raises goals.GoalsError."""
    current = structure()
    folder = current.goals_dir
    files = tuple((name, _signature(folder / name)) for name in (goals.GOALS_FILE, goals.MEASURES_FILE))
    return _goal_set(str(folder), files, tuple(current.fields), tuple(catalog().index))


def _signature(path: Path) -> tuple:
    """Modification time, size and inode: an edit on "Daten aktualisieren" (a new file renamed into place), an undo
    within the same clock tick or an edit in another process all give a new key."""
    if not path.is_file():
        return ()
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


@st.cache_resource(show_spinner=False, max_entries=16)
def _goal_set(folder: str, files: tuple, field_names: tuple, catalog_ids: tuple) -> goals.GoalSet:
    return goals.load_goals(Path(folder), catalog_ids=catalog_ids, fields=field_names)


def goals_folder_text() -> str:
    """The structure's goals folder as the README names it ("data/goals")."""
    folder = structure().goals_dir
    try:
        return str(folder.relative_to(structures.DATA_DIR.parent))
    except ValueError:
        return str(folder)


def measure_name(goal: goals.Goal, meta: pd.Series) -> str:
    """What the goal's status is computed from: the indicator's name and, where the goal takes one category of it,
    that category ("…, weiblich") -- without it a chart of foreign women in employment reads as all of them."""
    category = goal.lead_indicator[1] if goal.lead_indicator else ""
    return f"{meta['name']}, {category}" if category else meta["name"]


def _goal_region(meta: pd.Series, filters: Filters) -> tuple[str, str]:
    attr = GOAL_LEVEL_REGION.get(meta["level"])
    ags = getattr(filters, attr) if attr else "DG"
    return ags, region_name(ags)


@dataclass(frozen=True)
class GoalView:
    assessment: goals.Assessment
    frame: pd.DataFrame | None  # the lead indicator's series for the region (None: no indicator)
    meta: pd.Series | None
    region: str


def assess_goal(goal: goals.Goal) -> GoalView:
    """A goal's computed status for the current district (or its Land / Germany where the indicator has only that
    level), with the series it was computed from; cached per goal as written, district and data version."""
    return _assess_goal(goal, current_filters(), repr(goal), data_version())


@st.cache_resource(**VIEW_CACHE)
def _assess_goal(_goal: goals.Goal, filters: Filters, goal_key: str, version: tuple) -> GoalView:
    goal = _goal
    lead = goal.lead_indicator
    if lead is None:
        return GoalView(goals.assess(goal, {}), None, None, "")
    indicator_id, category = lead
    meta = indicator(indicator_id)
    ags, name = _goal_region(meta, filters)
    frame = query("series", indicator=indicator_id, regions=(ags,), category=category,
                  year_from=GOAL_YEARS[0], year_to=GOAL_YEARS[1])
    values, breaks = goals.series_points(frame)
    limit = goals.natural_limit(meta["unit"], goal.direction)
    return GoalView(goals.assess(goal, values, breaks=breaks, limit=limit), frame, meta, name)


def goal_card(goal: goals.Goal, view: GoalView, *, key: str) -> None:
    """One goal: text, computed status as a badge (the numbers behind it on hover and below), target, body, and
    its indicator's chart with baseline, target and the path between them."""
    assessment, frame, meta = view.assessment, view.frame, view.meta
    unit, decimals = (meta["unit"], int(meta["decimals"])) if meta is not None else ("", 1)
    explanation = goals.explain(assessment, unit, decimals)
    with st.container(border=True, key=f"{key}_{goal.id}"):
        st.markdown(f"#### {escape_markdown(goal.text)}")
        st.markdown(f":{goals.STATUS_COLORS[assessment.status]}-badge[{assessment.status}] · "
                    f"{escape_markdown(goal.handlungsfeld)}"
                    + "".join(f" · :gray-badge[{escape_markdown(t)}]" for t in goal.querschnittsthemen),
                    help=explanation)
        details = [f"Ziel: {goal.describe_target(unit, decimals)}" + (" (Beispiel)" if goal.example else ""),
                   f"Zielgruppe: {goal.target_group}" if goal.target_group else "",
                   f"Verantwortlich: {goal.responsible}" if goal.responsible else "",
                   f"Gemessen an: {measure_name(goal, meta)} ({view.region})" if meta is not None
                   else "Kein Indikator verknüpft"]
        st.caption(escape_markdown(" · ".join(d for d in details if d)))
        st.write(explanation)
        if frame is not None and not frame["value"].dropna().empty:
            start = min(goal.baseline_year, assessment.base_year or goal.baseline_year) - 5
            shown = frame[frame["year"] >= start]
            figure = _goal_figure(shown, goal, assessment, meta, view.region, repr(goal), data_version())
            show_chart(figure, key=f"{key}_chart_{goal.id}")
            numbers_behind(shown, meta, current_filters(), key=f"{key}_{goal.id}")
        if goal.notes:
            st.caption(escape_markdown(goal.notes))


# Building a Plotly figure costs 50–150 ms; a goal's chart is cached like every chart view (ui.VIEW_CACHE), keyed
# on the goal as written (repr), the region and the data's version; the arguments with "_" are derived from those.
@st.cache_resource(**VIEW_CACHE)
def _goal_figure(_shown: pd.DataFrame, _goal: goals.Goal, _assessment, _meta: pd.Series, region: str, goal_key: str,
                 version: tuple):
    figure = goal_charts.goal_figure(_shown, _goal, _assessment, title=f"{measure_name(_goal, _meta)}: {region}",
                                     unit=_meta["unit"], decimals=int(_meta["decimals"]),
                                     source_line=source_line(_shown, _meta), region=region)
    return charts.screen_figure(figure)  # shown only on screen, its title above it (ui.show_chart)


def goal_cards(field_name: str) -> None:
    """The field's goals, each with its computed status and chart, then its measures as a compact table."""
    try:
        goal_set_now = goal_set()
    except goals.GoalsError as err:
        st.error(message_markdown(err), icon=":material/error:")
        return
    field_goals = [g for g in goal_set_now.goals if g.handlungsfeld == field_name]
    field_measures = [m for m in goal_set_now.measures if m.handlungsfeld == field_name]
    if not field_goals and not field_measures:
        return
    st.header(GOALS_SECTION)
    if any(g.example for g in field_goals) or any(m.example for m in field_measures):
        st.warning(EXAMPLE_BANNER, icon=":material/science:")
    with st.expander("Wie der Status berechnet wird", icon=":material/functions:"):
        st.markdown(goals.RULE_TEXT)
    for goal in field_goals:
        goal_card(goal, assess_goal(goal), key="feld_ziel")
    if field_measures:
        st.markdown("**Maßnahmen**")
        st.markdown(markdown_table(goals.measures_table(field_measures)[FIELD_MEASURE_COLUMNS]))


# ── the steering group's review: what changed since the last review (rules: monitoring/goal_review.py) ──────────


def review_section(goal_list: list[goals.Goal], measures: list[goals.Measure], results: dict[str, GoalView],
                   field_names: list[str]) -> None:
    """An agenda per Handlungsfeld: goals whose status changed or that have new values, measures that changed,
    were reviewed, started, ended, were chosen or are overdue since the chosen review date."""
    st.header("Seit der letzten Überprüfung")
    default = goal_review.default_review_date(measures) or dt.date.today().replace(month=1, day=1)
    since = st.columns([1, 3])[0].date_input("Überprüfung am", value=default, format="DD.MM.YYYY", key="ziele_review_date",
                          help="Vorgabe: die jüngste „letzte Überprüfung“ unter den Maßnahmen.")
    previous = _measures_at(since)
    then = {g.id: goal_review.assess_at(g, results[g.id].frame, since,
                                        results[g.id].meta["unit"] if results[g.id].meta is not None else "")
            for g in goal_list}
    years = {g.id: goal_review.new_values(results[g.id].frame, since) for g in goal_list}
    items = goal_review.goal_items(goal_list, {g.id: results[g.id].assessment for g in goal_list}, then, years) + \
        goal_review.measure_items(measures, since, dt.date.today(), previous)
    st.caption(
        f"Was sich seit dem {fmt.fmt_date(since)} geändert hat, je Handlungsfeld. Ziele: der Status heute gegen den "
        "Status mit den Werten, deren Stichtag vor der Überprüfung lag, und neue Werte seitdem. Maßnahmen: Überprüfung, "
        "Beginn, Ende, Auswahl durch die Steuerungsgruppe und überfällige Schritte"
        + (", Statuswechsel aus den Änderungen auf „Daten aktualisieren“." if previous is not None else
           "; Statuswechsel erst, wenn Maßnahmen auf „Daten aktualisieren“ bearbeitet werden (dort wird jeder Stand "
           "festgehalten)."))
    grouped = goal_review.agenda(items, field_names)
    if not grouped:
        st.info(f"Seit dem {fmt.fmt_date(since)} hat sich nichts geändert.", icon=":material/event_available:")
        return
    with st.container(border=True, key="ziele_review"):
        for name, group in grouped.items():
            st.markdown(f"**{escape_markdown(name)}**\n\n" + "\n".join(
                f"- {item.kind} *{escape_markdown(_short(item.title))}*: {escape_markdown('; '.join(item.points))}"
                for item in group))


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _measures_at(since: dt.date) -> dict[str, dict] | None:
    """id -> measure entry at the end of the review day, when edits on "Daten aktualisieren" recorded a history
    (else None: a status change cannot be known)."""
    folder = structure().goals_dir
    if not goal_updates.history(folder):
        return None
    moment = dt.datetime.combine(since + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return goal_updates.entries_at(folder, moment)[goals.MEASURES_FILE]
