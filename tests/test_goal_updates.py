"""Editing goals and measures (monitoring/goal_updates.py, the command line): a preview lists what changes per entry;
a broken file is refused with the same German message as at load (file, line, entry) and nothing changes; apply
writes, undo restores byte for byte; the store's lock keeps a second change out as it does for figure imports."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitoring import goal_updates, goals, structures
from monitoring import store as data_store
from monitoring.catalog import load_catalog
from tests.conftest import PROJECT_DIR

CATALOG_IDS = tuple(load_catalog()["id"])
FIELDS = tuple(structures.load_structure("rastatt").fields)
EXAMPLES = PROJECT_DIR / "data" / "strukturen" / "rastatt"


@pytest.fixture
def place(tmp_path):
    """A copy of the rastatt structure's goals folder inside a private data/ (the store's lock lives there too)."""
    data_dir = tmp_path / "data"
    folder = data_dir / "strukturen" / "rastatt"
    shutil.copytree(EXAMPLES, folder)
    return folder, data_dir, data_dir / "integrationsmonitor.duckdb"


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def preview(place, **files) -> goal_updates.GoalPreview:
    return goal_updates.preview_goals({f"{k}.toml": v for k, v in files.items()}, folder=place[0],
                                      catalog_ids=CATALOG_IDS, fields=FIELDS)


def edited(place, name: str, old: str, new: str) -> str:
    text = (place[0] / f"{name}.toml").read_text(encoding="utf-8")
    assert old in text, old
    return text.replace(old, new, 1)


# ── the preview ──────────────────────────────────────────────────────────────────────────────────────────────


def test_preview_of_a_valid_change_lists_added_removed_and_changed_entries(place):
    measures = edited(place, "massnahmen", 'status = "laufend"\nstart = 2023-01-01',
                      'status = "abgeschlossen"\nstart = 2023-01-01')
    measures = measures.replace('id = "einbuergerungsfeier"', 'id = "einbuergerungsfest"')
    goals_text = edited(place, "ziele", "target = { year = 2030, value = 6.0 }", "target = { year = 2028, value = 6.5 }")
    before = snapshot(place[0])
    result = preview(place, ziele=goals_text, massnahmen=measures)
    texts = [c.text for c in result.changes]
    assert not result.error and result.can_apply
    assert "Ziel „arbeit-arbeitslosenquote-auslaender“: Zielwert 2030: 6 → 2028: 6,5" in texts
    assert "Maßnahme „jobcoaching-frauen“ (Jobcoaching für zugewanderte Frauen): Status laufend → abgeschlossen" \
        in texts
    assert any(t.startswith("Maßnahme „einbuergerungsfest“") and t.endswith("neu (Zusammenleben und Demokratie)")
               for t in texts)
    assert any(t.startswith("Maßnahme „einbuergerungsfeier“") and "entfernt" in t for t in texts)
    assert {g.id for g in result.goal_set.goals} >= {"arbeit-arbeitslosenquote-auslaender"}
    assert "Status laufend → abgeschlossen" in result.summary()
    assert snapshot(place[0]) == before  # a preview writes nothing


def test_an_upload_is_recognised_by_its_entries_when_its_name_says_nothing(place):
    text = (place[0] / "massnahmen.toml").read_bytes()
    result = goal_updates.preview_goals({"export.toml": text}, folder=place[0], catalog_ids=CATALOG_IDS, fields=FIELDS)
    assert list(result.after) == ["massnahmen.toml"] and not result.error
    assert not result.can_apply and "schon genau so" in result.summary()


def test_a_changed_comment_is_a_change_without_entries(place):
    text = "# neu kommentiert\n" + (place[0] / "ziele.toml").read_text(encoding="utf-8")
    result = preview(place, ziele=text)
    assert result.can_apply and result.changes == []
    assert "nur Kommentare oder Formatierung" in result.summary()


INVALID = {
    "unknown indicator": ("ziele", 'indicators = ["einbuergerungsquote"]', 'indicators = ["gibt_es_nicht"]',
                          "ziele.toml, Zeile 116, Ziel „zusammenleben-einbuergerung“: unbekannter Indikator „gibt_es_nicht“"),
    "target before baseline": ("ziele", "target = { year = 2030, value = 2.0 }", "target = { year = 2010, value = 2.0 }",
                               "Ziel „zusammenleben-einbuergerung“: Zieljahr 2010 liegt nicht nach dem Ausgangsjahr"),
    "end before start": ("massnahmen", "end = 2024-07-31", "end = 2018-07-31",
                         "massnahmen.toml, Zeile 46, Maßnahme „ausbildungspaten“: Ende 31.07.2018 liegt vor dem "
                         "Beginn 01.09.2019"),
    "unknown status": ("massnahmen", 'status = "verschoben"', 'status = "erledigt"',
                       "Maßnahme „wohnraumakquise“: status = 'erledigt' ist nicht erlaubt"),
    "duplicate id": ("massnahmen", 'id = "einbuergerungsfeier"', 'id = "wohnraumakquise"',
                     "Maßnahme „wohnraumakquise“: id doppelt vergeben"),
    "broken TOML": ("ziele", 'id = "sprache-esu-alle-kinder"', 'id = "sprache-esu-alle-kinder', "ziele.toml: keine "
                    "gültige TOML-Datei"),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_an_invalid_file_is_refused_with_its_message_and_nothing_changes(place, case):
    name, old, new, message = INVALID[case]
    before = snapshot(place[0])
    result = preview(place, **{name: edited(place, name, old, new)})
    assert message in result.error, result.error
    assert not result.can_apply
    with pytest.raises(goal_updates.UpdateError, match="abgelehnt"):
        goal_updates.apply_goals(result, data_dir=place[1], db_file=place[2])
    assert snapshot(place[0]) == before
    assert goal_updates.history(place[0], data_dir=place[1]) == []


def test_a_measure_naming_a_goal_the_new_goals_file_drops_is_refused(place):
    text = (place[0] / "ziele.toml").read_text(encoding="utf-8")
    without = text[:text.index('[[goal]]\nid = "arbeit-beschaeftigung-frauen"')]
    result = preview(place, ziele=without)
    assert "massnahmen.toml" in result.error and "unbekanntes Ziel „arbeit-beschaeftigung-frauen“" in result.error


def test_a_file_that_is_not_utf8_is_refused(place):
    result = goal_updates.preview_goals({"ziele.toml": "text = \"Straße\"".encode("latin-1")}, folder=place[0],
                                        catalog_ids=CATALOG_IDS, fields=FIELDS)
    assert "UTF-8" in result.error and not result.can_apply


# ── apply and undo ───────────────────────────────────────────────────────────────────────────────────────────


def test_apply_writes_and_undo_restores_byte_identical(place):
    folder, data_dir, db_file = place
    before = snapshot(folder)
    original = (folder / "massnahmen.toml").read_bytes()
    new = edited(place, "massnahmen", 'status = "geplant"\nstart = 2026\n', 'status = "laufend"\nstart = 2026\n')
    change_id = goal_updates.apply_goals(preview(place, massnahmen=new), data_dir=data_dir, db_file=db_file)
    assert (folder / "massnahmen.toml").read_text(encoding="utf-8") == new
    loaded = goals.load_goals(folder, catalog_ids=CATALOG_IDS, fields=FIELDS)
    assert next(m for m in loaded.measures if m.id == "elternbegleitung-einschulung").status == "laufend"
    table = goal_updates.history_table(folder, data_dir=data_dir)
    assert table["Änderung"].tolist() == [change_id] and table["Status"].tolist() == ["übernommen"]
    assert "Status geplant → laufend" in table["Was sich geändert hat"][0]
    assert (data_dir / "imports" / "goals" / "strukturen__rastatt" / "log.json").is_file()

    goal_updates.undo_goals(change_id, folder=folder, data_dir=data_dir, db_file=db_file)
    assert (folder / "massnahmen.toml").read_bytes() == original
    assert snapshot(folder) == before
    assert goal_updates.history(folder, data_dir=data_dir)[0]["status"] == "undone"
    with pytest.raises(goal_updates.UpdateError, match="Keine übernommene Änderung"):
        goal_updates.undo_goals(change_id, folder=folder, data_dir=data_dir, db_file=db_file)


def test_a_new_file_is_removed_again_by_undo(place):
    folder, data_dir, db_file = place
    measures = (folder / "massnahmen.toml").read_bytes()
    (folder / "massnahmen.toml").unlink()
    change_id = goal_updates.apply_goals(preview(place, massnahmen=measures), data_dir=data_dir, db_file=db_file)
    assert (folder / "massnahmen.toml").read_bytes() == measures
    goal_updates.undo_goals(change_id, folder=folder, data_dir=data_dir, db_file=db_file)
    assert not (folder / "massnahmen.toml").exists()


def test_undo_of_an_older_change_waits_for_the_later_one(place):
    folder, data_dir, db_file = place
    first = goal_updates.apply_goals(preview(place, massnahmen=edited(place, "massnahmen", 'status = "verschoben"',
                                                                      'status = "geplant"')),
                                     data_dir=data_dir, db_file=db_file)
    second = goal_updates.apply_goals(preview(place, massnahmen=edited(place, "massnahmen", 'status = "geplant"',
                                                                       'status = "eingestellt"')),
                                      data_dir=data_dir, db_file=db_file)
    with pytest.raises(goal_updates.UpdateError, match="zuerst die spätere Änderung"):
        goal_updates.undo_goals(first, folder=folder, data_dir=data_dir, db_file=db_file)
    goal_updates.undo_goals(second, folder=folder, data_dir=data_dir, db_file=db_file)
    goal_updates.undo_goals(first, folder=folder, data_dir=data_dir, db_file=db_file)
    assert (folder / "massnahmen.toml").read_bytes() == (EXAMPLES / "massnahmen.toml").read_bytes()


def test_a_file_changed_since_the_preview_is_not_overwritten(place):
    folder, data_dir, db_file = place
    result = preview(place, ziele="# meine Fassung\n" + (folder / "ziele.toml").read_text(encoding="utf-8"))
    (folder / "ziele.toml").write_text("# jemand anderes\n", encoding="utf-8")
    with pytest.raises(goal_updates.UpdateError, match="seit der Vorschau geändert"):
        goal_updates.apply_goals(result, data_dir=data_dir, db_file=db_file)
    assert (folder / "ziele.toml").read_text(encoding="utf-8") == "# jemand anderes\n"


def test_entries_at_a_moment_come_from_the_history(place):
    folder, data_dir, db_file = place
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    change_id = goal_updates.apply_goals(preview(place, massnahmen=edited(place, "massnahmen", 'status = "verschoben"',
                                                                          'status = "laufend"')),
                                         data_dir=data_dir, db_file=db_file)
    then = goal_updates.entries_at(folder, moment, data_dir=data_dir)
    now = goal_updates.entries_at(folder, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1), data_dir=data_dir)
    assert then["massnahmen.toml"]["wohnraumakquise"]["status"] == "verschoben"
    assert now["massnahmen.toml"]["wohnraumakquise"]["status"] == "laufend"
    assert "zusammenleben-einbuergerung" in then["ziele.toml"]  # a file no change touched: as it is
    goal_updates.undo_goals(change_id, folder=folder, data_dir=data_dir, db_file=db_file)
    assert goal_updates.entries_at(folder, moment, data_dir=data_dir)["massnahmen.toml"]["wohnraumakquise"][
        "status"] == "verschoben"


# ── the lock: one change of data/ at a time, figures or goals ────────────────────────────────────────────────

HOLD_LOCK = """
import sys, time
from pathlib import Path
from monitoring import store
with store.lock(Path(sys.argv[1]), Path(sys.argv[2])):
    print("held", flush=True)
    time.sleep(float(sys.argv[3]))
