"""The Streamlit side of slides: a card's image downloads and its "Zum Foliensatz" action (a chart's, and a field's
tile group's through slide_button), the working Foliensatz in session_state, the rendered slides (cached) and the
presentation's keyboard (PageUp / PageDown).

The plain parts live below: monitoring/slide_sets.py (sets as files), monitoring/report.py (an item as a slide),
monitoring/images.py (PNG/SVG).  This module has no page of its own; pages/foliensatz.py and pages/praesentation.py
and the chart cards of monitoring/ui.py call it.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import streamlit as st

from . import images, report
from .db import data_version
from .settings import settings as installation_settings
from .slide_sets import Item, SlideSet, added

if TYPE_CHECKING:
    import pandas as pd

    from .ui import ChartView, Filters

WORKING = "foliensatz_arbeitsstand"  # session_state: the set being put together (dict, see working())
PRESENT_PAGE = "pages/praesentation.py"
SET_PAGE = "pages/foliensatz.py"
NEXT_KEY, BACK_KEY = "praesentation_weiter", "praesentation_zurueck"


# ── the working set ─────────────────────────────────────────────────────────────────────────────────────────


def working() -> dict:
    """{"name", "slug" (of the saved set it was opened from, or ""), "kreis", "period" (from, to), "items"}."""
    if WORKING not in st.session_state:
        st.session_state[WORKING] = {"name": "", "slug": "", "kreis": "", "period": None, "items": []}
    return st.session_state[WORKING]


def add_to_set(item: Item, filters: Filters) -> None:
    """Append an item to the working set; the first item fixes the set's district and period (the filters')."""
    state = working()
    if not state["items"]:
        state["kreis"], state["period"] = filters.kreis, (filters.year_from, filters.year_to)
    before = len(state["items"])
    state["items"] = added(state["items"], item)
    count = len(state["items"])
    if count == before:
        st.toast("Schon im Foliensatz.", icon=":material/info:")
    else:
        st.toast(f"Zum Foliensatz hinzugefügt ({count} {'Folie' if count == 1 else 'Folien'}).",
                 icon=":material/playlist_add_check:")


def load_into_working(slide_set: SlideSet) -> None:
    st.session_state[WORKING] = {"name": slide_set.name, "slug": slide_set.slug, "kreis": slide_set.kreis,
                                 "period": (slide_set.year_from, slide_set.year_to), "items": list(slide_set.items)}
    st.session_state["foliensatz_name"] = slide_set.name  # the name field of pages/foliensatz.py


def working_set() -> SlideSet | None:
    state = working()
    if not state["items"] or not state["kreis"]:
        return None
    year_from, year_to = state["period"]
    return SlideSet(name=state["name"] or "Foliensatz", kreis=state["kreis"], year_from=year_from, year_to=year_to,
                    items=list(state["items"]))


# ── card actions ────────────────────────────────────────────────────────────────────────────────────────────


def slide_actions(item: Item, view: ChartView, filters: Filters, *, key: str) -> None:
    """Beside a chart card's "Zahlen und CSV": the chart as PNG and SVG (rendered on the server only when a
    download is clicked; title, level, Stand and source line in the picture) and "Zum Foliensatz" (not in a
    public installation: sets are the installation's data)."""
    popover = st.popover("Bild", icon=":material/image:", key=f"{key}_image", on_change="rerun",
                         help="Das Diagramm als Bild für Folien: PNG (1600 × 900) oder SVG.")
    if popover.open:
        subtitle = card_subtitle(item, view.frame, filters.land_name)
        stem = item.indicator + (f"_{item.breakdown}" if item.breakdown else "_rangfolge" if item.kind == "ranking"
                                 else f"_{item.category}" if item.category else "")

        def png() -> bytes:
            return images.to_png(view.figure, subtitle=subtitle)

        def svg() -> bytes:
            return images.to_svg(view.figure, subtitle=subtitle)

        with popover:
            st.download_button("PNG herunterladen", png, mime="image/png", key=f"{key}_png", icon=":material/download:",
                               file_name=images.file_name(filters.kreis_name, stem, dt.date.today(), "png"))
            st.download_button("SVG herunterladen", svg, mime="image/svg+xml", key=f"{key}_svg",
                               icon=":material/download:",
                               file_name=images.file_name(filters.kreis_name, stem, dt.date.today(), "svg"))
    slide_button(item, filters, key=key, what="Dieses Diagramm")


def slide_button(item: Item, filters: Filters, *, key: str, what: str, label: str = "Zum Foliensatz") -> None:
    """"Zum Foliensatz" for a chart or a tile group: appends the item to the working set.  Not in a public
    installation (sets are the installation's data); the presentation shows slides, not cards, so none there."""
    if installation_settings().public:
        return
    if st.button(label, key=f"{key}_slide", icon=":material/playlist_add:",
                 help=f"{what} an den Foliensatz anhängen (Seite „Foliensatz“)."):
        add_to_set(item, filters)


def card_subtitle(item: Item, frame: pd.DataFrame, land_name: str) -> str:
    """Level and Stand under the picture's title (a ranking: "Kreise in <Land>", not 44 names)."""
    if item.kind == "ranking":
        return report.ranking_subtitle(frame, land_name)
    return images.level_stand_line(frame)


# ── slides and the presentation ─────────────────────────────────────────────────────────────────────────────


def slide(item: Item, kreis: str, year_from: int, year_to: int) -> report.ChartSlide | None:
    """The rendered slide of an item (cached per data version: an import draws it anew)."""
    return _slide(item, kreis, year_from, year_to, data_version())


@st.cache_data(ttl=3600, max_entries=200, show_spinner="Folie wird gezeichnet …")
def _slide(item: Item, kreis: str, year_from: int, year_to: int, _version: tuple) -> report.ChartSlide | None:
    return report.item_slide(item, kreis, year_from, year_to)


# PageUp / PageDown (what presenter remotes send) click the presentation's buttons; the arrow keys are the
# buttons' own shortcuts (st.button(shortcut=...) takes one key each).  Runs in the app page (components v2, no
# iframe, nothing loaded from elsewhere); the listener is removed when the component unmounts.
_KEYS_JS = """
export default function(component) {
  const press = (key) => {
    const button = document.querySelector('.st-key-' + key + ' button');
    if (button && !button.disabled) button.click();
  };
  const onKey = (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const target = event.target;
    if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
    if (event.key === 'PageDown') { event.preventDefault(); press('%NEXT%'); }
    else if (event.key === 'PageUp') { event.preventDefault(); press('%BACK%'); }
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}
""".replace("%NEXT%", NEXT_KEY).replace("%BACK%", BACK_KEY)

_presenter_keys = st.components.v2.component("integrationsmonitor_presenter_keys", js=_KEYS_JS)


def presenter_keys() -> None:
    _presenter_keys(key="praesentation_tasten", height=0)


# Presentation mode (dashboard.py, ?praesentation=1): layout only.  No sidebar, header, toolbar; the main area at
# full width with little padding; the slide picture as high as the screen allows with the bar under it (at
# 1920 × 1080 it is drawn at ≥ 1552 px wide, so the picture's 33 px title stays ≥ 32 px on screen).
PRESENTATION_STYLE = """<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 0.5rem 1.25rem 0.25rem !important; max-width: 100% !important; }
.st-key-praesentation_folie [data-testid="stImage"] img {
  max-height: calc(100vh - 5.5rem); width: auto !important; max-width: 100%; margin: 0 auto; display: block;
}
.st-key-praesentation_folie [data-testid="stImageContainer"], .st-key-praesentation_folie [data-testid="stImage"] {
  width: 100% !important; display: flex; justify-content: center;
}
.st-key-praesentation_leiste p { font-size: 1.25rem; margin: 0; }
</style>"""


def presentation_style() -> None:
    st.html(PRESENTATION_STYLE)
