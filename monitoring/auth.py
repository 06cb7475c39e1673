"""Who may change data: visitors read, editors sign in.  One gate for every editing page:

    auth.editing_offered()   dashboard.py: offer the editing pages in the navigation at all
    auth.is_editor()         may this session edit now?  (touches the idle clock)
    auth.require_editor()    top of an editing page: the page for an editor, a German sign-in prompt (and st.stop())
                             for everybody else

The modes (settings(): monitoring/settings.py):

    public       settings().public: no editing pages, no sign-in, the database read-only
    sign-in      a sign-in is configured: st.login (OpenID Connect, secrets [auth]; optional [auth] editors = [...]
                 in integrationsmonitor.toml) and/or a local password (secrets [editor] password_hash, an argon2id
                 hash made by `python -m monitoring.auth passwort`)
    local        nothing configured, the server listens on loopback only and the browser is on the same machine
                 (Host localhost/127.0.0.1/::1, no proxy header): today's laptop use, editing without sign-in
    closed       nothing configured and not local (listening on the network, or reached through a proxy): the
                 editing pages are not offered at all -- fail closed

Sign-in state lives only in st.session_state (per browser tab, never in the URL or a cookie of ours) and expires
after settings().idle_minutes without activity.  A wrong password is logged (never the password) and answered
after a growing delay; more than FAIL_LIMIT failures a minute in the process lock password sign-in for everybody
for that minute.  st.login's own identity cookie is Streamlit's (signed with secrets [auth] cookie_secret).

No Streamlit import at module level: the command line (`python -m monitoring.auth passwort`) does not need it.
"""
from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import threading
import time
from collections import deque
from getpass import getpass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import settings as settings_module
from .settings import Settings, settings

log = logging.getLogger("integrationsmonitor.auth")

STATE_KEY = "auth_editor"
EXPIRED_KEY = "auth_expired"
FAILURES_KEY = "auth_failures"
MIN_PASSWORD_LENGTH = 12
FAIL_DELAY_S = 1.0  # per failure in this session, up to 5 times that
FAIL_WINDOW_S = 60.0
FAIL_LIMIT = 10
LOOPBACK_NAMES = {"localhost", "::1", "ip6-localhost"}
# Headers a reverse proxy adds: a request that carries one is not a local browser even on a loopback socket.
PROXY_HEADERS = ("x-forwarded-for", "x-real-ip", "forwarded", "x-forwarded-host", "x-forwarded-proto")

_HASHER = PasswordHasher()  # argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile), random salt
_failures: deque[float] = deque()
_failures_lock = threading.Lock()


def now() -> float:
    """The clock of the idle expiry (tests replace it)."""
    return time.monotonic()


def pause(seconds: float) -> None:
    """The delay after a wrong password (tests replace it)."""
    time.sleep(seconds)


# ── passwords (no Streamlit) ────────────────────────────────────────────────────────────────────


def hash_password(password: str) -> str:
    """An argon2id hash with its own random salt (two hashes of one password differ)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"Das Passwort ist zu kurz: mindestens {MIN_PASSWORD_LENGTH} Zeichen.")
    return _HASHER.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    """argon2's verification (its comparison is constant-time); False for a wrong password or a broken hash."""
    if not hashed or not password:
        return False
    try:
        return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def write_password_hash(hashed: str, path: Path | None = None) -> Path:
    """Put `password_hash = "<hash>"` into the [editor] section of the secrets file (created 0600 if absent);
    the rest of the file is kept as it is."""
    path = Path(path or settings_module.SECRETS_FILE)
    line = f'password_hash = "{hashed}"'
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    section = re.search(r"(?m)^\[editor\][ \t]*(#.*)?$", text)
    if not section:
        text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + f"[editor]\n{line}\n"
    else:
        start = section.end()
        following = re.search(r"(?m)^\[", text[start:])
        end = start + following.start() if following else len(text)
        body = text[start:end]
        if re.search(r"(?m)^password_hash\s*=.*$", body):
            body = re.sub(r"(?m)^password_hash\s*=.*$", lambda _m: line, body, count=1)
        else:
            body = f"\n{line}" + body
        text = text[:start] + body + text[end:]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    return path


# ── where the browser is (no Streamlit) ─────────────────────────────────────────────────────────


def is_loopback(host: str | None) -> bool:
    """localhost, 127.x.x.x or ::1, with or without port and brackets."""
    host = (host or "").strip().lower()
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host in LOOPBACK_NAMES or host.startswith("127.") and host.replace(".", "").isdigit()


