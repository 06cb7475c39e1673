"""Daten aktualisieren (monitoring/updates.py, the CLI and the page): bad input is refused with file, line, column and
reason and changes nothing; a preview changes nothing; apply is atomic (also when killed); undo restores exactly."""
from __future__ import annotations

import atexit
import hashlib
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from monitoring import db, own_catalog, templates, update_tables, updates
from monitoring import store as data_store
from monitoring.importers.own_figures import EXAMPLE_NOTE
from monitoring.provenance import escape_markdown
from monitoring.settings import settings as installation_settings
from tests.conftest import PROJECT_DIR, RAW_DIR

HEADER = "ags;indicator;period;value;flag;source;note"
OWN = "eigen_integrationskurs_eintritte"
FLAT_2024 = "genesis-pystatis-cassettes/12411-01-01-4_2024-12-31_de_flat.csv"
FLAT_LEGACY_2023 = "genesis-pystatis-cassettes/12411-01-01-4_2023-12-31_de_flat_legacy2024.csv"
FLAT_ZIP = "genesis-pystatis-cassettes/12531-0043_2024-12-31_Kreise_flat.zip"
TABLE_CSV = "regionalstatistik-tabellen-2017-datenguide/12411-01-01-4.csv"
BA_EXPORT = "ba-statistik-migration-export-2025/arbeitslose_ausländer_nachgeschlecht.csv"


# ── a private copy of data/ and its database for every test ──────────────────────────────────────────────────


@lru_cache(maxsize=1)
def _pristine() -> Path:
    """data/ (without user imports and database) and a database built from it, made once per test run."""
    root = Path(tempfile.mkdtemp(prefix="integrationsmonitor-pristine-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    shutil.copytree(PROJECT_DIR / "data", root / "data",
                    ignore=shutil.ignore_patterns("imports", "*.duckdb", "*.duckdb.wal", "*.tmp"))
    (root / "db").mkdir()
    db.build_database(root / "data", root / "db" / "integrationsmonitor.duckdb")
    return root


def copy_store(tmp_path: Path) -> tuple[Path, Path]:
    shutil.copytree(_pristine(), tmp_path / "store")
    return tmp_path / "store" / "data", tmp_path / "store" / "db" / "integrationsmonitor.duckdb"


def copy_store_without_default_facts(tmp_path: Path) -> tuple[Path, Path]:
    """A store whose default dataset is empty: an official export that is part of the default data is then new, so
    it can show a whole import (the same file on the full store changes nothing and is no import)."""
    import pyarrow.parquet as pq

    data_dir, db_file = copy_store(tmp_path)
    path = data_dir / "facts.parquet"
    pq.write_table(pq.read_table(path).slice(0, 0), path)  # no rows, the same column types
    (data_dir / "plausibility.parquet").unlink(missing_ok=True)
    return data_dir, db_file


def snapshot(data_dir: Path, db_file: Path) -> dict[str, str]:
    """sha256 of every file in data/ and beside the database: byte-identical means the same dict."""
    files = [p for folder in (data_dir, db_file.parent) for p in folder.rglob("*") if p.is_file()]
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(set(files))}


def facts_of(db_file: Path) -> pd.DataFrame:
    with duckdb.connect(str(db_file), read_only=True) as con:
        return con.execute("SELECT * FROM facts ORDER BY ALL").df()


@pytest.fixture
def store(tmp_path):
    return copy_store(tmp_path)


def raw(relative: str) -> Path:
    if not RAW_DIR.is_dir():
        pytest.skip(f"Rohdaten nicht vorhanden ({RAW_DIR}): ../shared liegt nicht neben dem Projekt")
    return RAW_DIR / relative


def own_csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def run(store, items, **kwargs) -> updates.Preview:
    return updates.preview(items, data_dir=store[0], db_file=store[1], **kwargs)


def apply_ok(store, items) -> str:
    result = run(store, items)
    assert result.rejected.empty, result.summary()
    return updates.apply(result)


# ── bad input: a clear German message with file, line, column and reason; nothing changes ────────────────────


def xlsx(rows: list[list], *, text_cells: bool = False) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Eigene Zahlen"
    sheet.append(HEADER.split(";"))
    for row in rows:
        sheet.append(row)
    if text_cells:  # a text that only looks like a formula (as Excel stores '=… typed with a quote)
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def mixed_encoding() -> bytes:
    good = own_csv(f"08216;{OWN};2023;5;;Landratsamt;geprüft")
    return good + f"08216;{OWN};2024;6;;Landratsamt;".encode() + "geändert\n".encode("latin-1")


