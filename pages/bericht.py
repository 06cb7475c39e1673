"""Bericht erstellen: PowerPoint and PDF for the Kreistag for the chosen district, period and Handlungsfelder."""
import streamlit as st

from monitoring import report, ui

filters = ui.current_filters()
st.title(f"Bericht erstellen – {filters.kreis_name}")
st.write(
    "Ein Foliensatz für den Kreistag: Titelfolie mit Datenstand, je Diagramm eine Folie mit Kennzahlen und "
    "Quellenangabe (Definitionen und Hinweise in den Notizen), zum Schluss Quellen und Lizenzen. Dazu dieselben "
    "Seiten als PDF zum Verteilen. Die Diagramme sind die Zeitreihen der Handlungsfelder für den Kreis, das Land "
    "und Deutschland."
)

with_charts = [name for name, field in ui.fields().items() if field["trends"]]
chosen = st.multiselect("Handlungsfelder", with_charts, default=with_charts, key="bericht_felder",
                        help="Jedes Handlungsfeld bringt seine Zeitreihen als Folien mit.",
                        placeholder="Handlungsfelder wählen")
first, last = (int(v) for v in ui.query("year_range").iloc[0])
period = st.slider("Zeitraum", first, last, (max(first, filters.year_from), min(last, filters.year_to)),
                   key="bericht_zeitraum")
count = len(report.report_indicators(chosen))
st.caption(f"{count} Diagramme, {count + 2} Folien (mit Titel- und Schlussfolie).")

if st.button("Bericht erstellen", type="primary", disabled=not chosen, key="bericht_erstellen",
             icon=":material/slideshow:"):
    bar = st.progress(0.0, text="Bericht wird erstellt …")
    try:
        built = report.build_report(filters.kreis, chosen, period[0], period[1],
                                    progress=lambda fraction, text: bar.progress(min(max(fraction, 0.0), 1.0), text=text))
    except Exception as error:  # noqa: BLE001 — the export browser or a query failed: say so, keep the page
        bar.empty()
        st.error(f"Der Bericht konnte nicht erstellt werden: {error}")
    else:
        st.session_state["bericht_ergebnis"] = built
        bar.empty()

built = st.session_state.get("bericht_ergebnis")
if built is not None and built.district == filters.kreis_name:
    st.success(f"Bericht für {built.district} vom {built.date.strftime('%d.%m.%Y')}: {len(built.slides)} Diagramme.")
    left, right = st.columns(2)
    left.download_button(
        "PowerPoint herunterladen", built.pptx, file_name=built.file_name("pptx"), key="bericht_pptx",
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation", icon=":material/download:",
    )
    right.download_button("PDF herunterladen", built.pdf, file_name=built.file_name("pdf"), mime="application/pdf",
                          key="bericht_pdf", icon=":material/download:")
