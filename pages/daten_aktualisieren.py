"""Daten aktualisieren: upload exports or own figures, see what would change, apply or cancel; a new table described
as a new indicator; past imports and their undo; the goals and measures of the Integrationskonzept (edit, preview,
apply, undo); the own-figures template; a new own indicator.  All logic is in monitoring/ (updates: preview, apply,
undo; goal_updates with its section ui_goal_updates; describe: a new table's description; templates; own_catalog: a
new indicator; settings)."""
import streamlit as st

from monitoring import (
    auth,
    describe,
    described_catalog,
    own_catalog,
    templates,
    ui_goal_updates,
    update_tables,
    updates,
)
from monitoring.catalog import CONCEPTS, HANDLUNGSFELDER
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
CONCEPT_CHOICES = ["Ausländer", "Migrationshintergrund", "Einwanderungsgeschichte", "alle Personen"] + sorted(
    CONCEPTS - {"Ausländer", "Migrationshintergrund", "Einwanderungsgeschichte", "alle Personen"})
DENOMINATOR_MODES = {"none": "kein Nenner (die Kennzahl ist eine Anzahl)", "file": "eine Messgröße derselben Datei",
                     "indicator": "eine Kennzahl, die es schon gibt"}


def show_message() -> None:
    """The result of the last action (apply, undo, new indicator), kept across the rerun that follows it."""
    kind, text = st.session_state.pop("upd_message", (None, ""))
    if kind:
        getattr(st, kind)(escape_markdown(text))


def done(kind: str, text: str) -> None:
    st.session_state["upd_message"] = (kind, text)
    st.session_state.pop("upd_preview", None)
    st.session_state.pop("upd_offers", None)
    st.session_state["upd_uploads"] = st.session_state.get("upd_uploads", 0) + 1  # a fresh, empty uploader
    # every page's cached queries, built charts and catalogue lookups read the data that just changed
    st.cache_data.clear()
    st.cache_resource.clear()
    st.rerun()


def progress_reporter(bar):
    return lambda fraction, text: bar.progress(fraction if fraction is not None else 0.0, text=text)


def make_preview(files, descriptions=None) -> None:
    with st.status("Dateien werden geprüft …", expanded=True) as status:
        bar = st.progress(0.0)
        try:
            preview = updates.preview(files, progress=progress_reporter(bar), descriptions=descriptions)
        except updates.UpdateError as err:  # a description that does not fit: the preview before it stays
            status.update(label="Beschreibung nicht übernommen", state="error", expanded=False)
            st.error(escape_markdown(str(err)), icon=":material/error:")
            return
        status.update(label="Vorschau fertig", state="complete", expanded=False)
    st.session_state["upd_preview"] = preview
    if not descriptions:  # the new tables of these files, offered for describing until the files change
        st.session_state["upd_offers"] = (file_names(files), preview.offers)


def file_names(files) -> tuple:
    return tuple(sorted(f.name for f in files or []))


def preview_section(preview: updates.Preview) -> None:
    counts = preview.counts
    labels = [("neu", "new"), ("geändert", "changed"), ("entfernt", "removed"), ("unverändert", "unchanged"),
              ("abgelehnt", "rejected"), ("Hinweise", "warnings")]
    for column, (label, key) in zip(st.columns(len(labels)), labels):
        column.metric(label, f"{counts[key]:,}".replace(",", "."))
    if preview.replaces:
        st.info(f"Ersetzt frühere Importe derselben Tabelle(n): {', '.join(preview.replaces)}",
                icon=":material/swap_horiz:")
    for record in preview.needs_description:
        st.info(escape_markdown(f"Neue Tabelle in „{record['name']}“: keine Kennzahl nutzt ihre Werte. Oben unter "
                                "„Neue Tabelle beschreiben“ lässt sie sich als neue Kennzahl beschreiben."),
                icon=":material/new_label:")
    for item in preview.described:
        st.markdown(escape_markdown(f"**Neue Kennzahl „{item.main['name']}“** ({item.main['unit']}) – Werte für "
                                    "den gewählten Kreis und sein Land; noch ist nichts geschrieben:"))
        st.dataframe(preview.described_table(item, chosen_kreis()), hide_index=True, width="stretch",
                     key=f"upd_dsc_values_{item.id}")
        with st.expander("Dieselbe Beschreibung für die Kommandozeile"):
            st.caption("Als Datei speichern und mit python -m monitoring import DATEI --describe BESCHREIBUNG.toml "
                       "verwenden.")
            st.code(item.description.as_toml(), language="toml")
    tables = update_tables.preview_tables(preview)
    for tab, (name, table) in zip(st.tabs([f"{name} ({len(t)})" for name, t in tables.items()]), tables.items()):
        with tab:
            st.caption(PART_HELP[name])
            st.dataframe(table, hide_index=True, width="stretch", key=f"upd_table_{name}")
    decision(preview)