def flat_with_value(path: Path, ags: str, value: str) -> tuple[bytes, int]:
    """The flat CSV with one district's value replaced; returns the bytes and the line changed."""
    lines = path.read_text(encoding="utf-8-sig").split("\n")
    header = lines[0].split(";")
    number = next(i for i, line in enumerate(lines) if f";{ags};" in line and ";BEVSTD;" in line)
    cells = lines[number].split(";")
    cells[header.index("value")] = value
    lines[number] = ";".join(cells)
    return ("\ufeff" + "\n".join(lines)).encode("utf-8"), number + 1


def table_with_text_in_a_value() -> tuple[bytes, int]:
    lines = raw(TABLE_CSV).read_bytes().decode("latin-1").split("\n")
    number = next(i for i, line in enumerate(lines) if line.startswith("08216;"))
    cells = lines[number].split(";")
    cells[2] = "abc"
    lines[number] = ";".join(cells)
    return "\n".join(lines).encode("latin-1"), number + 1


def bad_inputs():
    """(id, items, expected file, line, column, reason fragment, preview keyword arguments)."""
    flat = lambda: raw(FLAT_2024).read_bytes()  # noqa: E731
    cases = [
        ("no known layout", lambda: [("notizen.csv", b"Name;Wert\nA;1\n")], "notizen.csv", 1, "",
         "Unbekanntes Dateiformat", {}),
        ("UTF-16", lambda: [("eigene.csv", own_csv(f"08216;{OWN};2023;5;;;").decode().encode("utf-16"))],
         "eigene.csv", 1, "", "UTF-16-kodiert", {}),
        ("mixed encoding", lambda: [("gemischt.csv", mixed_encoding())], "gemischt.csv", 3, "",
         "Gemischte Zeichenkodierung", {}),
        ("empty file", lambda: [("leer.csv", b"")], "leer.csv", None, "", "Die Datei ist leer.", {}),
        ("truncated template", lambda: [("kurz.csv", own_csv(f"08216;{OWN};2022;5;;;")
                                         + f"08216;{OWN};2023;7".encode())],
         "kurz.csv", 3, "", "abgeschnitten", {}),
        ("truncated flat CSV", lambda: [("12411-01-01-4_2024-12-31_de_flat.csv", flat()[:5000])],
         "12411-01-01-4_2024-12-31_de_flat.csv", lambda: flat()[:5000].count(b"\n") + 1, "",
         "endet mitten in einer Zeile", {}),
        ("truncated zip", lambda: [("12531-0043.zip", raw(FLAT_ZIP).read_bytes()[:400_000])], "12531-0043.zip", None,
         "", "beschädigt oder unvollständig", {}),
        ("district that never existed", lambda: [("e.csv", own_csv(f"99999;{OWN};2023;5;;;"))], "e.csv", 2, "ags",
         "Der Regionalschlüssel 99999 existiert nicht", {}),
        ("district that no longer exists", lambda: [("e.csv", own_csv(f"03152;{OWN};2023;5;;;"))], "e.csv", 2, "ags",
         "Den Kreis 03152 gibt es nicht mehr (Gebietsreform); bitte den heutigen Kreisschlüssel verwenden: "
         "03159 Göttingen",
         {}),
        ("unknown indicator", lambda: [("e.csv", own_csv("08216;integrationskurse_kreis;2023;5;;;"))], "e.csv", 2,
         "indicator", "Unbekannte Kennzahl „integrationskurse_kreis“", {}),
        ("official indicator in the own template", lambda: [("e.csv", own_csv("08216;bevoelkerung;2023;5;;;"))],
         "e.csv", 2, "indicator", "„bevoelkerung“ ist eine amtliche Kennzahl", {}),
        ("conflicting duplicates", lambda: [("e.csv", own_csv(f"08216;{OWN};2023;5;;;", f"08216;{OWN};2023;6;;;"))],
         "e.csv", 3, "value", "Widersprüchliche Doppelangabe", {}),
        ("non-numeric value in the template", lambda: [("e.csv", own_csv(f"08216;{OWN};2023;zwölf;;;"))], "e.csv", 2,
         "value", "„zwölf“ ist keine Zahl", {}),
        ("non-numeric value in an official table", lambda: [("12411-01-01-4.csv", table_with_text_in_a_value()[0])],
         "12411-01-01-4.csv", lambda: table_with_text_in_a_value()[1], "3 (Insgesamt)", "„abc“ ist keine Zahl", {}),
        ("negative count in the template", lambda: [("e.csv", own_csv(f"08216;{OWN};2023;-5;;;"))], "e.csv", 2,
         "value", "Negativer Wert", {}),
        ("negative count in an official export",
         lambda: [("12411-01-01-4_2024-12-31_de_flat.csv", flat_with_value(raw(FLAT_2024), "08216", "-5")[0])],
         "12411-01-01-4_2024-12-31_de_flat.csv", lambda: flat_with_value(raw(FLAT_2024), "08216", "-5")[1], "value",
         "Negativer Wert", {}),
        ("share above 100 %", lambda: [("e.csv", own_csv("08216;eigen_dtz_b1_anteil;2023;140,5;;;"))], "e.csv", 2,
         "value", "Anteil über 100 %", {}),
        ("file larger than the limit",
         lambda: [("gross.csv", own_csv(*[f"08216;{OWN};{y};5;;;" for y in range(1990, 2030)]))],
         "gross.csv", None, "", "erlaubt sind höchstens 1 kB", {"max_bytes": 1000}),
        ("zip with many members", lambda: [("viele.zip", zipped({f"t{i}.csv": b"x" for i in range(25)}))], "viele.zip",
         None, "", "enthält 25 Dateien", {}),
        ("zip bomb", lambda: [("bombe.zip", zipped({"a.csv": b"\0" * 60_000_000}))], "bombe.zip", None, "",
         "vermutlich eine ZIP-Bombe", {}),
        ("zip too large unpacked", lambda: [("gross.zip", zipped({"a.csv": b"1;" * 15_000_000}))], "gross.zip", None,
         "", "entpackt", {"max_bytes": 1_000_000}),
        ("formula cell in a spreadsheet", lambda: [("e.xlsx", xlsx([["08216", OWN, 2023, "=2+3", None, "Amt", None]]))],
         "e.xlsx", 2, "value", "Zelle D2 enthält eine Formel", {}),
        ("text starting with @ in a spreadsheet",
         lambda: [("e.xlsx", xlsx([["08216", OWN, 2023, 5, None, "@SUMME(A1)", None]], text_cells=True))],
         "e.xlsx", 2, "source", "Der Text beginnt mit „@“", {}),
        ("text starting with = in a CSV", lambda: [("e.csv", own_csv(f"08216;{OWN};2023;5;;=HYPERLINK(\"x\");"))],
         "e.csv", 2, "source", "Der Text beginnt mit „=“", {}),
        ("text starting with + in a CSV", lambda: [("e.csv", own_csv(f"08216;{OWN};2023;5;;Amt;+cmd"))], "e.csv", 2,
         "note", "Der Text beginnt mit „+“", {}),
        ("text starting with - in a CSV",
         lambda: [("e.csv", own_csv(f"08216;{OWN};2023;5;;Amt;-2+3+cmd|' /C calc'!A0"))],
         "e.csv", 2, "note", "Der Text beginnt mit „-“", {}),
        ("damaged spreadsheet", lambda: [("e.xlsx", b"kein Excel")], "e.xlsx", None, "",
         "Die Excel-Datei ist beschädigt", {}),
    ]
    return [pytest.param(*case[1:], id=case[0]) for case in cases]


