"""Daten aktualisieren → Ziele und Maßnahmen bearbeiten: upload ziele.toml / massnahmen.toml or edit them in a text
field, see what would change, apply or cancel, undo a past change.  Streamlit glue only; preview, apply, undo and
the history are monitoring/goal_updates.py.  The dashboard shows the new goals at once: ui_goals.goal_set is keyed
on the files' signatures."""
from __future__ import annotations

import streamlit as st

from . import goal_updates
from .provenance import escape_markdown, message_markdown
from .ui import catalog, structure
from .ui_goals import goals_folder_text

KEY = "goal_upd"
MODES = {"upload": "Dateien hochladen", "text": "Im Textfeld bearbeiten"}


def goals_section() -> None:
    """The whole section of the page: editor, preview with apply/cancel, list of changes with undo."""
    st.header("Ziele und Maßnahmen bearbeiten")
    folder = structure().goals_dir
    st.write(f"Die Wirkungsziele und Maßnahmen der Struktur „{structure().title}“ stehen in "
             f"{goals_folder_text()}/ziele.toml und massnahmen.toml. Eine geänderte Fassung hochladen oder hier "
             "bearbeiten: die Vorschau prüft sie wie beim Start des Dashboards (unbekannter Indikator, Zieljahr vor "
             "dem Ausgangsjahr, Ende vor dem Beginn, unbekannter Status, doppelte Kennung) und zeigt, was sich ändert. "
             "Jede übernommene Änderung lässt sich unten rückgängig machen.")
    _message()
    files = _editor(folder)
    if st.button("Vorschau", key=f"{KEY}_preview", disabled=not files, icon=":material/preview:"):
        st.session_state[f"{KEY}_result"] = goal_updates.preview_goals(
            files, folder=folder, catalog_ids=tuple(catalog().index), fields=tuple(structure().fields))
    result = st.session_state.get(f"{KEY}_result")
    if result is not None and result.folder == folder:
        _preview(result)
    _history(folder)


def _message() -> None:
    kind, text = st.session_state.pop(f"{KEY}_message", (None, ""))
    if kind:
        getattr(st, kind)(escape_markdown(text))


def _done(kind: str, text: str) -> None:
    """Keep the message across the rerun, empty the editor (its widgets get new keys) and show the new state."""
    st.session_state[f"{KEY}_message"] = (kind, text)
    st.session_state.pop(f"{KEY}_result", None)
    st.session_state[f"{KEY}_round"] = st.session_state.get(f"{KEY}_round", 0) + 1
    st.rerun()


def _editor(folder) -> dict[str, bytes | str]:
    """The new content the editor gave: file name -> bytes (upload) or text (text field)."""
    round_ = st.session_state.get(f"{KEY}_round", 0)
    mode = st.radio("Wie", list(MODES), format_func=MODES.get, horizontal=True, key=f"{KEY}_mode",
                    label_visibility="collapsed")
    if mode == "upload":
        uploads = st.file_uploader("ziele.toml und/oder massnahmen.toml", type=["toml"], accept_multiple_files=True,
                                   key=f"{KEY}_files_{round_}")
        return {u.name: u.getvalue() for u in uploads or []}
    name = st.selectbox("Datei", goal_updates.GOAL_FILES, key=f"{KEY}_file")
    path = folder / name
    current = path.read_text(encoding="utf-8") if path.is_file() else ""
    text = st.text_area(name, value=current, height=420, key=f"{KEY}_text_{name}_{round_}")
    return {name: text} if text != current else {}


def _preview(result: goal_updates.GoalPreview) -> None:
    st.subheader("Vorschau: was sich ändern würde")
    if result.error:
        st.error(message_markdown(result.error), icon=":material/error:")
        st.caption("Nichts wurde geändert. Bitte die Datei korrigieren und die Vorschau neu erstellen.")
    elif not result.changed_files:
        st.info("Keine Änderung: die Dateien sind schon genau so gespeichert.", icon=":material/check:")
    else:
        lines = [c.text for c in result.changes] or ["Nur Kommentare oder Formatierung geändert."]
        st.markdown("\n".join(f"- {escape_markdown(line)}" for line in lines))
        n_goals, n_measures = len(result.goal_set.goals), len(result.goal_set.measures)
        st.caption(f"Danach: {n_goals} Ziele, {n_measures} Maßnahmen in {', '.join(result.changed_files)}.")
    left, right = st.columns(2)
    apply = left.button("Übernehmen", type="primary", key=f"{KEY}_apply", icon=":material/check:",
                        disabled=not result.can_apply)
    if right.button("Abbrechen", key=f"{KEY}_cancel", icon=":material/close:"):
        _done("info", "Abgebrochen: nichts wurde geändert.")
    if apply:
        try:
            change_id = goal_updates.apply_goals(result)
        except goal_updates.UpdateError as err:
            st.error(message_markdown(err), icon=":material/error:")
            return
        _done("success", f"Änderung {change_id} an den Zielen und Maßnahmen übernommen; das Dashboard zeigt sie ab "
                         "sofort. Rückgängig machen unten unter „Bisherige Änderungen an Zielen und Maßnahmen“.")


def _history(folder) -> None:
    table = goal_updates.history_table(folder)
    if table.empty:
        return
    st.subheader("Bisherige Änderungen an Zielen und Maßnahmen")
    st.dataframe(table, hide_index=True, width="stretch", key=f"{KEY}_history")
    active = [c["id"] for c in reversed(goal_updates.history(folder)) if c["status"] == "active"]
    if not active:
        return
    choice = st.selectbox("Änderung", active, key=f"{KEY}_undo_choice")
    if st.button("Rückgängig machen", key=f"{KEY}_undo", icon=":material/undo:"):
        try:
            goal_updates.undo_goals(choice, folder=folder)
        except goal_updates.UpdateError as err:
            st.error(message_markdown(err), icon=":material/error:")
            return
        _done("success", f"Änderung {choice} rückgängig gemacht: es gelten wieder die Ziele und Maßnahmen davor.")

