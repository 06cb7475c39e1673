"""Ziele & Maßnahmen: the Integrationskonzept's goals with a computed status and its measures, per Handlungsfeld
(content: data/goals/*.toml; status rule: monitoring.goals)."""
import streamlit as st

from monitoring import charts, fmt, goal_charts, goals, ui
from monitoring.provenance import escape_markdown, source_line

ALL_YEARS = (1990, 2100)  # the status uses every value since the baseline, whatever the period filter says
LEVEL_REGION = {"Kreis": "kreis", "Land": "land"}

filters = ui.current_filters()
st.title(f"Ziele & Maßnahmen – {filters.kreis_name}")
st.write("Die Wirkungsziele und Maßnahmen des Integrationskonzepts neben den Zahlen: der Status jedes Ziels wird aus "
         "den Daten berechnet, nicht eingetragen.")

try:
    goal_set = goals.load_goals(catalog_ids=set(ui.catalog().index), fields=ui.fields())
except goals.GoalsError as err:
    st.error(escape_markdown(str(err)), icon=":material/error:")
    st.stop()

if goal_set.any_example:
    st.warning("**Beispiele:** Die gezeigten Ziele und Maßnahmen sind mitgelieferte Beispiele, keine Beschlüsse eines "
               "Kreises. Die Ausgangswerte sind echte Werte des Datenbestands, die Zielwerte sind ausgedacht. Eigene "
               "Ziele und Maßnahmen tragen Sie in data/goals/ziele.toml und data/goals/massnahmen.toml ein.",
               icon=":material/science:")


def region_of(meta) -> tuple[str, str]:
    attr = LEVEL_REGION.get(meta["level"])
    ags = getattr(filters, attr) if attr else "DG"
    return ags, ui.region_name(ags)


def assess(goal: goals.Goal):
    """(assessment, series frame, indicator row, region name) of a goal for the current district."""
    lead = goal.lead_indicator
    if lead is None:
        return goals.assess(goal, {}), None, None, ""
    indicator_id, category = lead
    meta = ui.indicator(indicator_id)
    ags, name = region_of(meta)
    frame = ui.query("series", indicator=indicator_id, regions=(ags,), category=category,
                     year_from=ALL_YEARS[0], year_to=ALL_YEARS[1])
    values, breaks = goals.series_points(frame)
    limit = goals.natural_limit(meta["unit"], goal.direction)
    return goals.assess(goal, values, breaks=breaks, limit=limit), frame, meta, name


results = {goal.id: assess(goal) for goal in goal_set.goals}

# ── filters ──────────────────────────────────────────────────────────────────────────────────────────────────
field_names = list(dict.fromkeys([*ui.fields(), *(g.handlungsfeld for g in goal_set.goals)]))
themes = sorted({t for g in goal_set.goals for t in g.querschnittsthemen})
responsible = sorted({x for x in [*(g.responsible for g in goal_set.goals), *(m.responsible for m in goal_set.measures)]
                      if x})
columns = st.columns(4)
chosen_fields = columns[0].multiselect("Handlungsfeld", field_names, key="ziele_feld", placeholder="alle")
chosen_themes = columns[1].multiselect("Querschnittsthema", themes, key="ziele_thema", placeholder="alle")
chosen_status = columns[2].multiselect("Status", goals.STATUSES, key="ziele_status", placeholder="alle")
chosen_bodies = columns[3].multiselect("Verantwortlich", responsible, key="ziele_verantwortlich", placeholder="alle")

shown_goals = [
    g for g in goal_set.goals
    if (not chosen_fields or g.handlungsfeld in chosen_fields)
    and (not chosen_themes or set(g.querschnittsthemen) & set(chosen_themes))
    and (not chosen_status or results[g.id][0].status in chosen_status)
    and (not chosen_bodies or g.responsible in chosen_bodies)
]
shown_goal_ids = {g.id for g in shown_goals}
goal_filters = bool(chosen_themes or chosen_status)
shown_measures = [
    m for m in goal_set.measures
    if (not chosen_fields or m.handlungsfeld in chosen_fields)
    and (not chosen_bodies or m.responsible in chosen_bodies)
    and (not goal_filters or set(m.goals) & shown_goal_ids)
]