"""


def hold_lock(place, seconds: float) -> subprocess.Popen:
    """Another process (a figure import, a second app process) holding the store's lock for ``seconds``."""
    process = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(place[1]), str(place[2]), str(seconds)],
                               cwd=PROJECT_DIR, stdout=subprocess.PIPE, text=True, env={**os.environ})
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_lock_held_by_another_process_refuses_after_the_timeout(place, monkeypatch):
    folder, data_dir, db_file = place
    before = snapshot(folder)
    result = preview(place, ziele="# neu\n" + (folder / "ziele.toml").read_text(encoding="utf-8"))
    monkeypatch.setattr(data_store, "LOCK_TIMEOUT_S", 0.5)
    holder = hold_lock(place, 30)
    try:
        with pytest.raises(goal_updates.UpdateError, match="Ein anderer Import läuft gerade"):
            goal_updates.apply_goals(result, data_dir=data_dir, db_file=db_file)
        assert snapshot(folder) == before
    finally:
        holder.kill()
        holder.wait()
    goal_updates.apply_goals(result, data_dir=data_dir, db_file=db_file)


def test_a_lock_held_briefly_by_another_process_is_waited_for(place):
    folder, data_dir, db_file = place
    result = preview(place, ziele="# neu\n" + (folder / "ziele.toml").read_text(encoding="utf-8"))
    holder = hold_lock(place, 1.5)
    started = time.monotonic()
    goal_updates.apply_goals(result, data_dir=data_dir, db_file=db_file)
    assert time.monotonic() - started >= 0.5
    assert (folder / "ziele.toml").read_text(encoding="utf-8").startswith("# neu\n")
    holder.wait(timeout=30)