def location(file: str, line, column: str) -> str:
    parts = [f"Datei „{file}“"] + ([f"Zeile {line}"] if line is not None else [])
    parts += [f"Spalte {column}"] if column else []
    return ", ".join(parts)


@pytest.mark.parametrize("items, file, line, column, reason, kwargs", bad_inputs())
def test_bad_input_is_refused_with_location_and_reason_and_changes_nothing(store, items, file, line, column, reason,
                                                                          kwargs):
    before = snapshot(*store)
    result = run(store, items(), **kwargs)
    line = line() if callable(line) else line
    message = f"{location(file, line, column)}: "
    texts = [f"{location(r.file, None if pd.isna(r.line) else r.line, r.column)}: {r.reason}"
             for r in result.rejected.itertuples()]
    assert any(t.startswith(message) and reason in t for t in texts), texts
    assert message in result.summary() and reason in result.summary()
    with pytest.raises(updates.UpdateError):
        updates.apply(result)
    assert snapshot(*store) == before


def test_upload_limit_comes_from_the_setting(store, monkeypatch):
    monkeypatch.setenv("INTEGRATIONSMONITOR_MAX_UPLOAD_MB", "0.0005")
    assert installation_settings().max_upload_bytes == 524
    result = run(store, [("e.csv", own_csv(*[f"08216;{OWN};{y};5;;;" for y in range(2000, 2030)]))])
    assert "Einstellung max_upload_mb" in result.rejected["reason"].iloc[0]
    monkeypatch.delenv("INTEGRATIONSMONITOR_MAX_UPLOAD_MB")
    assert installation_settings().max_upload_bytes == 50 * 1024 * 1024