def local_request(server_address: str | None, headers: dict) -> bool:
    """Editing without sign-in is allowed for this request: the server listens on loopback only, the browser asked
    for a loopback host and no proxy stood between.  No headers at all: no HTTP request (AppTest, bare mode)."""
    if not headers:
        return True
    lower = {str(k).lower(): str(v) for k, v in headers.items()}
    if any(name in lower for name in PROXY_HEADERS):
        return False
    return is_loopback(server_address) and is_loopback(lower.get("host"))


def mode(cfg: Settings | None = None, *, local: bool | None = None) -> str:
    """public | sign-in | local | closed (see the module's docstring)."""
    cfg = cfg or settings()
    if cfg.public:
        return "public"
    if cfg.sign_in_configured:
        return "sign-in"
    return "local" if (_is_local() if local is None else local) else "closed"


def _is_local() -> bool:
    import streamlit as st

    try:
        headers = dict(st.context.headers)
    except Exception:  # noqa: BLE001 - outside a script run: no request
        headers = {}
    return local_request(st.get_option("server.address"), headers)


def _client() -> str:
    import streamlit as st

    try:
        headers = {k.lower(): v for k, v in dict(st.context.headers).items()}
        return headers.get("x-forwarded-for") or headers.get("x-real-ip") or str(st.context.ip_address or "lokal")
    except Exception:  # noqa: BLE001
        return "unbekannt"


# ── the gate (Streamlit) ────────────────────────────────────────────────────────────────────────


def editing_offered() -> bool:
    """Whether the navigation offers editing pages (each still calls require_editor())."""
    return mode() in ("sign-in", "local")


def is_editor() -> bool:
    """May this session change data now?  Keeps a signed-in editor's idle clock going."""
    import streamlit as st

    cfg = settings()
    current = mode(cfg)
    if current == "local":
        return True
    if current != "sign-in":
        return False
    state = st.session_state.get(STATE_KEY)
    if state and now() - state["last"] > cfg.idle_minutes * 60:
        st.session_state.pop(STATE_KEY, None)
        st.session_state[EXPIRED_KEY] = True
        log.warning("editor sign-in expired after %.0f idle minutes (%s)", cfg.idle_minutes, state["method"])
        if state["method"] == "oidc" and _oidc_user():
            st.logout()  # Streamlit's identity cookie goes too; the visitor comes back to the start page
        return False
    if state and state["method"] == "oidc" and not _oidc_allowed(cfg):
        st.session_state.pop(STATE_KEY, None)
        return False
    if not state and cfg.oidc_providers and _oidc_allowed(cfg):
        state = {"method": "oidc", "since": now(), "who": _oidc_user().get("email", "")}
        log.warning("editor signed in via OpenID Connect: %s from %s", state["who"], _client())
    if not state:
        return False
    state["last"] = now()
    st.session_state[STATE_KEY] = state
    return True


def require_editor() -> None:
    """The first call of an editing page: returns for an editor (with a sign-out button when signed in), otherwise
    shows why not and the sign-in, and stops the script: none of the page's widgets exist for a visitor."""
    import streamlit as st

    if is_editor():
        state = st.session_state.get(STATE_KEY)
        if state:
            who = f" als {state['who']}" if state.get("who") else ""
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.caption(f"Angemeldet{who} ({'Single Sign-on' if state['method'] == 'oidc' else 'Passwort'}); "
                         f"nach {settings().idle_minutes:.0f} Minuten ohne Aktivität endet die Anmeldung.")
            if right.button("Abmelden", key="auth_sign_out", icon=":material/logout:"):
                sign_out()
        return
    _sign_in_prompt()
    st.stop()


def sign_out() -> None:
    import streamlit as st

    state = st.session_state.pop(STATE_KEY, None) or {}
    log.warning("editor signed out (%s)", state.get("method", "?"))
    if state.get("method") == "oidc":
        st.logout()
    st.rerun()


def sign_in_with_password(password: str) -> bool:
    """Check the password; on success the session is an editor's.  A failure is logged and slowed down."""
    import streamlit as st

    cfg = settings()
    if _locked():
        log.warning("editor sign-in refused: too many failures in the last minute (%s)", _client())
        return False
    if cfg.password_hash and verify_password(password, cfg.password_hash):
        st.session_state[STATE_KEY] = {"method": "passwort", "since": now(), "last": now(), "who": ""}
        st.session_state.pop(EXPIRED_KEY, None)
        st.session_state.pop(FAILURES_KEY, None)
        log.warning("editor signed in with the password from %s", _client())
        return True
    failures = st.session_state.get(FAILURES_KEY, 0) + 1
    st.session_state[FAILURES_KEY] = failures
    with _failures_lock:
        _failures.append(now())
    log.warning("failed editor sign-in from %s (%d in this session)", _client(), failures)
    pause(FAIL_DELAY_S * min(failures, 5))
    return False


