"""Integrationsmonitor — the frame: page config, shared filters (in the URL), navigation, footer.

Run: streamlit run dashboard.py
"""
import os
import time

import streamlit as st

from monitoring import auth, idle_gc, ui, ui_fields, ui_slides
from monitoring.settings import settings

STARTED = time.perf_counter()
# A local favicon: a :material: icon as page_icon would be fetched from fonts.gstatic.com (offline: fails).
st.set_page_config(page_title="Integrationsmonitor", page_icon=ui.FAVICON, layout="wide")
ui.page_style()  # tiles that wrap instead of cutting text off; print without sidebar

# The Handlungsfelder of the installation's structure (data/strukturen/<struktur>.toml), URL = slug; a broken
# structure stops here with its file, line and entry.
FIELD_PAGES = ui_fields.field_pages()
DATA_PAGES = [st.Page("pages/daten_methodik.py", title="Daten & Methodik", icon=":material/description:",
                      url_path="daten-methodik")]
DATA_PAGES.append(st.Page("pages/ziele_massnahmen.py", title="Ziele & Maßnahmen", icon=":material/flag:", url_path="ziele-massnahmen"))
DATA_PAGES.append(st.Page("pages/bericht.py", title="Bericht erstellen", icon=":material/slideshow:", url_path="bericht"))
# Absent in public (hosted, read-only) mode and where editing would need a sign-in none is configured
# (monitoring/auth.py: fail closed); the page itself still asks for the sign-in (auth.require_editor()).
if settings().editing_enabled and auth.editing_offered():
    DATA_PAGES.append(st.Page("pages/daten_aktualisieren.py", title="Daten aktualisieren", icon=":material/upload_file:",
                              url_path="daten-aktualisieren"))
# Foliensatz and presentation (data/foliensaetze/: the installation's own data, not in public mode).  Presentation
# mode (?praesentation=1, a prepared link): no sidebar, header or footer, the slide fills the screen.
if not settings().public:
    DATA_PAGES += [st.Page("pages/foliensatz.py", title="Foliensatz", icon=":material/playlist_play:", url_path="foliensatz"),
                   st.Page("pages/praesentation.py", title="Präsentation", icon=":material/co_present:", url_path="praesentation")]
PRESENTING = st.query_params.get("praesentation") == "1"
if PRESENTING:
    st.set_page_config(initial_sidebar_state="collapsed")
    ui_slides.presentation_style()
# The Überblick is the default page, served at "/" (Streamlit gives a default page no URL of its own).  A link to
# /ueberblick (the name the menu shows, in old bookmarks and shared links) reaches it through a hidden page that
# switches over, keeping the link's district and filters, instead of Streamlit's English "Page not found".
OVERVIEW = st.Page("pages/ueberblick.py", title="Überblick", icon=":material/dashboard:", url_path="start", default=True)


def _to_overview() -> None:
    st.switch_page(OVERVIEW, query_params=st.query_params.to_dict())


navigation = st.navigation(
    {
        "Monitoring": [OVERVIEW, st.Page(_to_overview, title="Überblick", url_path="ueberblick", visibility="hidden")],
        "Handlungsfelder": FIELD_PAGES,
        "Vergleich": [st.Page("pages/kreisvergleich.py", title="Kreisvergleich", icon=":material/compare_arrows:",
                              url_path="kreisvergleich")],
        "Daten": DATA_PAGES,
    }
)
ui.menu_button_text(DATA_PAGES[-1].url_path)  # the menu's last page: "Daten" is its last section
# The filters after st.navigation: the menu reaches the browser before the first query (on a fresh server that
# waits for the database build), so the browser never shows Streamlit's automatic list of the files in pages/.
st.session_state["filters"] = ui.sidebar_filters()
navigation.run()
if not PRESENTING:
    ui.footer()
idle_gc.collect_when_idle()  # instead of Streamlit's collection after every run (see monitoring/idle_gc.py)

if os.environ.get("INTEGRATIONSMONITOR_TIMING"):  # for bench/bench_pages.py: the script's own run time
    print(f"SCRIPT_MS {navigation.url_path or 'ueberblick'} {(time.perf_counter() - STARTED) * 1000:.1f}", flush=True)
