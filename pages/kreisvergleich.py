"""Kreisvergleich: where the district stands on a map, in a ranking, over time, against comparable districts."""
import streamlit as st

from monitoring import ui
from monitoring import ui_kreisvergleich as kv

filters = ui.current_filters()
st.title(f"Kreisvergleich – {filters.kreis_name}")
st.write(
    "Eine Kennzahl für alle Kreise: als Karte, als Rangfolge, im Zeitverlauf und gegen eine zweite Kennzahl. "
    "Ein Klick auf einen Kreis in Karte oder Rangfolge wählt ihn aus. Dazu die Kreise, die dem gewählten "
    "strukturell am ähnlichsten sind – faire Vergleichspartner –, und das Profil des Kreises über alle Kennzahlen."
)

choice = kv.comparison_controls()
# Only the open tab is computed and sent: a change of the Kennzahl redraws one chart, not four.
karte, rangfolge, verlauf, zusammenhang, gruppe, profil = kv.view_tabs()
with karte:
    if karte.open:
        kv.comparison_map(choice)
with rangfolge:
    if rangfolge.open:
        kv.comparison_ranking(choice)
with verlauf:
    if verlauf.open:
        ui.trend_card(choice.indicator)
with zusammenhang:
    if zusammenhang.open:
        kv.comparison_scatter(choice)
with gruppe:
    if gruppe.open:
        st.subheader(f"Kreise, die {filters.kreis_name} strukturell ähneln")
        kv.similar_districts_card(choice)
with profil:
    if profil.open:
        st.subheader(f"Profil {filters.kreis_name}: alle Kennzahlen")
        kv.profile_table(choice)