def _locked() -> bool:
    with _failures_lock:
        while _failures and now() - _failures[0] > FAIL_WINDOW_S:
            _failures.popleft()
        return len(_failures) >= FAIL_LIMIT


def _sign_in_prompt() -> None:
    import streamlit as st

    cfg = settings()
    current = mode(cfg)
    if current == "public":
        st.info("Diese Installation ist öffentlich und nur lesbar: hier lassen sich keine Daten ändern.")
        return
    if current == "closed":
        st.warning("Daten ändern ist hier nur nach Anmeldung möglich, und für diese Installation ist keine Anmeldung "
                   "eingerichtet (README, Abschnitt „Betrieb / Hosting“).", icon=":material/lock:")
        return
    st.subheader("Anmeldung für die Redaktion")
    if st.session_state.pop(EXPIRED_KEY, False):
        st.info(f"Die Anmeldung ist nach {cfg.idle_minutes:.0f} Minuten ohne Aktivität abgelaufen. "
                "Bitte erneut anmelden.", icon=":material/timer_off:")
    st.write("Daten ändern dürfen nur angemeldete Redakteurinnen und Redakteure. Bitte melden Sie sich an.")
    user = _oidc_user()
    if cfg.oidc_providers and user.get("is_logged_in") and not _oidc_allowed(cfg):
        st.error(f"Das Konto {user.get('email', '')} ist nicht für die Redaktion eingetragen.")
        if st.button("Abmelden", key="auth_oidc_sign_out"):
            st.logout()
    for provider in cfg.oidc_providers:
        label = f"Anmelden mit {provider}" if provider else "Anmelden mit Single Sign-on"
        if st.button(label, key=f"auth_login_{provider or 'default'}", icon=":material/login:", type="primary"):
            st.login(provider or None)
    if cfg.password_hash:
        with st.form("auth_password_form", clear_on_submit=True, enter_to_submit=True):
            password = st.text_input("Passwort der Redaktion", type="password", key="auth_password")
            submitted = st.form_submit_button("Anmelden", icon=":material/key:")
        if submitted:
            if sign_in_with_password(password):
                st.rerun()
            elif _locked():
                st.error("Zu viele Fehlversuche: die Anmeldung ist für eine Minute gesperrt.")
            else:
                st.error("Das Passwort stimmt nicht.")


def _oidc_user() -> dict:
    import streamlit as st

    try:
        return st.user.to_dict()
    except Exception:  # noqa: BLE001 - no [auth] in st.secrets, or outside a session
        return {}


def _oidc_allowed(cfg: Settings) -> bool:
    user = _oidc_user()
    if not (cfg.oidc_providers and user.get("is_logged_in")):
        return False
    return not cfg.editor_emails or str(user.get("email", "")).lower() in cfg.editor_emails


# ── command line ────────────────────────────────────────────────────────────────────────────────


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitoring.auth", description="Anmeldung der Redaktion")
    commands = parser.add_subparsers(dest="command", required=True)
    password = commands.add_parser("passwort", help="Passwort der Redaktion festlegen (argon2-Hash)")
    password.add_argument("--schreiben", action="store_true",
                          help=f"in {settings_module.SECRETS_FILE} eintragen statt nur ausgeben")
    args = parser.parse_args(argv)
    if sys.stdin.isatty():
        first, second = getpass("Neues Passwort der Redaktion: "), getpass("Noch einmal: ")
        if first != second:
            print("Die beiden Eingaben sind verschieden.", file=sys.stderr)
            return 1
    else:  # piped in: the first line
        first = sys.stdin.readline().rstrip("\r\n")
    try:
        hashed = hash_password(first)
    except ValueError as err:
        print(err, file=sys.stderr)
        return 1
    if args.schreiben:
        path = write_password_hash(hashed)
        print(f"Eingetragen in {path} ([editor] password_hash). Gilt ohne Neustart für die nächste Anmeldung.")
    else:
        print(f'# in .streamlit/secrets.toml:\n[editor]\npassword_hash = "{hashed}"')
    return 0


if __name__ == "__main__":
    sys.exit(main())