def test_html_and_script_are_kept_as_plain_text(store):
    note = '<script>alert("x")</script> <b>fett</b>'
    result = run(store, [("e.csv", own_csv(f"08216;{OWN};2023;5;;Amt;{note}"))])
    assert "HTML- oder Skript-Zeichen" in result.warnings["message"].iloc[0]
    assert result.rejected.empty
    updates.apply(result)
    with duckdb.connect(str(store[1]), read_only=True) as con:
        stored = con.execute("SELECT note FROM facts WHERE indicator = $i", {"i": OWN}).fetchone()[0]
    assert stored == note  # stored as typed; shown through st.dataframe / escape_markdown, never as markup
    assert escape_markdown(note) == r'\<script\>alert\("x"\)\</script\> \<b\>fett\</b\>'


def test_template_lists_escape_formula_like_names(store):
    districts = store[0] / "districts.csv"
    frame = pd.read_csv(districts, dtype=str)
    frame.loc[0, "label"] = "=HYPERLINK(1)"
    frame.to_csv(districts, index=False)
    listing = templates.template_csv(data_dir=store[0])["eigene_zahlen_kreise.csv"].decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in listing


# ── preview, apply, undo ─────────────────────────────────────────────────────────────────────────────────────


def test_preview_changes_nothing_even_without_a_database(store):
    data_dir, db_file = store
    items = [("e.csv", own_csv(f"08216;{OWN};2023;5;;;"))]
    before = snapshot(data_dir, db_file)
    assert len(run(store, items).part("new")) == 1
    assert snapshot(data_dir, db_file) == before
    db_file.unlink()
    before = snapshot(data_dir, db_file)
    assert len(run(store, items).part("new")) == 1
    assert not db_file.exists() and snapshot(data_dir, db_file) == before


def test_apply_then_undo_restores_the_facts_exactly(store):
    data_dir, db_file = store
    before = facts_of(db_file)
    import_id = apply_ok(store, [("e.csv", own_csv(f"08216;{OWN};2022;700;;Kursträger;", f"08216;{OWN};2023;750;;;"))])
    after = facts_of(db_file)
    assert len(after) == len(before) + 2
    assert db.stored_fingerprint(db_file) == db.data_fingerprint(data_dir)
    assert updates.list_imports(data_dir=data_dir)[0]["status"] == "active"
    updates.undo(import_id, data_dir=data_dir, db_file=db_file)
    pd.testing.assert_frame_equal(facts_of(db_file), before)
    assert db.stored_fingerprint(db_file) == db.data_fingerprint(data_dir)
    with pytest.raises(updates.UpdateError, match="nicht aktiv"):
        updates.undo(import_id, data_dir=data_dir, db_file=db_file)


def test_reimport_of_the_same_source_replaces_and_shows_removed_and_changed_values(store):
    data_dir, db_file = store
    first = apply_ok(store, [("a.csv", own_csv(f"08216;{OWN};2021;600;;;", f"08216;{OWN};2022;650;;;",
                                               f"08211;{OWN};2022;90;;;"))])
    after_first = facts_of(db_file)
    corrected = [("b.csv", own_csv(f"08216;{OWN};2021;610;;Kursträger;", f"08216;{OWN};2022;650;;;"))]
    result = run(store, corrected)  # the same indicator and years, one row corrected, one dropped
    assert result.replaces == [first]
    removed, changed = result.part("removed"), result.part("changed")
    assert removed[["ags", "period", "old_value"]].values.tolist() == [["08211", "2022-12-31", 90.0]]
    assert changed[["period", "old_value", "new_value", "new_source"]].values.tolist() == [
        ["2021-12-31", 600.0, 610.0, "Kursträger"]]
    assert result.counts["unchanged"] == 1
    second = updates.apply(result)
    statuses = {e["id"]: e["status"] for e in updates.list_imports(data_dir=data_dir)}
    assert statuses == {first: "replaced", second: "active"}
    updates.undo(second, data_dir=data_dir, db_file=db_file)
    assert {e["id"]: e["status"] for e in updates.list_imports(data_dir=data_dir)}[first] == "active"
    pd.testing.assert_frame_equal(facts_of(db_file), after_first)
    next_year = run(store, [("c.csv", own_csv(f"08216;{OWN};2023;700;;;"))])  # another year only adds
    assert next_year.replaces == [] and next_year.part("removed").empty


