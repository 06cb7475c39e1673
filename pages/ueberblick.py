"""Überblick: one tile per Handlungsfeld with its headline indicator, a small trend and the direction of change."""
import streamlit as st

from monitoring import ui, ui_fields

filters = ui.current_filters()
st.title(f"Integrationsmonitor {filters.kreis_name}")
st.write(
    "Wie steht es um die Integration im Kreis? Je Handlungsfeld des Integrationskonzepts die wichtigste Kennzahl "
    f"mit ihrer Entwicklung im Zeitraum {filters.year_from}–{filters.year_to}. Pfeil und Farbe zeigen die Richtung "
    "der letzten Veränderung: grün = in die gewünschte Richtung, rot = in die andere, grau = Kennzahl ohne Wertung."
)
ui_fields.overview_tiles()