def decision(preview: updates.Preview) -> None:
    partial = False
    held_back = not preview.rejected.empty or bool(preview.needs_description)
    if held_back and preview.can_apply:
        st.warning("Einige Dateien oder Zeilen wurden abgelehnt oder haben eine neue Tabelle ohne Beschreibung. Am "
                   "besten die Dateien korrigieren bzw. die Tabelle beschreiben.", icon=":material/warning:")
        partial = st.checkbox("Trotzdem nur die gültigen Werte übernehmen", key="upd_partial")
    left, right = st.columns(2)
    apply = left.button("Übernehmen", type="primary", key="upd_apply", icon=":material/check:",
                        disabled=not preview.can_apply or (held_back and not partial))
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
        described = "".join(f" Neue Kennzahl „{item.main['name']}“ steht jetzt im Katalog (bleibt beim Rückgängigmachen "
                            "des Imports; entfernen unter „Beschriebene Kennzahlen“)." for item in preview.described)
        done("success", f"Import {import_id} übernommen. Er lässt sich unten unter „Bisherige Importe“ "
                        f"rückgängig machen.{described}")


def upload_section() -> None:
    st.header("Dateien hochladen")
    st.write("GENESIS-/Regionalstatistik-Tabellen (CSV), GENESIS-Flat-CSV (auch als ZIP), Exporte der Statistik der "
             "Bundesagentur für Arbeit oder die Vorlage für eigene Zahlen (CSV oder XLSX). Höchstens "
             f"{fmt_megabytes(settings().max_upload_bytes)} je Datei.")
    files = st.file_uploader("Dateien", type=["csv", "zip", "xlsx"], accept_multiple_files=True,
                             key=f"upd_files_{st.session_state.get('upd_uploads', 0)}")
    if st.button("Vorschau erstellen", key="upd_make_preview", disabled=not files, icon=":material/preview:"):
        make_preview(files)
    names, offers = st.session_state.get("upd_offers") or ((), {})
    if offers and names == file_names(files):
        describe_section(files, offers)
    preview = st.session_state.get("upd_preview")
    if preview is not None:
        st.subheader("Vorschau: was sich ändern würde")
        preview_section(preview)


def chosen_kreis() -> str:
    """The district of the shared filters (dashboard.py), or the installation's default."""
    return getattr(st.session_state.get("filters"), "kreis", None) or settings().default_kreis


