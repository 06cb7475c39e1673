"""The GENESIS API fetch against recorded real answers, replayed at the HTTP layer (a requests transport adapter
serves the recorded bytes; monitoring.genesis_api's own logic runs unchanged)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from urllib.parse import parse_qsl, urlparse

import pytest
import requests

from monitoring import genesis_api
from tests.conftest import PROJECT_DIR, RAW_DIR

CASSETTES = RAW_DIR / "genesis-pystatis-cassettes"
FIXTURES = PROJECT_DIR / "tests" / "fixtures" / "genesis"
NOT_READY = FIXTURES / "12531-0043_catalogue_results_code104_not_ready_response.json"
JOB = "12531-0043_175879554"  # the name in the recorded code-99 answer
REAL_SESSION = requests.Session


class Replay(requests.adapters.BaseAdapter):
    """Answers each request with recorded bytes chosen by endpoint and form parameters; records every call."""

    def __init__(self, answer):
        super().__init__()
        self.answer = answer
        self.calls: list[dict] = []

    def send(self, request, **kwargs):
        method = urlparse(request.url).path.split("/rest/2020/")[-1]
        form = dict(parse_qsl(request.body or ""))
        self.calls.append({"method": method, "form": form, "headers": dict(request.headers),
                           "timeout": kwargs.get("timeout")})
        status, content_type, body = self.answer(method, form, self.calls)
        response = requests.Response()
        response.status_code, response._content, response.url, response.request = status, body, request.url, request
        response.headers["Content-Type"] = content_type
        return response

    def close(self):
        pass


def recorded(name: str) -> bytes:
    return (CASSETTES / name).read_bytes()


def session_with(adapter: Replay) -> requests.Session:
    session = REAL_SESSION()
    session.mount("https://", adapter)
    return session


@pytest.fixture(autouse=True)
def credentials(monkeypatch, tmp_path):
    if not CASSETTES.is_dir():
        pytest.skip(f"Aufzeichnungen nicht vorhanden ({CASSETTES})")
    monkeypatch.setattr(genesis_api, "SECRETS_FILE", tmp_path / "secrets.toml")
    for database in ("GENESIS", "REGIO", "ZENSUS"):
        monkeypatch.setenv(f"PYSTATIS_{database}_API_USERNAME", "tester")
        monkeypatch.setenv(f"PYSTATIS_{database}_API_PASSWORD", "geheim")


def small_table(method, form, calls):
    if method == "metadata/table":
        return 200, "application/json", recorded("12411-01-01-4_metadata_table_response.json")
    if method == "data/tablefile" and form["name"] == "12411-01-01-4":
        return 200, "text/csv", recorded("12411-01-01-4_2024-12-31_de_flat.csv")
    return 404, "text/plain", b"nicht aufgezeichnet"


def large_table(polls_until_ready: int):
    """GENESIS for 12531-0043: too large (98), job created (99), not ready (104) a few times, then the result."""

    def answer(method, form, calls):
        if method == "data/tablefile" and form.get("job") == "false":
            return 200, "application/json", recorded("12531-0043_error_code98_table_too_large_response.json")
        if method == "data/tablefile" and form.get("job") == "true":
            return 200, "application/json", recorded("12531-0043_job_created_code99_response.json")
        if method == "catalogue/results":
            polls = sum(1 for c in calls if c["method"] == "catalogue/results")
            if polls <= polls_until_ready:
                return 200, "application/json;charset=UTF-8", NOT_READY.read_bytes()
            # Not in any recording: the listing once the job is done, built as the GENESIS documentation describes.
            listing = {"Ident": {"Service": "catalogue", "Method": "results"},
                       "Status": {"Code": 0, "Content": "erfolgreich", "Type": "Information"},
                       "List": [{"Code": form["selection"], "Content": "Ergebnistabelle", "Values": "1"}]}
            return 200, "application/json", json.dumps(listing).encode()
        if method == "data/resultfile" and form["name"] == JOB:
            if form.get("regionalkey") == "08*":
                return 200, "text/csv", recorded("12531-0043_2024-12-31_BW-only_de_flat.csv")
            return 200, "application/zip", recorded("12531-0043_2024-12-31_Kreise_flat.zip")
        return 404, "text/plain", b"nicht aufgezeichnet"

    return answer


def test_small_table_comes_directly_with_stand_and_title_from_the_metadata():
    adapter = Replay(small_table)
    fetched = genesis_api.fetch_table("12411-01-01-4", session=session_with(adapter))
    assert fetched.data == recorded("12411-01-01-4_2024-12-31_de_flat.csv")
    assert fetched.database == "regio" and fetched.name == "12411-01-01-4_api.csv"
    assert fetched.stand == "2025-03-31"  # "Updated": "31.03.2025 11:18:07h"
    assert fetched.title.startswith("Bevölkerung nach Geschlecht")
    assert fetched.copyright == "© Statistische Ämter des Bundes und der Länder, Deutschland, 2026"
    for call in adapter.calls:  # credentials travel in headers, never in the form or the URL
        assert call["headers"]["username"] == "tester" and "geheim" not in json.dumps(call["form"])
        assert call["timeout"][0] <= 5  # short connect timeout: fail fast offline
    assert adapter.calls[1]["form"]["format"] == "ffcsv"


def test_large_table_goes_through_the_background_job_with_progress():
    adapter = Replay(large_table(polls_until_ready=2))
    messages = []
    fetched = genesis_api.fetch_table("12531-0043", regionalkey="08*", session=session_with(adapter),
                                      poll_seconds=0.01, progress=lambda f, t: messages.append((f, t)))
    methods = [c["method"] for c in adapter.calls]
    assert methods == ["metadata/table", "data/tablefile", "data/tablefile", "catalogue/results",
                       "catalogue/results", "catalogue/results", "data/resultfile"]
    assert adapter.calls[2]["form"]["job"] == "true"
    assert adapter.calls[3]["form"] == {"selection": JOB, "area": "user", "pagelength": "1", "language": "de"}
    assert adapter.calls[-1]["form"]["regionalvariable"] == "KREISE"  # no metadata recorded: the default
    assert fetched.data == recorded("12531-0043_2024-12-31_BW-only_de_flat.csv")
    assert fetched.name == "12531-0043_api_08.csv"
    assert any(f"Hintergrund-Job {JOB}" in text for _, text in messages)
    fractions = [f for f, _ in messages if f is not None]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert fetched.notes and "Metadaten nicht abrufbar" in fetched.notes[0]  # 12531-0043 has no recorded metadata


def test_large_table_zip_result_is_kept_as_zip():
    adapter = Replay(large_table(polls_until_ready=0))
    fetched = genesis_api.fetch_table("12531-0043", session=session_with(adapter), poll_seconds=0.01)
    assert fetched.name == "12531-0043_api.zip" and fetched.data[:2] == b"PK"


def test_background_job_stops_at_the_time_limit():
    adapter = Replay(large_table(polls_until_ready=10**6))
    started = time.monotonic()
    with pytest.raises(genesis_api.GenesisError, match=f"Zeitlimit.*{JOB}"):
        genesis_api.fetch_table("12531-0043", session=session_with(adapter), time_limit=0.2, poll_seconds=0.02)
    assert time.monotonic() - started < 5


@pytest.fixture
def unanswered_port():
    """A local port whose accept queue is full: a connection attempt hangs as towards an unreachable host.
    (An unroutable address is no test here: the sandbox answers every outgoing HTTP request itself.)"""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    waiting = []
    for _ in range(3):
        client = socket.socket()
        client.setblocking(False)
        client.connect_ex(("127.0.0.1", port))
        waiting.append(client)
    time.sleep(0.2)
    yield port
    for sock in [*waiting, server]:
        sock.close()


def refused_port() -> int:
    with socket.socket() as sock:  # bound and closed again: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("case", ["connection refused", "connection hangs"])
def test_without_network_it_fails_fast_with_a_german_message(case, request):
    port = refused_port() if case == "connection refused" else request.getfixturevalue("unanswered_port")
    started = time.monotonic()
    with pytest.raises(genesis_api.GenesisError, match="Keine Verbindung zu http://127.0.0.1"):
        genesis_api.fetch_table("12411-01-01-4", base_url=f"http://127.0.0.1:{port}/rest/2020/", connect_timeout=0.5)
    assert time.monotonic() - started < 3


def test_missing_credentials_say_where_to_put_them(monkeypatch):
    for database in ("GENESIS", "REGIO", "ZENSUS"):
        monkeypatch.delenv(f"PYSTATIS_{database}_API_USERNAME")
    with pytest.raises(genesis_api.GenesisError, match="PYSTATIS_GENESIS_API_USERNAME.*secrets.toml"):
        genesis_api.fetch_table("12531-0043")


def test_credentials_from_streamlit_secrets(monkeypatch, tmp_path):
    monkeypatch.delenv("PYSTATIS_ZENSUS_API_USERNAME")
    (tmp_path / "secrets.toml").write_text('[zensus]\nusername = "token-123"\npassword = ""\n', encoding="utf-8")
    assert genesis_api.credentials("zensus") == ("token-123", "")
    assert genesis_api.database_for("1000A-2022") == "zensus"


def test_database_choice_and_job_pattern_agree_with_pystatis(tmp_path):
    """The mirrored patterns equal pystatis 0.5.5's (imported in a subprocess: it writes a config into HOME)."""
    code = ("import json, pystatis.config as c, pystatis.http_helper as h; "
            "print(json.dumps({**{k: v.pattern for k, v in c.REGEX_DB.items()}, 'job': h.JOB_ID_PATTERN.pattern}))")
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "HOME": str(tmp_path)}, check=True,
                         capture_output=True, text=True).stdout
    theirs = json.loads(out.strip().splitlines()[-1])
    ours = {k: v.pattern for k, v in genesis_api.DATABASE_PATTERNS.items()}
    assert ours == {k: theirs[k] for k in ours} and genesis_api.JOB_NAME.pattern == theirs["job"]


