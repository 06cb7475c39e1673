"""Fetch a table from the GENESIS web services (GENESIS-Online, regionalstatistik.de, Zensus 2022) as flat CSV.

`python -m monitoring fetch TABLE [--regionalkey 08*] [--years 2020-2024]` calls fetch_table and sends the file
through the same preview/apply path as an upload (monitoring.updates).

Why requests and not pystatis' Table.get_data: pystatis 0.5.5 (pinned in requirements.txt; the project follows it)
speaks exactly these REST endpoints, but for a tool used before a Kreistag session it is awkward to wrap: a
30 s connect timeout (no fast failure offline), a background job polled every 5 s for up to 50 minutes with no
progress and no way to set a limit, SystemExit(1) on a read timeout, and a config file plus a data cache written
into the home directory on import.  So this module sends the same requests pystatis sends (same endpoints, form
parameters, credential headers and environment variables, same choice of database by table code — its patterns
are mirrored below and tests/test_genesis_api.py checks they agree) with short timeouts, a progress callback and
an overall time limit for the job flow:

    data/tablefile (job=false) ── Status 98 "Tabelle zu groß" ──▶ data/tablefile (job=true)
        ──▶ Status 99 "…abgerufen werden: 12531-0043_175879554" ──▶ catalogue/results (until listed)
        ──▶ data/resultfile name=12531-0043_175879554 ──▶ the ffcsv (zipped when compress=true)

Credentials come from the environment (pystatis' names: PYSTATIS_GENESIS_API_USERNAME / _PASSWORD, likewise
REGIO and ZENSUS; a token goes in USERNAME with an empty PASSWORD) or from .streamlit/secrets.toml
([genesis] username = …, password = …) — never from the repository.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from dataclasses import dataclass, field

import requests

from . import settings

PROJECT_DIR = settings.PROJECT_DIR
SECRETS_FILE = settings.SECRETS_FILE
BASE_URLS = {
    "genesis": "https://www-genesis.destatis.de/genesisWS/rest/2020/",
    "zensus": "https://ergebnisse.zensus2022.de/api/rest/2020/",
    "regio": "https://www.regionalstatistik.de/genesisws/rest/2020/",
}
DATABASE_NAMES = {"genesis": "GENESIS-Online", "zensus": "Zensus-2022-Datenbank", "regio": "Regionaldatenbank"}
# pystatis.config.REGEX_DB (0.5.5): which database a table code belongs to, tried in this order.
DATABASE_PATTERNS = {
    "genesis": re.compile(r"^((\d{5}-\d{4})|([0-9A-Z]{10}))$"),
    "zensus": re.compile(r"^\d{4}[A-Z]-\d{4}$"),
    "regio": re.compile(r"^((\d{5}-.{1,2}($|-.*$))|(A.*$)|([0-9A-Z]{10}$)|(\d{5}\w-Z-\d{1,2}))"),
}
JOB_NAME = re.compile(r"(?<=:\s).*_\d+")  # pystatis.http_helper.JOB_ID_PATTERN
REGIONAL_VARIABLES = ("KREISE", "DLAND", "REGBEZ", "GEMEIN", "DINSG")
CONNECT_TIMEOUT_S = 5.0  # offline, fail within seconds, not minutes
READ_TIMEOUT_S = 300.0
TIME_LIMIT_S = 20 * 60  # for a background job, all polls together
POLL_S = 5.0
TABLE_CODE = re.compile(r"^[0-9A-Z][0-9A-Za-z]{3,4}(-[0-9A-Za-z]{1,4}){1,4}$")


class GenesisError(Exception):
    """A fetch that failed; the message is German and says what to do."""


@dataclass
class Fetched:
    """A downloaded table: `name` and `data` go to updates.preview; stand/copyright fill what the ffcsv lacks."""

    table: str
    database: str
    name: str
    data: bytes
    title: str = ""
    stand: str = ""
    copyright: str = ""
    notes: list[str] = field(default_factory=list)

    def as_item(self) -> tuple[str, bytes, dict]:
        return self.name, self.data, {"stand": self.stand, "copyright": self.copyright}


def database_for(table: str, *, credentials_needed: bool = True) -> str:
    """The first database whose code pattern fits and for which credentials are set (as pystatis chooses)."""
    candidates = [name for name, pattern in DATABASE_PATTERNS.items() if pattern.match(table)]
    if not candidates:
        raise GenesisError(f"„{table}“ ist kein Tabellencode der GENESIS-Datenbanken (z. B. 12411-01-01-4, "
                           "12531-0043, 1000A-2022).")
    with_credentials = [name for name in candidates if credentials(name)]
    if with_credentials or not credentials_needed:
        return (with_credentials or candidates)[0]
    names = " oder ".join(f"PYSTATIS_{c.upper()}_API_USERNAME/_PASSWORD" for c in candidates)
    raise GenesisError(f"Keine Zugangsdaten für {', '.join(DATABASE_NAMES[c] for c in candidates)}. Bitte die "
                       f"Umgebungsvariablen {names} setzen oder in .streamlit/secrets.toml unter "
                       f"[{candidates[0]}] username und password eintragen (nie ins Repository).")


def credentials(database: str) -> tuple[str, str] | None:
    """(username, password) from the environment, else from .streamlit/secrets.toml; None if neither has them."""
    user = os.environ.get(f"PYSTATIS_{database.upper()}_API_USERNAME")
    if user:
        return user, os.environ.get(f"PYSTATIS_{database.upper()}_API_PASSWORD", "")
    section = settings.secrets(SECRETS_FILE).get(database, {})
    if section.get("username"):
        return str(section["username"]), str(section.get("password", ""))
    return None


def parse_years(text: str | None) -> tuple[str, str]:
    """'2020-2024' -> ('2020', '2024'); '2023' -> ('2023', '2023'); None -> ('', '')."""
    if not text:
        return "", ""
    match = re.fullmatch(r"\s*(\d{4})\s*(?:[-–]\s*(\d{4}))?\s*", text)
    if not match:
        raise GenesisError(f"„{text}“ ist kein Zeitraum: erwartet wird ein Jahr (2023) oder von–bis (2020-2024).")
    return match.group(1), match.group(2) or match.group(1)


def fetch_table(table: str, *, regionalkey: str | None = None, regionalvariable: str | None = None,
                years: str | None = None, database: str | None = None, session: requests.Session | None = None,
                base_url: str | None = None, time_limit: float = TIME_LIMIT_S, poll_seconds: float = POLL_S,
                connect_timeout: float = CONNECT_TIMEOUT_S, progress=None) -> Fetched:
    """Download one table as ffcsv, through the background job when GENESIS says it is too large."""
    table = table.strip()
    if not TABLE_CODE.match(table):
        raise GenesisError(f"„{table}“ ist kein Tabellencode (z. B. 12411-01-01-4).")
    database = database or database_for(table)
    client = _Client(database, base_url or BASE_URLS[database], session or requests.Session(),
                     credentials(database) or ("", ""), connect_timeout, progress)
    result = Fetched(table=table, database=database, name="", data=b"")
    metadata = client.metadata(table, result.notes)
    result.title, result.stand, result.copyright = _metadata_facts(metadata)
    start, end = parse_years(years)
    params = {
        "name": table, "area": "all", "compress": "true", "format": "ffcsv", "language": "de", "quality": "off",
        "startyear": start, "endyear": end, "regionalkey": regionalkey or "", "job": "false",
        "regionalvariable": (regionalvariable or _regional_variable(metadata)) if regionalkey else "",
    }
    client.report(0.1, f"Rufe {table} aus der {DATABASE_NAMES[database]} ab …")
    response = client.post("data/tablefile", params)
    status = _status(response)
    if status and status.get("Code") == 98:
        response = _via_job(client, params, time_limit, poll_seconds)
    elif status:
        raise _status_error(table, status)
    result.data = response.content
    result.name = _file_name(table, regionalkey, start, end, result.data)
    client.report(1.0, f"{table}: {len(result.data) / 1e6:.1f} MB geladen.".replace(".", ",", 1))
    return result


class _Client:
    """POSTs to one GENESIS database, as pystatis sends them: form parameters, credentials in headers."""

    def __init__(self, database, base_url, session, login, connect_timeout, progress):
        self.database, self.base_url, self.session = database, base_url, session
        self.headers = {"Content-Type": "application/x-www-form-urlencoded", "username": login[0],
                        "password": login[1]}
        self.timeout = (connect_timeout, READ_TIMEOUT_S)
        self.progress = progress

    def report(self, fraction: float | None, text: str) -> None:
        if self.progress:
            self.progress(fraction, text)

    def post(self, method: str, params: dict) -> requests.Response:
        url = self.base_url + method
        try:
            response = self.session.post(url, data=params, headers=self.headers, timeout=self.timeout)
        except (requests.ConnectionError, requests.Timeout) as err:
            raise GenesisError(
                f"Keine Verbindung zu {self.base_url} ({type(err).__name__}). Ohne Internetverbindung lässt sich "
                "nichts abrufen; die Datei kann auch auf der Website heruntergeladen und hochgeladen werden.") from None
        if response.status_code in (401, 403):
            raise GenesisError(f"Die {DATABASE_NAMES[self.database]} lehnt die Zugangsdaten ab (HTTP "
                               f"{response.status_code}). Bitte Benutzername/Token prüfen.")
        if response.status_code >= 400:
            raise GenesisError(f"Die {DATABASE_NAMES[self.database]} antwortet mit HTTP {response.status_code} "
                               f"auf {method}. Bitte später erneut versuchen.")
        return response

    def metadata(self, table: str, notes: list[str]) -> dict:
        """Title, Stand and structure of the table; only used to describe it, so a failure is a note, not an
        error — except no connection at all, which ends the fetch at once."""
        try:
            response = self.post("metadata/table", {"name": table, "area": "all", "language": "de"})
        except GenesisError as err:
            if "Keine Verbindung" in str(err):
                raise
            notes.append(f"Metadaten nicht abrufbar ({err}); Stand unbekannt.")
            return {}
        status = _status(response) or {}
        if status.get("Code") in (90, 104):
            raise GenesisError(f"Die Tabelle {table} gibt es in der {DATABASE_NAMES[self.database]} nicht "
                               f"({status.get('Content', '')}).")
        return response.json() if status.get("Code") == 0 else {}


def _via_job(client: _Client, params: dict, time_limit: float, poll_seconds: float) -> requests.Response:
    """Status 98: start the background job, wait for its result (with progress and a time limit), fetch it."""
    client.report(0.15, "Die Tabelle ist zu groß für den direkten Abruf: GENESIS erstellt sie im Hintergrund …")
    status = _status(client.post("data/tablefile", {**params, "job": "true"})) or {}
    match = JOB_NAME.search(status.get("Content", "")) if status.get("Code") == 99 else None
    if not match:
        raise _status_error(params["name"], status)
    job = match.group().strip()
    started = time.monotonic()
    while not _job_listed(client, job):
        waited = time.monotonic() - started
        if waited >= time_limit:
            raise GenesisError(f"Zeitlimit von {time_limit / 60:.0f} Minuten erreicht: der Hintergrund-Job {job} ist "
                               "noch nicht fertig. Später erneut abrufen (GENESIS hält das Ergebnis eine Weile bereit) "
                               "oder das Zeitlimit erhöhen.")
        client.report(0.15 + 0.7 * waited / time_limit, f"Warte auf den Hintergrund-Job {job} ({waited:.0f} s) …")
        time.sleep(poll_seconds)
    client.report(0.9, f"Job {job} fertig, lade das Ergebnis …")
    response = client.post("data/resultfile", {**params, "name": job})
    status = _status(response)
    if status:
        raise _status_error(job, status)
    return response


def _job_listed(client: _Client, job: str) -> bool:
    """Whether the job's result table is in the user's area (catalogue/results lists it; 104 = not yet)."""
    response = client.post("catalogue/results", {"selection": job, "area": "user", "pagelength": "1", "language": "de"})
    listing = response.json() if _looks_like_json(response.content) else {}
    return bool(listing.get("List"))


def _status(response: requests.Response) -> dict | None:
    """The Status object of a JSON answer, or None when the body is data (CSV or zip)."""
    if not _looks_like_json(response.content):
        return None
    try:
        return json.loads(response.content.decode("utf-8")).get("Status") or {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _looks_like_json(body: bytes) -> bool:
    return body.lstrip()[:1] == b"{"


def _status_error(name: str, status: dict) -> GenesisError:
    content = status.get("Content") or "ohne Begründung"
    return GenesisError(f"GENESIS meldet für {name}: {content} (Code {status.get('Code', '?')}).")


def _metadata_facts(metadata: dict) -> tuple[str, str, str]:
    """(title, Stand as ISO date, attribution line) from a metadata/table answer."""
    item = metadata.get("Object") or {}
    updated = re.match(r"(\d{2})\.(\d{2})\.(\d{4})", item.get("Updated") or "")
    stand = dt.date(int(updated.group(3)), int(updated.group(2)), int(updated.group(1))).isoformat() if updated else ""
    attribution = re.match(r"©[^\n.]*?\d{4}", metadata.get("Copyright") or "")
    title = re.sub(r"\s+", " ", item.get("Content") or "")
    return title, stand, attribution.group(0) if attribution else ""


def _regional_variable(metadata: dict) -> str:
    """The table's regional variable (KREISE, GEO…), needed with a regionalkey; KREISE if the metadata don't say."""
    structure = (metadata.get("Object") or {}).get("Structure") or {}
    codes = []
    for part in (structure.get("Columns") or []) + (structure.get("Rows") or []):
        codes += [part.get("Code", "")] + [sub.get("Code", "") for sub in part.get("Structure") or []]
    found = [c for c in codes if c in REGIONAL_VARIABLES or re.match(r"^GEO[A-Z]{2}\d$", c)]
    return found[0] if found else "KREISE"


def _file_name(table: str, regionalkey: str | None, start: str, end: str, data: bytes) -> str:
    """Starts with the table code, so the flat importer finds it (TABLE_CODE_IN_NAME)."""
    parts = [table, "api"]
    if regionalkey:
        parts.append(re.sub(r"[^0-9A-Za-z]+", "", regionalkey) or "alle")
    if start:
        parts.append(start if start == end else f"{start}-{end}")
    return "_".join(parts) + (".zip" if data[:2] == b"PK" else ".csv")