def describe_section(files, offers: dict) -> None:
    st.subheader("Neue Tabelle beschreiben")
    st.write("Keine Kennzahl nutzt diese Tabelle bisher. Hier wird sie zu einer neuen Kennzahl: Zähler wählen (eine "
             "Messgröße der Datei und je Merkmal eine Kategorie), wenn es ein Anteil ist auch den Nenner, dazu Name, "
             "Handlungsfeld und Einheit. „Werte ansehen“ zeigt das Ergebnis für den Kreis und das Land, bevor etwas "
             "geschrieben wird; „Übernehmen“ schreibt die Kennzahl in den Katalog beschriebener Kennzahlen und "
             "importiert die Werte.")
    table = st.selectbox("Tabelle", list(offers), key="upd_dsc_table") if len(offers) > 1 else next(iter(offers))
    offer = offers[table]
    st.caption(escape_markdown(f"Tabelle {offer.table} · Datei(en) {offer.file} · {len(offer.measures)} Messgrößen · "
                               f"{', '.join(offer.dimensions) or 'keine weiteren Merkmale'} · Ebenen: "
                               f"{', '.join(offer.levels)}"))
    prefix = f"upd_dsc_{offer.table}"
    numerator = part_inputs(offer, f"{prefix}_num", "Zähler")
    mode = st.radio("Nenner", list(DENOMINATOR_MODES), format_func=DENOMINATOR_MODES.get, horizontal=True,
                    key=f"{prefix}_den_mode")
    denominator = None
    if mode == "file":
        denominator = part_inputs(offer, f"{prefix}_den", "Nenner")
    elif mode == "indicator":
        choices = described_catalog.denominator_choices()
        denominator = {"indicator": st.selectbox("Nenner: Kennzahl", list(choices), format_func=choices.get,
                                                 key=f"{prefix}_den_indicator")}
    left, right = st.columns(2)
    fields = {
        "name": left.text_input("Name", key=f"{prefix}_name"),
        "handlungsfeld": right.selectbox("Handlungsfeld", HANDLUNGSFELDER, key=f"{prefix}_field"),
        "unit": left.text_input("Einheit", value="%" if denominator else "Personen",
                                help="%, Personen, je 1.000 Ausländer …", key=f"{prefix}_unit_{mode}"),
        "concept": right.selectbox("Konzept", CONCEPT_CHOICES, key=f"{prefix}_concept"),
        "level": left.selectbox("Ebene (niedrigste, für die es Werte gibt)", ["Kreis", "Land", "Deutschland"],
                                index=["Kreis", "Land", "Deutschland"].index(offer.level), key=f"{prefix}_level"),
        "direction": right.selectbox("Richtung", list(DIRECTION_LABELS), format_func=DIRECTION_LABELS.get,
                                     key=f"{prefix}_direction"),
    }
    if denominator:
        fields["factor"] = left.number_input("Faktor (100 = %, 1000 = je 1.000)", min_value=1.0, value=100.0,
                                             step=1.0, key=f"{prefix}_factor")
    fields["caveats"] = st.text_area("Hinweise (Stichtag, Abgrenzung, Brüche)", key=f"{prefix}_caveats")
    if st.button("Werte ansehen", key="upd_dsc_preview", icon=":material/visibility:"):
        data = {**fields, "table": offer.table, "numerator": numerator}
        if denominator:
            data["denominator"] = denominator
        try:
            description = describe.parse_description(data)
        except updates.UpdateError as err:
            st.error(escape_markdown(str(err)), icon=":material/error:")
            return
        make_preview(files, descriptions=[description])


def part_inputs(offer, key: str, label: str) -> dict:
    """Numerator or denominator: a measure of the file and one category of each dimension it has values for."""
    measure = st.selectbox(f"{label}: Messgröße", offer.measures, key=f"{key}_measure")
    categories = {}
    for dimension, choices in offer.categories_for(measure).items():
        categories[dimension] = st.selectbox(f"{label}: {dimension}", choices, format_func=offer.category_label,
                                             key=f"{key}_dim_{dimension}")
    name = st.text_input(f"{label}: Name (als eigene Anzahl, optional)", key=f"{key}_name")
    return {"measure": measure, "categories": categories, "name": name}


def described_section() -> None:
    table = described_catalog.described_table()
    if table.empty:
        return
    st.header("Beschriebene Kennzahlen")
    st.caption("Kennzahlen aus neuen Tabellen, hier beschrieben. Ein rückgängig gemachter Import lässt die Beschreibung "
               "stehen (ohne Werte zeigt sie nichts; die nächste Ausgabe der Tabelle wird ohne neue Beschreibung "
               "importiert). Entfernen geht, sobald kein aktiver Import mehr Werte für sie hat.")
    st.dataframe(table, hide_index=True, width="stretch", key="upd_described")
    choice = st.selectbox("Beschreibung", table["Kennung"].tolist(), key="upd_undescribe_choice")
    if st.button("Beschreibung entfernen", key="upd_undescribe", icon=":material/delete:"):
        try:
            described_catalog.remove_description(choice)
        except updates.UpdateError as err:
            st.error(escape_markdown(str(err)), icon=":material/error:")
            return
        done("success", f"Beschreibung {choice} entfernt.")


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
    table = update_tables.imports_table()
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
ui_goal_updates.goals_section()
described_section()
indicator_section()
