"""Daten aktualisieren: upload exports or own figures, see what would change, apply or cancel; past imports and
their undo; the own-figures template; a new own indicator.  All logic is in monitoring/ (updates: preview, apply,
undo; templates; own_catalog: a new indicator; settings)."""
import streamlit as st

from monitoring import auth, own_catalog, templates, updates
from monitoring.catalog import HANDLUNGSFELDER
from monitoring.fmt import fmt_megabytes
from monitoring.provenance import escape_markdown
from monitoring.settings import settings

DIRECTION_LABELS = {"neutral": "ohne Wertung", "higher_better": "höher = besser", "lower_better": "niedriger = besser"}
PART_HELP = {
    "Neu": "Werte, die es bisher nicht gibt.",
    "Geändert": "Werte, die sich ändern (alt → neu, mit Quelle und Stand).",
    "Entfernt": "Werte eines früheren Imports derselben Tabelle, die die neue Datei nicht mehr enthält.",
    "Abgelehnt": "Dateien und Zeilen, die nicht übernommen werden, mit Grund.",
    "Hinweise": "Auffällige Werte: großer Sprung, Bruch in der Reihe, HTML im Text, doppelte Zeilen.",
    "Nicht wirksam": "Importierte Werte, für die ein Wert mit höherem Rang oder neuerem Stand gilt.",
}


def show_message() -> None:
    """The result of the last action (apply, undo, new indicator), kept across the rerun that follows it."""
    kind, text = st.session_state.pop("upd_message", (None, ""))
    if kind:
        getattr(st, kind)(escape_markdown(text))


def done(kind: str, text: str) -> None:
    st.session_state["upd_message"] = (kind, text)
    st.session_state.pop("upd_preview", None)
    st.session_state["upd_uploads"] = st.session_state.get("upd_uploads", 0) + 1  # a fresh, empty uploader
    # every page's cached queries, built charts and catalogue lookups read the data that just changed
    st.cache_data.clear()
    st.cache_resource.clear()
    st.rerun()


def progress_reporter(bar):
    return lambda fraction, text: bar.progress(fraction if fraction is not None else 0.0, text=text)


def make_preview(files) -> None:
    with st.status("Dateien werden geprüft …", expanded=True) as status:
        bar = st.progress(0.0)
        preview = updates.preview(files, progress=progress_reporter(bar))
        status.update(label="Vorschau fertig", state="complete", expanded=False)
    st.session_state["upd_preview"] = preview


def preview_section(preview: updates.Preview) -> None:
    counts = preview.counts
    labels = [("neu", "new"), ("geändert", "changed"), ("entfernt", "removed"), ("unverändert", "unchanged"),
              ("abgelehnt", "rejected"), ("Hinweise", "warnings")]
    for column, (label, key) in zip(st.columns(len(labels)), labels):
        column.metric(label, f"{counts[key]:,}".replace(",", "."))
    if preview.replaces:
        st.info(f"Ersetzt frühere Importe derselben Tabelle(n): {', '.join(preview.replaces)}",
                icon=":material/swap_horiz:")
    tables = updates.preview_tables(preview)
    for tab, (name, table) in zip(st.tabs([f"{name} ({len(t)})" for name, t in tables.items()]), tables.items()):
        with tab:
            st.caption(PART_HELP[name])
            st.dataframe(table, hide_index=True, width="stretch", key=f"upd_table_{name}")
    decision(preview)


def decision(preview: updates.Preview) -> None:
    partial = False
    if not preview.rejected.empty and preview.can_apply:
        st.warning("Einige Dateien oder Zeilen wurden abgelehnt. Am besten die Dateien korrigieren und neu hochladen.",
                   icon=":material/warning:")
        partial = st.checkbox("Trotzdem nur die gültigen Werte übernehmen", key="upd_partial")
    left, right = st.columns(2)
    apply = left.button("Übernehmen", type="primary", key="upd_apply", icon=":material/check:",
                        disabled=not preview.can_apply or (not preview.rejected.empty and not partial))
    cancel = right.button("Abbrechen", key="upd_cancel", icon=":material/close:")
    if cancel:
        done("info", "Abgebrochen: nichts wurde geändert.")
    if apply:
        try:
            with st.status("Import wird übernommen …", expanded=True) as status:
                import_id = updates.apply(preview, allow_rejected=partial, progress=progress_reporter(st.progress(0.0)))
                status.update(label="Übernommen", state="complete")
        except updates.UpdateError as err:
            st.error(escape_markdown(str(err)), icon=":material/error:")
            return
        done("success", f"Import {import_id} übernommen. Er lässt sich unten unter „Bisherige Importe“ "
                        "rückgängig machen.")


