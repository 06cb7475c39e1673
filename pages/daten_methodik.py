"""Daten & Methodik: the indicator catalogue, what is available for the district, sources with Stand, the goal
status rule, licence."""
import streamlit as st

from monitoring import goals, ui
from monitoring.provenance import LICENCE, LICENCE_URL

filters = ui.current_filters()
st.title("Daten & Methodik")
st.write(
    "Alle Kennzahlen stammen aus amtlichen Statistiken, die das Projekt mit eigenen Importprogrammen aus den "
    "Originalexporten liest (GENESIS/Regionaldatenbank, Bundesagentur für Arbeit, Zensus), ergänzt um veröffentlichte "
    "Werte mit Quellenangabe. Sonderzeichen der amtlichen Statistik bleiben Lücken und werden nie als 0 gezeigt."
)

st.header("Indikatorkatalog")
ui.catalog_table()

st.header(f"Verfügbarkeit für {filters.kreis_name}")
st.caption("● = Wert vorhanden (Summenwert); ein Zeichen = Lücke mit amtlichem Grund (siehe Zeichenerklärung); "
           "leer = kein Wert im Datenbestand.")
ui.coverage_matrix(filters.kreis)

st.header("Quellen und Datenstand")
ui.sources_table()

st.header("Status der Ziele")
st.caption("Wie der Status eines Wirkungsziels auf den Handlungsfeldseiten und unter „Ziele & Maßnahmen“ berechnet "
           "wird; die Zahlen dahinter stehen bei jedem Ziel.")
st.markdown(goals.RULE_TEXT)

st.header("Zeichenerklärung")
ui.flag_legend()

st.header("Lizenz und Namensnennung")
st.markdown(
    "- Statistische Daten: © Statistische Ämter des Bundes und der Länder, Deutschland, 2017–2026; "
    f"© Statistik der Bundesagentur für Arbeit — [{LICENCE}]({LICENCE_URL})\n"
    "- INKAR-Reihen: © BBSR Bonn; Kreisgrenzen: © GeoBasis-DE / BKG 2022 (Daten verändert); "
    "Umsteigeschlüssel: © BBSR Bonn\n"
    "- Veröffentlichte Einzelwerte (BAMF, Landesgesundheitsamt, Statistisches Landesamt): Quelle und Adresse "
    "stehen bei jedem Wert (CSV-Download).\n"
    "- Eigene Berechnungen (Anteile aus Zählungen) sind als solche gekennzeichnet."
)