# ── summary per Handlungsfeld ────────────────────────────────────────────────────────────────────────────────
st.header("Stand je Handlungsfeld")
st.caption("Ziele auf Kurs: Ziel erreicht oder auf Kurs. Nicht auf Kurs: zu langsam, geringer Fortschritt oder "
           "Verschlechterung. Ohne Bewertung: noch keine Daten, nicht vergleichbar (Bruch in der Reihe) oder nicht "
           f"bewertbar. Werte für {filters.kreis_name} (wo es nur Landeswerte gibt: für das Land).")
summary = goals.field_summary(shown_goals, {g: r[0].status for g, r in results.items()}, shown_measures,
                              fields=field_names)
st.dataframe(summary, hide_index=True, width="stretch", key="ziele_summary")

with st.expander("Wie der Status berechnet wird", icon=":material/functions:"):
    st.markdown(goals.RULE_TEXT)

# ── goals ────────────────────────────────────────────────────────────────────────────────────────────────────
st.header("Wirkungsziele")
if not shown_goals:
    st.info("Keine Ziele zu dieser Auswahl.", icon=":material/filter_alt_off:")
for goal in shown_goals:
    assessment, frame, meta, region = results[goal.id]
    unit, decimals = (meta["unit"], int(meta["decimals"])) if meta is not None else ("", 1)
    with st.container(border=True, key=f"ziel_{goal.id}"):
        color = goals.STATUS_COLORS[assessment.status]
        st.markdown(f"#### {escape_markdown(goal.text)}")
        st.markdown(f":{color}-badge[{assessment.status}] · {escape_markdown(goal.handlungsfeld)}"
                    + "".join(f" · :gray-badge[{escape_markdown(t)}]" for t in goal.querschnittsthemen),
                    help=goals.explain(assessment, unit, decimals))
        details = [f"Ziel: {goal.describe_target(unit, decimals)}" + (" (Beispiel)" if goal.example else ""),
                   f"Zielgruppe: {goal.target_group}" if goal.target_group else "",
                   f"Verantwortlich: {goal.responsible}" if goal.responsible else "",
                   f"Gemessen an: {meta['name']} ({region})" if meta is not None else "Kein Indikator verknüpft"]
        st.caption(escape_markdown(" · ".join(d for d in details if d)))
        st.write(goals.explain(assessment, unit, decimals))
        if frame is not None and not frame["value"].dropna().empty:
            start = min(goal.baseline_year, assessment.base_year or goal.baseline_year) - 5
            view = frame[frame["year"] >= start]
            title = f"{meta['name']}: {region}"
            figure = goal_charts.goal_figure(view, goal, assessment, title=title, unit=unit, decimals=decimals,
                                             source_line=source_line(view, meta), region=region)
            st.plotly_chart(figure, config=charts.PLOTLY_CONFIG, theme=None, key=f"ziel_chart_{goal.id}")
        if goal.notes:
            st.caption(escape_markdown(goal.notes))

# ── measures ─────────────────────────────────────────────────────────────────────────────────────────────────
st.header("Maßnahmen")
table = goals.measures_table(shown_measures)
if table.empty:
    st.info("Keine Maßnahmen zu dieser Auswahl.", icon=":material/filter_alt_off:")
else:
    st.dataframe(table, hide_index=True, width="stretch", key="ziele_measures")
reviews = [m.last_review for m in goal_set.measures if m.last_review]
if reviews:
    st.caption(f"Letzte Überprüfung einer Maßnahme: {fmt.fmt_date(max(reviews))}.")