# ── the page "Daten aktualisieren" (AppTest) ─────────────────────────────────────────────────────────────────

NEW_GOAL = '''
[[goal]]
id = "zusammenleben-ehrenamt"
handlungsfeld = "Zusammenleben und Demokratie"
text = "Mehr Zugewanderte engagieren sich im Ehrenamt."
indicators = []
baseline = { year = 2024 }
direction = "steigen"
'''


@pytest.fixture
def page_store(tmp_path, monkeypatch):
    """A private data/ and database (tests/test_updates.py), with the rastatt structure in force from its copy."""
    from monitoring import db
    from tests.test_updates import copy_store

    data_dir, db_file = copy_store(tmp_path)
    monkeypatch.setattr(db, "DATA_DIR", data_dir)
    monkeypatch.setattr(db, "DB_FILE", db_file)
    monkeypatch.setenv("INTEGRATIONSMONITOR_STRUKTUR", str(data_dir / "strukturen" / "rastatt.toml"))
    return data_dir / "strukturen" / "rastatt", data_dir


def goals_page():
    """Ziele & Maßnahmen through the dashboard (the page needs the frame's shared filters)."""
    from tests.test_pages import run_page

    return run_page("pages/ziele_massnahmen.py", "08216")


def update_page():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT_DIR / "pages" / "daten_aktualisieren.py"), default_timeout=600)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def goal_texts(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_page_edits_goals_in_the_text_field_preview_apply_and_undo(page_store):
    folder, _data_dir = page_store
    original = (folder / "ziele.toml").read_bytes()
    assert "Mehr Zugewanderte engagieren sich im Ehrenamt" not in goal_texts(goals_page())

    at = update_page()
    assert "Ziele und Maßnahmen bearbeiten" in [h.value for h in at.header]
    at.radio(key="goal_upd_mode").set_value("text").run()
    area = at.text_area(key="goal_upd_text_ziele.toml_0")
    assert area.value == original.decode("utf-8")  # prefilled with the file in force
    area.input(area.value + NEW_GOAL).run()
    at.button(key="goal_upd_preview").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert "Ziel „zusammenleben\\-ehrenamt“ neu" in goal_texts(at)
    at.button(key="goal_upd_apply").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("übernommen" in s.value for s in at.success)
    assert (folder / "ziele.toml").read_text(encoding="utf-8").endswith(NEW_GOAL)

    assert "Mehr Zugewanderte engagieren sich im Ehrenamt" in goal_texts(goals_page())  # no restart needed

    history = next(d.value for d in at.dataframe if "Änderung" in d.value.columns)
    assert history["Status"].tolist() == ["übernommen"]
    at.button(key="goal_upd_undo").click().run()
    assert any("rückgängig gemacht" in s.value for s in at.success)
    assert (folder / "ziele.toml").read_bytes() == original
    assert "Mehr Zugewanderte engagieren sich im Ehrenamt" not in goal_texts(goals_page())


def test_page_refuses_an_uploaded_file_with_an_unknown_status_and_changes_nothing(page_store):
    folder, _data_dir = page_store
    before = snapshot(folder)
    text = (folder / "massnahmen.toml").read_text(encoding="utf-8").replace('status = "verschoben"',
                                                                             'status = "erledigt"')
    at = update_page()
    at.file_uploader(key="goal_upd_files_0").set_value(("massnahmen.toml", text.encode("utf-8"),
                                                         "application/toml")).run()
    at.button(key="goal_upd_preview").click().run()
    assert not at.exception, [e.message for e in at.exception]
    message = " ".join(e.value for e in at.error)
    assert "massnahmen.toml, Zeile 75, Maßnahme „wohnraumakquise“: status = 'erledigt' ist nicht erlaubt" \
        in message.replace("\\", "")
    assert at.button(key="goal_upd_apply").disabled
    assert snapshot(folder) == before


# ── the command line ─────────────────────────────────────────────────────────────────────────────────────────


def test_command_line_previews_saves_lists_and_undoes(tmp_path):
    from tests.test_updates import cli, copy_store, finished

    store = copy_store(tmp_path)
    folder = store[0] / "strukturen" / "rastatt"
    original = (folder / "massnahmen.toml").read_bytes()
    env = {"INTEGRATIONSMONITOR_STRUKTUR": "rastatt"}
    bad = tmp_path / "massnahmen.toml"
    bad.write_bytes(original.replace(b'status = "verschoben"', b'status = "erledigt"'))
    code, _out, err = finished(cli(store, "goals", bad, env=env), timeout=120)
    assert code == 2 and "Maßnahme „wohnraumakquise“: status = 'erledigt' ist nicht erlaubt" in err
    assert (folder / "massnahmen.toml").read_bytes() == original

    good = tmp_path / "massnahmen_neu.toml"
    good.write_bytes(original.replace(b'status = "verschoben"', b'status = "eingestellt"'))
    code, out, _err = finished(cli(store, "goals", good, "--dry-run", env=env), timeout=120)
    assert code == 0 and "Status verschoben → eingestellt" in out and "Probelauf" in out
    assert (folder / "massnahmen.toml").read_bytes() == original
    code, out, err = finished(cli(store, "goals", good, env=env), timeout=120)
    assert code == 0, err
    change_id = out.split("Übernommen als Änderung ")[1].split(" ")[0]
    assert (folder / "massnahmen.toml").read_bytes() == good.read_bytes()
    code, out, _err = finished(cli(store, "goals", "--list", env=env), timeout=120)
    assert change_id in out and "übernommen" in out
    assert finished(cli(store, "goals", "--undo", change_id, env=env), timeout=120)[0] == 0
    assert (folder / "massnahmen.toml").read_bytes() == original


def test_a_status_changed_on_this_page_shows_in_the_steering_groups_review(page_store):
    folder, data_dir = page_store
    text = (folder / "massnahmen.toml").read_text(encoding="utf-8").replace('status = "verschoben"',
                                                                             'status = "laufend"')
    result = goal_updates.preview_goals({"massnahmen.toml": text}, folder=folder, catalog_ids=CATALOG_IDS,
                                        fields=FIELDS)
    goal_updates.apply_goals(result)  # db.DATA_DIR points at the private data/
    lines = " ".join(m.value.replace("\\", "") for m in goals_page().markdown)
    assert "Maßnahme *Wohnraumakquise und Mietgarantie*: Status verschoben → laufend" in lines
