"""Foliensatz: the charts and tiles collected with "Zum Foliensatz", ordered, named and saved; saved sets opened
again (?foliensatz=<slug>), presented and built into a PowerPoint and PDF."""
import streamlit as st

from monitoring import report, slide_sets, ui, ui_slides
from monitoring.provenance import escape_markdown
from monitoring.settings import settings
from monitoring.slide_sets import Item, SlideSetError

filters = ui.current_filters()
st.title("Foliensatz")
if settings().public:
    st.info("Foliensätze gibt es nur in der Installation des Kreises, nicht in der öffentlichen Ansicht.")
    st.stop()

# a saved set opened from a link: it becomes the working set (once per link)
opened = st.query_params.get("foliensatz")
if opened and st.session_state.get("foliensatz_geoeffnet") != opened:
    st.session_state["foliensatz_geoeffnet"] = opened
    try:
        ui_slides.load_into_working(slide_sets.load_set(opened))
    except SlideSetError as error:
        st.error(str(error))

state = ui_slides.working()
st.write("Diagramme kommen mit „Zum Foliensatz“ unter jedem Diagramm der Handlungsfelder hierher, die Kennzahlen "
         "eines Handlungsfelds unten. Reihenfolge festlegen, benennen, speichern – dann präsentieren (ohne "
         "Seitenleiste, mit Pfeiltasten oder Presenter) oder als PowerPoint und PDF erstellen.")

# ── the working set ──
catalog = ui.catalog()
names = ui.region_names()
if state["items"]:
    year_from, year_to = state["period"]
    st.caption(f"Kreis: **{escape_markdown(names.get(state['kreis'], state['kreis']))}** · Zeitraum "
               f"{year_from}–{year_to} · {len(state['items'])} Folien")
    if (state["kreis"], state["period"]) != (filters.kreis, (filters.year_from, filters.year_to)):
        if st.button(f"Kreis und Zeitraum der Seitenleiste übernehmen ({filters.kreis_name}, "
                     f"{filters.year_from}–{filters.year_to})", key="foliensatz_filter_uebernehmen"):
            state["kreis"], state["period"] = filters.kreis, (filters.year_from, filters.year_to)
            st.rerun()
    items = state["items"]
    for number, item in enumerate(items):
        with st.container(horizontal=True, vertical_alignment="center", key=f"foliensatz_zeile_{number}"):
            st.markdown(f"**{number + 1}.** {escape_markdown(report.item_label(item, catalog))}", width="stretch")
            if st.button("", key=f"foliensatz_hoch_{number}", icon=":material/arrow_upward:", help="nach oben",
                         disabled=number == 0):
                state["items"] = slide_sets.moved(items, number, -1)
                st.rerun()
            if st.button("", key=f"foliensatz_runter_{number}", icon=":material/arrow_downward:", help="nach unten",
                         disabled=number == len(items) - 1):
                state["items"] = slide_sets.moved(items, number, +1)
                st.rerun()
            if st.button("", key=f"foliensatz_entfernen_{number}", icon=":material/delete:", help="entfernen"):
                state["items"] = slide_sets.removed(items, number)
                st.rerun()
else:
    st.info("Der Foliensatz ist leer. Unter jedem Diagramm der Handlungsfelder steht „Zum Foliensatz“.",
            icon=":material/playlist_add:")

with_tiles = [name for name, field in ui.fields().items() if field["tiles"]]
with st.container(horizontal=True, vertical_alignment="bottom"):
    field_name = st.selectbox("Kennzahlen eines Handlungsfelds", with_tiles, key="foliensatz_feld")
    if st.button("Kennzahlen hinzufügen", key="foliensatz_kacheln", icon=":material/playlist_add:"):
        ui_slides.add_to_set(Item("tiles", field=field_name), filters)
        st.rerun()

# ── save, present, report ──
if state["items"]:
    st.subheader("Speichern und zeigen")
    if "foliensatz_name" not in st.session_state:
        st.session_state["foliensatz_name"] = state["name"]
    state["name"] = st.text_input("Name des Foliensatzes", max_chars=slide_sets.MAX_NAME, key="foliensatz_name",
                                  placeholder="z. B. Kreistag Juni 2026")
    left, middle, right = st.columns(3)
    if left.button("Speichern", type="primary", key="foliensatz_speichern", icon=":material/save:"):
        try:
            slug = slide_sets.save_set(ui_slides.working_set())
        except SlideSetError as error:
            st.error(str(error))
        else:
            state["slug"] = slug
            st.session_state["foliensatz_geoeffnet"] = slug
            st.query_params["foliensatz"] = slug
            st.success(f"Gespeichert als data/foliensaetze/{slug}.toml.")
    if middle.button("Präsentation starten", key="foliensatz_praesentieren", icon=":material/slideshow:"):
        params = {"praesentation": "1", "folie": "1"}
        if state["slug"]:
            params["foliensatz"] = state["slug"]
        st.switch_page(ui_slides.PRESENT_PAGE, query_params=params)
    if right.button("Bericht erstellen (PowerPoint, PDF)", key="foliensatz_bericht", icon=":material/description:"):
        bar = st.progress(0.0, text="Bericht wird erstellt …")
        try:
            built = report.build_set_report(
                ui_slides.working_set(),
                progress=lambda fraction, text: bar.progress(min(max(fraction, 0.0), 1.0), text=text))
        except Exception as error:  # noqa: BLE001 — export browser or query failed: say so, keep the page
            bar.empty()
            st.error(f"Der Bericht konnte nicht erstellt werden: {error}")
        else:
            bar.empty()
            st.session_state["foliensatz_bericht_ergebnis"] = built
    built = st.session_state.get("foliensatz_bericht_ergebnis")
    if built is not None:
        st.success(f"Bericht für {built.district}: {len(built.slides)} Folien.")
        with st.container(horizontal=True):
            st.download_button("PowerPoint herunterladen", built.pptx, file_name=built.file_name("pptx"),
                               mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                               key="foliensatz_pptx", icon=":material/download:")
            st.download_button("PDF herunterladen", built.pdf, file_name=built.file_name("pdf"),
                               mime="application/pdf", key="foliensatz_pdf", icon=":material/download:")

# ── saved sets ──
st.subheader("Gespeicherte Foliensätze")
saved = slide_sets.list_sets()
if not saved:
    st.caption("Noch keiner gespeichert.")
for slug, name, stamp in saved:
    with st.container(horizontal=True, vertical_alignment="center", key=f"foliensatz_gespeichert_{slug}"):
        st.markdown(f"**{escape_markdown(name)}** · {escape_markdown(stamp[:10])}", width="stretch")
        st.page_link(ui_slides.SET_PAGE, label="Öffnen", icon=":material/edit:", query_params={"foliensatz": slug})
        st.page_link(ui_slides.PRESENT_PAGE, label="Präsentieren", icon=":material/slideshow:",
                     query_params={"foliensatz": slug, "folie": "1", "praesentation": "1"})
