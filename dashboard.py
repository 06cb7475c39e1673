"""Integrationsmonitor — the frame: page config, shared filters (in the URL), navigation, footer.

Run: streamlit run dashboard.py
"""
import os
import time

import streamlit as st

from monitoring import auth, ui
from monitoring.settings import settings

STARTED = time.perf_counter()
# A local favicon: a :material: icon as page_icon would be fetched from fonts.gstatic.com (offline: fails).
st.set_page_config(page_title="Integrationsmonitor", page_icon=ui.FAVICON, layout="wide")
ui.page_style()  # tiles that wrap instead of cutting text off; print without sidebar

FIELD_PAGES = [
    st.Page(f"pages/{field['slug']}.py", title=field["name"], icon=field["icon"], url_path=field["slug"])
    for field in ui.fields().values()
]
DATA_PAGES = [st.Page("pages/daten_methodik.py", title="Daten & Methodik", icon=":material/description:",
                      url_path="daten-methodik")]
DATA_PAGES.append(st.Page("pages/ziele_massnahmen.py", title="Ziele & Maßnahmen", icon=":material/flag:", url_path="ziele-massnahmen"))
DATA_PAGES.append(st.Page("pages/bericht.py", title="Bericht erstellen", icon=":material/slideshow:", url_path="bericht"))
# Absent in public (hosted, read-only) mode and where editing would need a sign-in none is configured
# (monitoring/auth.py: fail closed); the page itself still asks for the sign-in (auth.require_editor()).
if settings().editing_enabled and auth.editing_offered():
    DATA_PAGES.append(st.Page("pages/daten_aktualisieren.py", title="Daten aktualisieren", icon=":material/upload_file:",
                              url_path="daten-aktualisieren"))
navigation = st.navigation(
    {
        "Monitoring": [st.Page("pages/ueberblick.py", title="Überblick", icon=":material/dashboard:",
                               url_path="ueberblick", default=True)],
        "Handlungsfelder": FIELD_PAGES,
        "Vergleich": [st.Page("pages/kreisvergleich.py", title="Kreisvergleich", icon=":material/compare_arrows:",
                              url_path="kreisvergleich")],
        "Daten": DATA_PAGES,
    }
)
# The filters after st.navigation: the menu reaches the browser before the first query (on a fresh server that
# waits for the database build), so the browser never shows Streamlit's automatic list of the files in pages/.
st.session_state["filters"] = ui.sidebar_filters()
navigation.run()
ui.footer()

if os.environ.get("INTEGRATIONSMONITOR_TIMING"):  # for bench/bench_pages.py: the script's own run time
    print(f"SCRIPT_MS {navigation.url_path or 'ueberblick'} {(time.perf_counter() - STARTED) * 1000:.1f}", flush=True)
