"""The page "Daten aktualisieren" describes a new table (AppTest on a private copy of data/): the file is offered
for describing instead of refused; the values for the chosen district and its Land are shown before anything is
written; "Übernehmen" writes the description with the import; undo takes the values back out and leaves the
description; a separate action removes it.  Values are checked against the raw file (tests/test_describe.py reads
it with the csv module)."""
from __future__ import annotations

import tomllib
from types import SimpleNamespace

import pytest

from monitoring import updates
from monitoring.catalog import entries
from tests.test_describe import (
    ALL_TOTAL,
    FOREIGNERS_TOTAL,
    HOMELESS,
    HOMELESS_TABLE,
    NAME,
    db_values,
    forget_table,
    german,
    raw_homeless_counts,
    without_lock,
)
from tests.test_updates import copy_store, page, raw, snapshot

PREFIX = f"upd_dsc_{HOMELESS_TABLE}"


@pytest.fixture
def store(tmp_path):
    store = copy_store(tmp_path)
    forget_table(store[0], HOMELESS_TABLE)
    return store


def uploaded(at, path):
    at.file_uploader[0].set_value((path.name, path.read_bytes(), "text/csv")).run()
    at.button(key="upd_make_preview").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def describe_homeless(at, *, numerator=FOREIGNERS_TOTAL, denominator=ALL_TOTAL, name=NAME):
    at.selectbox(key=f"{PREFIX}_num_measure").set_value(numerator)
    at.radio(key=f"{PREFIX}_den_mode").set_value("file").run()
    at.selectbox(key=f"{PREFIX}_den_measure").set_value(denominator)
    at.text_input(key=f"{PREFIX}_name").input(name)
    at.selectbox(key=f"{PREFIX}_field").set_value("Wohnen")
    at.selectbox(key=f"{PREFIX}_concept").set_value("Ausländer")
    at.text_area(key=f"{PREFIX}_caveats").input("Stichtag 31.01.; nur untergebrachte Personen.")
    at.button(key="upd_dsc_preview").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def value_rows(at) -> list[list[str]]:
    tables = [d.value for d in at.dataframe if "Zähler" in d.value.columns]
    assert len(tables) == 1, [d.value.columns.tolist() for d in at.dataframe]
    return tables[0].astype(str).values.tolist()


def test_page_describes_previews_applies_and_undoes_a_new_table(store, monkeypatch):
    data_dir, db_file = store
    at = page(store, monkeypatch)
    at.session_state["filters"] = SimpleNamespace(kreis="08117")  # the district chosen in the sidebar: Göppingen
    uploaded(at, raw(HOMELESS))
    assert at.metric[4].label == "abgelehnt" and at.metric[4].value == "0"  # not refused
    assert any("Neue Tabelle" in i.value for i in at.info)
    assert at.button(key="upd_apply").disabled  # nothing to take over before the description
    assert FOREIGNERS_TOTAL in at.selectbox(key=f"{PREFIX}_num_measure").options

    before = snapshot(*store)
    describe_homeless(at)
    foreigners, everyone = raw_homeless_counts("08117")
    rows = value_rows(at)
    assert rows[0] == ["Göppingen", "31.01.2024", german(foreigners), german(everyone),
                       f"{german(foreigners / everyone * 100, 1)} %"]
    assert rows[1][0] == "Baden-Württemberg (Summe von 44 der 44 Kreise)"
    assert snapshot(*store) == before  # shown, nothing written
    assert any(f'measure = "{FOREIGNERS_TOTAL}"' in c.value for c in at.code)  # the same as a snippet for the CLI

    at.button(key="upd_apply").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("übernommen" in s.value and "Neue Kennzahl" in s.value for s in at.success), [e.value for e in at.error]
    record = tomllib.loads((data_dir / "described_indicators.toml").read_text(encoding="utf-8"))["description"][0]
    share_id, numerator_id, denominator_id = record["id"], *record["indicators"][:2]
    for ags in ("08216", "08117", "08226"):
        foreigners, everyone = raw_homeless_counts(ags)
        assert db_values(db_file, share_id)[ags] == pytest.approx(foreigners / everyone * 100)
        assert (db_values(db_file, numerator_id)[ags], db_values(db_file, denominator_id)[ags]) == (foreigners,
                                                                                                   everyone)
    described = [d.value for d in at.dataframe if "Kennung" in d.value.columns]
    assert described[0]["Kennung"].tolist() == [share_id] and described[0]["Import"].tolist() == [
        updates.list_imports(data_dir=data_dir)[0]["id"]]

    import_id = updates.list_imports(data_dir=data_dir)[0]["id"]
    at.selectbox(key="upd_undescribe_choice").set_value(share_id)
    at.button(key="upd_undescribe").click().run()
    assert any("noch Werte aus Import" in e.value for e in at.error)  # the values first

    at.selectbox(key="upd_undo_choice").set_value(import_id)
    at.button(key="upd_undo").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert db_values(db_file, share_id) == {}
    assert share_id in {e["id"] for e in entries(data_dir / "indicators.toml")}  # the description stays

    at.selectbox(key="upd_undescribe_choice").set_value(share_id)
    at.button(key="upd_undescribe").click().run()
    assert any(f"Beschreibung {share_id} entfernt" in s.value.replace("\\", "") for s in at.success)  # md-escaped
    assert share_id not in {e["id"] for e in entries(data_dir / "indicators.toml")}


def test_page_refuses_a_share_over_100_percent_and_writes_nothing(store, monkeypatch):
    at = page(store, monkeypatch)
    uploaded(at, raw(HOMELESS))
    before = snapshot(*store)
    describe_homeless(at, numerator=ALL_TOTAL, denominator=FOREIGNERS_TOTAL)  # swapped
    assert any("über 100 %" in e.value for e in at.error), [e.value for e in at.error]
    assert at.button(key="upd_apply").disabled
    assert without_lock(snapshot(*store)) == without_lock(before)


def test_page_refuses_a_description_without_a_name(store, monkeypatch):
    at = page(store, monkeypatch)
    uploaded(at, raw(HOMELESS))
    describe_homeless(at, name="")
    assert any("Name fehlt" in e.value for e in at.error), [e.value for e in at.error]