def test_priority_and_stand_decide_not_the_import_order(store):
    """The 2024-layout flat export (catalogue priority 9) never overrides the current layout, however late."""
    result = run(store, [raw(FLAT_LEGACY_2023)])
    assert result.counts["superseded"] > 0 and result.counts["new"] == 0 and result.counts["changed"] == 0
    again = run(store, [raw(FLAT_2024)])  # the same export again: it counts, nothing differs
    assert again.counts["unchanged"] > 0 and again.changes.empty


def test_a_jump_far_outside_the_usual_change_is_flagged(store):
    values = (100, 102, 101, 103, 104, 102, 103)
    series = [f"08216;{OWN};{year};{value};;;" for year, value in zip(range(2015, 2022), values)]
    apply_ok(store, [("reihe.csv", own_csv(*series))])
    calm = run(store, [("neu.csv", own_csv(f"08216;{OWN};2022;106;;;"))])
    assert calm.warnings.empty
    jump = run(store, [("neu.csv", own_csv(f"08216;{OWN};2022;500;;;"))])
    assert "Auffälliger Sprung" in jump.warnings["message"].iloc[0] and "103 → 500" in jump.warnings["message"].iloc[0]


def test_a_change_of_basis_is_flagged_as_break(store):
    text = raw(FLAT_LEGACY_2023).read_text(encoding="utf-8").replace("31.12.2023", "31.12.2025")
    result = run(store, [("12411-01-01-4_2025-12-31_de_flat_legacy2024.csv", text.encode("utf-8"))])
    assert result.counts["new"] > 0
    assert any("Bruch in der Reihe" in m and "Basis Zensus 2011" in m for m in result.warnings["message"])


def test_stale_preview_is_refused(store):
    first = run(store, [("a.csv", own_csv(f"08216;{OWN};2023;5;;;"))])
    second = run(store, [("b.csv", own_csv(f"08111;{OWN};2023;5;;;"))])
    updates.apply(first)
    with pytest.raises(updates.UpdateError, match="seit der Vorschau geändert"):
        updates.apply(second)


def test_a_parquet_the_manifest_does_not_list_is_ignored_and_swept(store):
    data_dir, db_file = store
    before = facts_of(db_file)
    (data_dir / "imports").mkdir()
    run(store, [("a.csv", own_csv(f"08216;{OWN};2023;5;;;"))]).facts.to_parquet(data_dir / "imports" / "9999-x.parquet")
    assert db.data_fingerprint(data_dir) == db.stored_fingerprint(db_file)  # not part of the data
    db.build_database(data_dir, db_file)
    pd.testing.assert_frame_equal(facts_of(db_file), before)
    apply_ok(store, [("b.csv", own_csv(f"08111;{OWN};2023;5;;;"))])
    assert not (data_dir / "imports" / "9999-x.parquet").exists()


# ── own indicators and the template ──────────────────────────────────────────────────────────────────────────


