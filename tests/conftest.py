"""Shared fixtures: where the real official exports are, and a database built from the committed data/."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
RAW_DIR = Path(os.environ.get("INTEGRATIONSMONITOR_RAW", PROJECT_DIR.parent / "shared" / "data" / "raw"))


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    if not RAW_DIR.is_dir():
        pytest.skip(f"Rohdaten nicht vorhanden ({RAW_DIR}): ../shared liegt nicht neben dem Projekt")
    return RAW_DIR


@pytest.fixture(scope="session")
def built_db(tmp_path_factory):
    """A DuckDB file built from the committed data/ into a temporary place (the real one stays untouched)."""
    from monitoring import db

    path = tmp_path_factory.mktemp("db") / "test.duckdb"
    db.build_database(db.DATA_DIR, path)
    return path


@pytest.fixture(scope="session")
def sql(built_db):
    """Run a SQL string against the test database (tests only; the product goes through queries/*.sql)."""
    import duckdb

    con = duckdb.connect(str(built_db), read_only=True)

    def run(statement: str, **params):
        return con.cursor().execute(statement, params).df()

    return run


@pytest.fixture
def test_db(built_db, monkeypatch):
    """Point monitoring.db (and so run_query) at the test database."""
    from monitoring import db

    monkeypatch.setattr(db, "DB_FILE", built_db)
    return db


# ── the browser tests' shared pieces (tests/test_browser*.py; Debian's Chromium through Playwright) ──────────────

def require_browser() -> None:
    """Skip with the reason when Debian's Chromium or Playwright is missing: the tests never download a browser."""
    from monitoring.browser_harness import chromium_available

    if not chromium_available():
        pytest.skip("Debian's Chromium is missing at /usr/bin/chromium (apt-get install chromium); "
                    "the browser tests never download a browser of their own")
    pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")


def dashboard_server(log_name: str, *, env: dict | None = None, timeout: float = 60):
    """A started `streamlit run dashboard.py` whose log goes to test-artifacts/<log_name>; the caller stops it."""
    from monitoring.browser_harness import StreamlitServer

    require_browser()
    server = StreamlitServer("dashboard.py", log_path=PROJECT_DIR / "test-artifacts" / log_name, env=env)
    server.start(timeout=timeout)
    return server


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (a fresh context per test keeps visitors apart)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    from monitoring.browser_harness import launch_browser

    with sync_playwright() as playwright:
        chromium = launch_browser(playwright)
        yield chromium
        chromium.close()