def upload_section() -> None:
    st.header("Dateien hochladen")
    st.write("GENESIS-/Regionalstatistik-Tabellen (CSV), GENESIS-Flat-CSV (auch als ZIP), Exporte der Statistik der "
             "Bundesagentur für Arbeit oder die Vorlage für eigene Zahlen (CSV oder XLSX). Höchstens "
             f"{fmt_megabytes(settings().max_upload_bytes)} je Datei.")
    files = st.file_uploader("Dateien", type=["csv", "zip", "xlsx"], accept_multiple_files=True,
                             key=f"upd_files_{st.session_state.get('upd_uploads', 0)}")
    if st.button("Vorschau erstellen", key="upd_make_preview", disabled=not files, icon=":material/preview:"):
        make_preview(files)
    preview = st.session_state.get("upd_preview")
    if preview is not None:
        st.subheader("Vorschau: was sich ändern würde")
        preview_section(preview)


def template_section() -> None:
    st.header("Vorlage für eigene Zahlen")
    st.write("Für Zahlen, die keine amtliche Statistik auf Kreisebene veröffentlicht: eine Zeile je Kreis, Kennzahl "
             "und Jahr (Spalten ags, indicator, period, value, flag, source, note). Die Beispielzeile wird beim "
             "Import übersprungen; Kreise und Kennzahlen stehen in den Listen.")
    # The files are made when a button is clicked (callables), not on every run of this page.
    columns = st.columns(4)
    columns[0].download_button("Vorlage (Excel)", templates.template_xlsx, file_name="eigene_zahlen_vorlage.xlsx",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                               key="upd_template_xlsx", icon=":material/download:")
    labels = {"eigene_zahlen_vorlage.csv": "Vorlage (CSV)", "eigene_zahlen_kreise.csv": "Kreise (CSV)",
              "eigene_zahlen_kennzahlen.csv": "Kennzahlen (CSV)"}
    for column, (name, label) in zip(columns[1:], labels.items()):
        column.download_button(label, lambda name=name: templates.template_csv()[name], file_name=name, mime="text/csv",
                               key=f"upd_{name}", icon=":material/download:")


def imports_section() -> None:
    st.header("Bisherige Importe")
    table = updates.imports_table()
    if table.empty:
        st.caption("Noch keine Importe: es gilt der mitgelieferte Datenbestand.")
        return
    st.dataframe(table, hide_index=True, width="stretch", key="upd_imports")
    active = table.loc[table["Status"] == updates.STATUS_LABELS["active"], "Import"].tolist()
    if not active:
        return
    choice = st.selectbox("Import", active, key="upd_undo_choice")
    if st.button("Rückgängig machen", key="upd_undo", icon=":material/undo:"):
        try:
            updates.undo(choice)
        except updates.UpdateError as err:
            st.error(escape_markdown(str(err)), icon=":material/error:")
            return
        done("success", f"Import {choice} rückgängig gemacht: es gilt wieder der Stand davor.")


def indicator_section() -> None:
    st.header("Eigene Kennzahl anlegen")
    st.caption("Eigene Kennzahlen nehmen Zahlen auf, die nur der Kreis hat. Danach erscheinen sie in der Vorlage.")
    st.dataframe(templates.template_frames()["Kennzahlen"], hide_index=True, width="stretch", key="upd_own_list")
    with st.form("upd_indicator_form", clear_on_submit=False):
        name = st.text_input("Name", key="upd_ind_name")
        field = st.selectbox("Handlungsfeld", HANDLUNGSFELDER, key="upd_ind_field")
        unit = st.text_input("Einheit", placeholder="Personen, %, Fälle …", key="upd_ind_unit")
        definition = st.text_area("Definition", key="upd_ind_definition")
        source = st.text_input("Quelle", value=own_catalog.OWN_SOURCE, key="upd_ind_source")
        direction = st.selectbox("Richtung", list(DIRECTION_LABELS), format_func=DIRECTION_LABELS.get,
                                 key="upd_ind_direction")
        submitted = st.form_submit_button("Kennzahl anlegen", icon=":material/add:")
    if submitted:
        try:
            new_id = own_catalog.add_indicator(name, field, unit, definition, source, direction)
        except updates.UpdateError as err:
            st.error(escape_markdown(str(err)), icon=":material/error:")
            return
        done("success", f"Kennzahl „{name.strip()}“ angelegt (Kennung {new_id}).")


st.title("Daten aktualisieren")
if not settings().editing_enabled:
    st.info("Diese Installation ist öffentlich und nur lesbar: hier lassen sich keine Daten ändern.")
    st.stop()
auth.require_editor()  # visitors see a sign-in prompt and none of the widgets below (monitoring/auth.py)
st.write("Neue amtliche Exporte oder eigene Zahlen des Kreises einspielen. Vor jeder Änderung zeigt eine Vorschau, "
         "was neu dazukommt, was sich ändert und was abgelehnt wird; ein Import lässt sich vollständig rückgängig "
         "machen. Der mitgelieferte Datenbestand bleibt unverändert erhalten.")
show_message()
upload_section()
template_section()
imports_section()
indicator_section()