def test_add_indicator_is_validated_like_the_catalogue(store):
    data_dir, db_file = store
    kwargs = {"data_dir": data_dir, "db_file": db_file}
    with pytest.raises(updates.UpdateError, match="Handlungsfeld „Sport“ gibt es nicht"):
        own_catalog.add_indicator("Vereinsmitglieder", "Sport", "Personen", "Mitglieder", **kwargs)
    with pytest.raises(updates.UpdateError, match="beginnt mit „=“"):
        own_catalog.add_indicator("=HYPERLINK(1)", "Zusammenleben", "Personen", "x", **kwargs)
    with pytest.raises(updates.UpdateError, match="Definition fehlt"):
        own_catalog.add_indicator("Ehrenamtliche", "Zusammenleben", "Personen", " ", **kwargs)
    first = own_catalog.add_indicator("Ehrenamtliche Lotsinnen", "Zusammenleben", "Personen", "Aktive Lotsinnen",
                                  direction="higher_better", **kwargs)
    second = own_catalog.add_indicator("Ehrenamtliche Lotsinnen", "Zusammenleben", "Personen", "Zweite Zählung", **kwargs)
    assert (first, second) == ("eigen_ehrenamtliche_lotsinnen", "eigen_ehrenamtliche_lotsinnen_2")
    from monitoring.catalog import load_catalog

    assert {first, second} <= set(load_catalog(data_dir / "indicators.toml")["id"])
    assert first in set(templates.template_frames(data_dir=data_dir)["Kennzahlen"]["id"])
    with duckdb.connect(str(db_file), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM catalog WHERE id = $i", {"i": first}).fetchone()[0] == 1
    assert len(run(store, [("e.csv", own_csv(f"08216;{first};2024;12;;;"))]).part("new")) == 1


def test_template_xlsx_round_trip(store):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(templates.template_xlsx(data_dir=store[0])))
    assert workbook.sheetnames == ["Eigene Zahlen", "Kreise", "Kennzahlen"]
    assert workbook["Kreise"].max_row == 401 and workbook["Eigene Zahlen"]["G2"].value == EXAMPLE_NOTE
    workbook["Eigene Zahlen"].append(["8216", "eigen_dtz_b1_anteil", "2024", 61.5, None, "BAMF-Regionalstelle", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = run(store, [("ausgefuellt.xlsx", buffer.getvalue())])
    assert result.rejected.empty and result.facts[["ags", "indicator", "value"]].values.tolist() == [
        ["08216", "eigen_dtz_b1_anteil", 61.5]]


# ── a kill in the middle of an import leaves data/ and the database intact ───────────────────────────────────


def big_own_file(folder: Path) -> Path:
    """~50 000 rows of own figures: an import that takes seconds, long enough to be killed in the middle."""
    districts = pd.read_csv(PROJECT_DIR / "data" / "districts.csv", dtype=str)["ags"]
    rows = [f"{ags};{indicator};{year};{(hash((ags, indicator, year)) % 900) + 1};;;" for ags in districts
            for indicator in ("eigen_integrationskurs_eintritte", "eigen_vwv_deutsch_teilnehmende",
                              "eigen_integrationsmanagement_faelle") for year in range(2000, 2040)]
    path = folder / "eigene_zahlen_gross.csv"
    path.write_bytes(own_csv(*rows))
    return path


def cli(store, *args, env: dict | None = None, **kwargs) -> subprocess.Popen:
    """`python -m monitoring …` on the private store; output goes to files (a full pipe would block the child)."""
    environment = {**os.environ, "INTEGRATIONSMONITOR_DATA": str(store[0]), "INTEGRATIONSMONITOR_DB": str(store[1]),
                   **(env or {})}
    out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
    process = subprocess.Popen([sys.executable, "-m", "monitoring", *map(str, args)], cwd=PROJECT_DIR,
                               env=environment, stdout=out, stderr=err, text=True, **kwargs)
    process.output = lambda: (out.seek(0) or out.read(), err.seek(0) or err.read())
    return process


def finished(process: subprocess.Popen, timeout: float = 600) -> tuple[int, str, str]:
    code = process.wait(timeout=timeout)
    return (code, *process.output())


def assert_intact(store, expected: list[pd.DataFrame]) -> None:
    """The manifest is readable, every import it lists is there, and the database (rebuilt if it is stale) holds
    exactly the facts of before or of after the import — nothing in between."""
    data_dir, db_file = store
    for entry in data_store.active_imports(data_dir):
        assert (data_dir / "imports" / entry["facts_file"]).is_file()
    db.ensure_database(data_dir, db_file)
    facts = facts_of(db_file)
    assert any(len(facts) == len(e) and facts.equals(e) for e in expected), len(facts)


@pytest.fixture(scope="module")
def kill_reference(tmp_path_factory):
    """Facts before and after a complete import of the big file, and how long that import takes."""
    folder = tmp_path_factory.mktemp("kill-reference")
    store = copy_store(folder)
    big = big_own_file(folder)
    before = facts_of(store[1])
    started = time.monotonic()
    code, out, err = finished(cli(store, "import", big))
    assert code == 0, out + err
    return big, before, facts_of(store[1]), time.monotonic() - started


@pytest.mark.parametrize("step, state", [("after_parquet", 0), ("after_build", 0), ("after_manifest", 1)])
def test_kill_at_each_step_of_the_commit(tmp_path, kill_reference, step, state):
    big, before, after, _ = kill_reference
    store = copy_store(tmp_path)
    process = cli(store, "import", big, env={"INTEGRATIONSMONITOR_CRASH_AT": step})
    assert process.wait(timeout=300) == -signal.SIGKILL
    assert_intact(store, [[before, after][state]])
    apply_ok(store, [("danach.csv", own_csv(f"08216;{OWN};2041;5;;;"))])  # the next import works and sweeps up
    leftovers = [p.name for p in [*store[0].joinpath("imports").iterdir(), *store[1].parent.iterdir()]
                 if p.name.endswith(".tmp") or ".staged-" in p.name]
    assert leftovers == []


def test_kill_at_a_random_moment(tmp_path, kill_reference):
    big, before, after, duration = kill_reference
    seed = int(os.environ.get("KILL_SEED", time.time()))
    chance = random.Random(seed)
    for attempt in range(3):
        store = copy_store(tmp_path / str(attempt))
        process = cli(store, "import", big, start_new_session=True)
        time.sleep(chance.uniform(0.2, duration))
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        try:
            assert_intact(store, [before, after])
        except AssertionError as err:
            raise AssertionError(f"KILL_SEED={seed}, attempt {attempt}: {err}") from None


# ── every layout family through the command line and the page ───────────────────────────────────────────────


def own_template_file(folder: Path, store) -> Path:
    code, out, err = finished(cli(store, "template", folder / "vorlage.csv"))
    assert code == 0, out + err
    path = folder / "vorlage.csv"
    path.write_bytes(path.read_bytes() + f"08216;{OWN};2024;812;;Kursträger;\r\n".encode())
    return path


FAMILIES = {"GENESIS table CSV": TABLE_CSV, "GENESIS flat CSV": FLAT_2024, "GENESIS flat zip": FLAT_ZIP,
            "BA export": BA_EXPORT, "own-figures template": None}


@pytest.mark.parametrize("family", FAMILIES)
def test_command_line_imports_every_layout_family(tmp_path, family):
    store = copy_store_without_default_facts(tmp_path)
    path = raw(FAMILIES[family]) if FAMILIES[family] else own_template_file(tmp_path, store)
    code, out, err = finished(cli(store, "import", path))
    assert code == 0, out + err
    assert "Übernommen als Import 0001-" in out
    listing = finished(cli(store, "imports"))[1]
    assert path.name in listing and "aktiv" in listing
    assert db.stored_fingerprint(store[1]) == db.data_fingerprint(store[0])


def test_command_line_refuses_bad_input_with_exit_code_2_and_undoes(tmp_path):
    store = copy_store(tmp_path)
    bad = tmp_path / "fehler.csv"
    bad.write_bytes(own_csv(f"99999;{OWN};2024;5;;;"))
    before = snapshot(*store)
    code, out, _ = finished(cli(store, "import", "--dry-run", bad))
    assert code == 2 and "Datei „fehler.csv“, Zeile 2, Spalte ags" in out
    assert snapshot(*store) == before
    good = tmp_path / "gut.csv"
    good.write_bytes(own_csv(f"08216;{OWN};2024;5;;;"))
    assert finished(cli(store, "import", "--dry-run", good))[0] == 0 and snapshot(*store) == before
    assert finished(cli(store, "import", good))[0] == 0
    import_id = updates.list_imports(data_dir=store[0])[0]["id"]
    code, out, _ = finished(cli(store, "undo", import_id))
    assert code == 0 and "rückgängig gemacht" in out


PAGE = str(PROJECT_DIR / "pages" / "daten_aktualisieren.py")


def page(store, monkeypatch):
    """The page on its own (it needs nothing from the frame), pointed at the private store."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setattr(db, "DATA_DIR", store[0])
    monkeypatch.setattr(db, "DB_FILE", store[1])
    at = AppTest.from_file(PAGE, default_timeout=600)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize("family", FAMILIES)
def test_page_imports_every_layout_family(tmp_path, monkeypatch, family):
    store = copy_store_without_default_facts(tmp_path)
    path = raw(FAMILIES[family]) if FAMILIES[family] else own_template_file(tmp_path, store)
    at = page(store, monkeypatch)
    at.file_uploader[0].set_value((path.name, path.read_bytes(), "application/octet-stream")).run()
    at.button(key="upd_make_preview").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.metric[4].label == "abgelehnt" and at.metric[4].value == "0"
    at.button(key="upd_apply").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("übernommen" in s.value for s in at.success), [e.value for e in at.error]
    assert updates.list_imports(data_dir=store[0])[0]["files"][0]["name"] == path.name
    assert at.dataframe[0].value["Dateien"].tolist() == [path.name]  # the list of past imports


def test_page_shows_rejections_and_cancel_changes_nothing(tmp_path, monkeypatch):
    store = copy_store(tmp_path)
    before = snapshot(*store)
    at = page(store, monkeypatch)
    name = "<img src=x onerror=alert(1)>.csv"  # shown as text in the table, never as markup
    at.file_uploader[0].set_value((name, own_csv(f"99999;{OWN};2024;5;;;"), "text/csv")).run()
    at.button(key="upd_make_preview").click().run()
    rejected = next(d.value for d in at.dataframe if "Grund" in d.value.columns)
    assert rejected[["Datei", "Zeile", "Spalte"]].values.tolist() == [[name, 2, "ags"]]
    assert at.button(key="upd_apply").disabled
    at.button(key="upd_cancel").click().run()
    assert any("nichts wurde geändert" in i.value for i in at.info)
    assert snapshot(*store) == before


def test_page_undo_and_new_indicator_escape_user_text(tmp_path, monkeypatch):
    store = copy_store(tmp_path)
    before = facts_of(store[1])
    apply_ok(store, [("e.csv", own_csv(f"08216;{OWN};2024;5;;;"))])
    at = page(store, monkeypatch)
    at.button(key="upd_undo").click().run()
    assert any("rückgängig gemacht" in s.value for s in at.success)
    pd.testing.assert_frame_equal(facts_of(store[1]), before)
    at.text_input(key="upd_ind_name").input("**Lotsen** <script>x</script>")
    at.text_input(key="upd_ind_unit").input("Personen")
    at.text_area(key="upd_ind_definition").input("Aktive Lotsinnen und Lotsen")
    at.button[-1].click().run()  # the form's submit button
    message = at.success[0].value
    assert r"\*\*Lotsen\*\* \<script\>x\</script\>" in message and r"eigen\_lotsen\_script\_x\_script" in message


def test_public_mode_turns_editing_off(tmp_path, monkeypatch, store):
    assert installation_settings().editing_enabled
    monkeypatch.setenv("INTEGRATIONSMONITOR_PUBLIC", "1")
    assert not installation_settings().editing_enabled
    at = page(store, monkeypatch)
    assert not at.file_uploader and "öffentlich" in at.info[0].value
    monkeypatch.delenv("INTEGRATIONSMONITOR_PUBLIC")
    settings = tmp_path / "integrationsmonitor.toml"
    settings.write_text('[dashboard]\ndefault_kreis = "08216"\npublic = true\n', encoding="utf-8")
    assert not installation_settings(settings).editing_enabled


def test_the_lock_keeps_a_second_change_out(store, monkeypatch):
    data_dir, db_file = store
    import_id = apply_ok(store, [("e.csv", own_csv(f"08216;{OWN};2024;5;;;"))])
    monkeypatch.setattr(data_store, "LOCK_TIMEOUT_S", 0.3)
    with data_store.lock(data_dir, db_file):  # as another process in the middle of an apply
        with pytest.raises(updates.UpdateError, match="Ein anderer Import läuft gerade"):
            updates.undo(import_id, data_dir=data_dir, db_file=db_file)
    updates.undo(import_id, data_dir=data_dir, db_file=db_file)


def test_a_command_line_import_and_undo_reach_a_running_dashboard_without_restart(store, monkeypatch, tmp_path):
    """The dashboard process keeps one cached read-only connection; an import by another process (the command
    line, a second app process) changes data/, and the next query must see it (finding 5 of the security review)."""
    data_dir, db_file = store
    monkeypatch.setattr(db, "DATA_DIR", data_dir)
    monkeypatch.setattr(db, "DB_FILE", db_file)

    def own_value():
        rows = db.run_query("facts_export", ags="08216", indicator=OWN, year=2024)
        return rows["value"].tolist()

    assert own_value() == []  # the connection is now open and cached
    upload = tmp_path / "eigene.csv"
    upload.write_bytes(own_csv(f"08216;{OWN};2024;812;;Kursträger;"))
    code, _out, err = finished(cli(store, "import", upload), timeout=120)
    assert code == 0, err
    assert own_value() == [812]
    import_id = updates.list_imports(data_dir=data_dir)[0]["id"]
    assert finished(cli(store, "undo", import_id), timeout=120)[0] == 0
    assert own_value() == []


def test_reading_the_same_file_again_is_no_import(store):
    """Finding 8 of the security review: a no-op re-import was recorded as an import."""
    data_dir, db_file = store
    rows = (f"08216;{OWN};2024;812;;Kursträger;",)
    apply_ok(store, [("e.csv", own_csv(*rows))])
    again = run(store, [("e.csv", own_csv(*rows))])
    assert again.changes.empty and not again.can_apply
    with pytest.raises(updates.UpdateError, match="schon genau so im Datenbestand"):
        updates.apply(again)
    assert len(updates.list_imports(data_dir=data_dir)) == 1


def test_a_new_source_or_note_for_the_same_value_is_a_change(store):
    """Finding 8: a corrected source or note counted as "unverändert" and was never shown."""
    apply_ok(store, [("e.csv", own_csv(f"08216;{OWN};2024;812;;Kursträger;"))])
    corrected = run(store, [("e.csv", own_csv(f"08216;{OWN};2024;812;;BAMF-Regionalstelle;vorläufig"))])
    changed = corrected.part("changed")
    assert changed[["old_value", "new_value", "old_source", "new_source", "new_note"]].values.tolist() == [
        [812.0, 812.0, "Kursträger", "BAMF-Regionalstelle", "vorläufig"]]
    assert corrected.can_apply
    assert "neue Anmerkung" in update_tables.preview_tables(corrected)["Geändert"].columns
