"""Every query file declares its parameters in a machine-readable header, and runs with them.

The header line `-- @param name TYPE = example` is the contract run_query checks at every call; here each query
runs once against the test database with its declared example values, so a query that breaks (a renamed column, a
parameter used but not declared) fails here and not only when some page happens to run it."""
from __future__ import annotations

import re

import duckdb
import pytest

from monitoring import db

RUNTIME_QUERIES = sorted(
    p.stem for p in db.QUERY_DIR.glob("*.sql")
    if not p.stem.startswith(("build_", "load_", "update_"))  # those run inside the build and the preview
)
ALL_QUERIES = sorted(p.stem for p in db.QUERY_DIR.glob("*.sql"))


@pytest.mark.parametrize("name", ALL_QUERIES)
def test_every_query_declares_exactly_the_parameters_it_uses(name):
    declared = db.query_params(name)
    body = "\n".join(line for line in db.load_sql(name).splitlines() if not line.lstrip().startswith("--"))
    used = set(re.findall(r"\$([a-z_]+)", body))
    assert set(declared) == used


@pytest.mark.parametrize("name", RUNTIME_QUERIES)
def test_every_runtime_query_runs_with_its_declared_examples(built_db, name):
    params = {key: duckdb.execute(f"SELECT {example}::{sql_type}").fetchone()[0]
              for key, (sql_type, example) in db.query_params(name).items()}
    with duckdb.connect(str(built_db), read_only=True) as con:
        frame = con.execute(db.load_sql(name), params).df()
    assert len(frame.columns) > 0


def test_run_query_refuses_parameters_the_file_does_not_declare(test_db):
    with pytest.raises(TypeError, match="tile"):
        test_db.run_query("tile", ags="08216", indicator="x", land="08", category="", year_from=1995, yearto=2025)
    with pytest.raises(KeyError, match="Unbekannte Abfrage"):
        test_db.run_query("tiles")


def test_a_query_without_a_declaration_is_refused(tmp_path, monkeypatch):
    (tmp_path / "undeclared.sql").write_text("-- no header\nSELECT $x\n", encoding="utf-8")
    monkeypatch.setattr(db, "QUERY_DIR", tmp_path)
    db.load_sql.cache_clear()
    db.query_params.cache_clear()
    try:
        with pytest.raises(KeyError, match="nicht im Kopf deklariert"):
            db.query_params("undeclared")
    finally:
        db.load_sql.cache_clear()
        db.query_params.cache_clear()
