"""Kreisvergleich: where the district stands on a map, in a ranking, over time, against comparable districts."""
import streamlit as st

from monitoring import ui, ui_kreisvergleich as kv

filters = ui.current_filters()
st.title(f"Kreisvergleich – {filters.kreis_name}")
st.write(
    "Eine Kennzahl für alle Kreise: Karte, Rangfolge und Entwicklung. Ein Klick auf einen Kreis in Karte oder "
    "Rangfolge wählt ihn aus. Darunter die Kreise, die dem gewählten strukturell am ähnlichsten sind – "
    "faire Vergleichspartner – und das Profil des Kreises über alle Kennzahlen."
)

choice = kv.comparison_controls()
kv.comparison_map(choice)
kv.comparison_ranking(choice)
ui.trend_card(choice.indicator)
kv.comparison_scatter(choice)

st.header("Vergleichsgruppe: ähnliche Kreise")
kv.similar_districts_card(choice)

st.header(f"Profil {filters.kreis_name}")
kv.profile_table(choice)
