"""Ziele & Maßnahmen: the Integrationskonzept's goals with a computed status and its measures, per Handlungsfeld
(content: the structure's goals folder, data/goals/*.toml by default; cards: monitoring.ui_goals.goal_card; status rule:
monitoring.goals)."""
import streamlit as st

from monitoring import fmt, goals, ui, ui_goals
from monitoring.provenance import message_markdown

filters = ui.current_filters()
st.title(f"Ziele & Maßnahmen – {filters.kreis_name}")
st.write("Die Wirkungsziele und Maßnahmen des Integrationskonzepts neben den Zahlen: der Status jedes Ziels wird aus "
         "den Daten berechnet, nicht eingetragen.")

try:
    goal_set = ui_goals.goal_set()
except goals.GoalsError as err:
    st.error(message_markdown(err), icon=":material/error:")
    st.stop()

if goal_set.any_example:
    where = ui_goals.goals_folder_text()
    st.warning(f"{ui_goals.EXAMPLE_BANNER} Eigene Ziele und Maßnahmen tragen Sie in {where}/ziele.toml und "
               f"{where}/massnahmen.toml ein.", icon=":material/science:")

results = {goal.id: ui_goals.assess_goal(goal) for goal in goal_set.goals}

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
    and (not chosen_status or results[g.id].assessment.status in chosen_status)
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
summary = goals.field_summary(shown_goals, {g: r.assessment.status for g, r in results.items()}, shown_measures,
                              fields=field_names)
st.dataframe(summary, hide_index=True, width="stretch", key="ziele_summary")

with st.expander("Wie der Status berechnet wird", icon=":material/functions:"):
    st.markdown(goals.RULE_TEXT)

# ── the steering group's yearly review ───────────────────────────────────────────────────────────────────────
ui_goals.review_section(shown_goals, shown_measures, results, field_names)

# ── goals ────────────────────────────────────────────────────────────────────────────────────────────────────
st.header("Wirkungsziele")
if not shown_goals:
    st.info("Keine Ziele zu dieser Auswahl.", icon=":material/filter_alt_off:")
for goal in shown_goals:
    ui_goals.goal_card(goal, results[goal.id], key="ziel")

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