def test_fetch_command_previews_the_download_without_changing_anything(monkeypatch, tmp_path, capsys):
    """`python -m monitoring fetch … --dry-run` end to end, in-process so the replay adapter can stand in."""
    from monitoring import __main__ as cli
    from tests.test_updates import copy_store, snapshot

    data_dir, db_file = copy_store(tmp_path)
    monkeypatch.setattr("monitoring.db.DATA_DIR", data_dir)
    monkeypatch.setattr("monitoring.db.DB_FILE", db_file)
    adapter = Replay(small_table)
    monkeypatch.setattr(genesis_api.requests, "Session", lambda: session_with(adapter))
    before = snapshot(data_dir, db_file)
    assert cli.main(["fetch", "12411-01-01-4", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Stand 2025-03-31" in out and "Probelauf: nichts geändert." in out
    assert snapshot(data_dir, db_file) == before


def test_job_result_goes_through_the_same_preview_and_apply(tmp_path):
    """The BW extract of 12531-0043 (Schutzsuchende), fetched via the job flow, previewed and applied like an upload."""
    from monitoring import updates
    from tests.test_updates import copy_store, copy_store_without_default_facts

    already = updates.preview([genesis_api.fetch_table("12531-0043", regionalkey="08*",
                                                       session=session_with(Replay(large_table(1))),
                                                       poll_seconds=0.01).as_item()],
                              data_dir=copy_store(tmp_path / "voll")[0], db_file=tmp_path / "voll" / "x.duckdb")
    assert not already.can_apply  # the default data has these values already: fetching them again is no import
    data_dir, db_file = copy_store_without_default_facts(tmp_path)
    fetched = genesis_api.fetch_table("12531-0043", regionalkey="08*", session=session_with(Replay(large_table(1))),
                                      poll_seconds=0.01)
    preview = updates.preview([fetched.as_item()], data_dir=data_dir, db_file=db_file)
    assert preview.rejected.empty and preview.files[0]["layout"] == "genesis_flat"
    assert set(preview.facts["indicator"]) == {"schutzsuchende"} and preview.counts["new"] > 0
    import_id = updates.apply(preview)
    assert updates.list_imports(data_dir=data_dir)[0]["files"][0]["name"] == "12531-0043_api_08.csv"
    updates.undo(import_id, data_dir=data_dir, db_file=db_file)
