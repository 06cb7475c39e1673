"""Präsentation: a Foliensatz one slide per screen for the Kreistag (?foliensatz=<slug>&folie=<n>&praesentation=1).

Each chart is the 1600 × 900 slide picture (the same as in the PowerPoint: fonts, title, level and Stand, source
line), so nothing on screen reacts to a click and the district is the set's, whatever the sidebar says.  Forward
and back with the buttons, the arrow keys and PageUp / PageDown (presenter remotes)."""
import streamlit as st

from monitoring import images, report, slide_sets, ui, ui_slides
from monitoring.provenance import escape_markdown
from monitoring.settings import settings
from monitoring.slide_sets import SlideSetError

ui.current_filters()  # the frame has run (a link opened first on a fresh server goes through dashboard.py)
if settings().public:
    st.info("Foliensätze gibt es nur in der Installation des Kreises, nicht in der öffentlichen Ansicht.")
    st.stop()

slug = st.query_params.get("foliensatz", "")
if slug:
    try:
        shown = slide_sets.load_set(slug)
    except SlideSetError as error:
        st.error(str(error))  # names only a slug that passed the name check, or the file
        st.page_link(ui_slides.SET_PAGE, label="Zu den Foliensätzen", icon=":material/arrow_back:")
        st.stop()
else:
    shown = ui_slides.working_set()
    if shown is None:
        st.info("Kein Foliensatz gewählt: auf der Seite „Foliensatz“ einen öffnen oder zusammenstellen.")
        st.page_link(ui_slides.SET_PAGE, label="Zum Foliensatz", icon=":material/arrow_forward:")
        st.stop()

count = len(shown.items)
if count == 0:
    st.info(f"Der Foliensatz „{shown.name}“ ist leer.")
    st.stop()


def _clamp(number: int) -> int:
    return min(max(number, 1), count)


# the slide: from the link when the set is opened, then from the buttons (and the link follows them)
if st.session_state.get("praesentation_satz") != (slug or "arbeitsstand"):
    st.session_state["praesentation_satz"] = slug or "arbeitsstand"
    wanted = st.query_params.get("folie", "1")
    st.session_state["praesentation_folie"] = _clamp(int(wanted)) if wanted.isascii() and wanted.isdigit() else 1
number = _clamp(st.session_state["praesentation_folie"])


def _go(step: int) -> None:
    target = _clamp(st.session_state["praesentation_folie"] + step)
    st.session_state["praesentation_folie"] = target
    st.query_params["folie"] = str(target)


def _leave() -> None:
    st.switch_page(ui_slides.SET_PAGE, query_params={"foliensatz": slug} if slug else None)


item = shown.items[number - 1]
with st.container(key="praesentation_folie"):
    current = ui_slides.slide(item, shown.kreis, shown.year_from, shown.year_to)
    if current is None:
        st.subheader(report.item_label(item, ui.catalog()))
        st.info("Für diese Folie gibt es im Zeitraum des Foliensatzes keine Werte.")
    else:
        # at its own width (1600 px; "stretch" would have Streamlit shrink it to 1460 px), never wider than the
        # screen, and as high as the bar under it allows (monitoring/ui_slides.py PRESENTATION_STYLE)
        st.image(current.png, width=images.PNG_SIZE[0], alt=f"{current.title}. {current.subtitle}. {current.source}")

with st.container(horizontal=True, vertical_alignment="center", key="praesentation_leiste"):
    district = ui.region_name(shown.kreis)
    st.markdown(f"**Folie {number} von {count}** · {escape_markdown(district)}", width="content")
    st.progress(number / count, width=160)
    if current is not None and current.statement:
        st.markdown(f"**{escape_markdown(current.statement)}**", width="stretch")
    else:
        st.space("stretch")
    st.button("Zurück", key=ui_slides.BACK_KEY, icon=":material/arrow_back:", on_click=_go, args=(-1,),
              disabled=number == 1, shortcut="Left", help="Vorige Folie (← oder Bild ↑)")
    st.button("Weiter", key=ui_slides.NEXT_KEY, icon=":material/arrow_forward:", on_click=_go, args=(1,),
              disabled=number == count, shortcut="Right", type="primary", help="Nächste Folie (→ oder Bild ↓)")
    if st.button("Beenden", key="praesentation_beenden", icon=":material/close:", type="tertiary",
                 help="Zurück zum Foliensatz"):
        _leave()
ui_slides.presenter_keys()
