"""The installation's settings: one typed object, read from one file, the environment and the secrets.

    .streamlit/integrationsmonitor.toml      [dashboard] default_kreis, public, struktur;  [updates] max_upload_mb
    environment                              INTEGRATIONSMONITOR_KREIS, _PUBLIC, _MAX_UPLOAD_MB, _STRUKTUR (win over
                                             the file)
    .streamlit/secrets.toml                  credentials only (GENESIS login); never in the repository
    [auth] in integrationsmonitor.toml       idle_minutes (editor sign-in expiry), editors (allowed OIDC e-mails)
    secrets: [editor] password_hash          the local editor password as an argon2 hash (python -m monitoring.auth
                                             passwort); [auth] client_id … the OpenID Connect login of st.login

The data folder, the database file and the raw folder are fixed when the process starts (INTEGRATIONSMONITOR_DATA,
_DB, _RAW), because modules keep them as constants; everything else is read anew on each call of `settings()`, so a
changed file or environment counts without a restart (and tests can set them).
"""
from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
SETTINGS_FILE = PROJECT_DIR / ".streamlit" / "integrationsmonitor.toml"
SECRETS_FILE = PROJECT_DIR / ".streamlit" / "secrets.toml"
DATA_DIR = Path(os.environ.get("INTEGRATIONSMONITOR_DATA", PROJECT_DIR / "data"))
DB_FILE = Path(os.environ.get("INTEGRATIONSMONITOR_DB", DATA_DIR / "integrationsmonitor.duckdb"))
RAW_DIR = Path(os.environ.get("INTEGRATIONSMONITOR_RAW", PROJECT_DIR.parent / "shared" / "data" / "raw"))

DEFAULT_KREIS = "08216"  # Landkreis Rastatt: the first district the project was built with
DEFAULT_MAX_UPLOAD_MB = 50
DEFAULT_STRUKTUR = "standard"  # data/strukturen/standard.toml: the six Handlungsfelder and Bevölkerung
DEFAULT_IDLE_MINUTES = 30
# Streamlit reads secrets from both places (the project's file wins); so do the settings.
HOME_SECRETS_FILE = Path.home() / ".streamlit" / "secrets.toml"
OIDC_KEYS = ("client_id", "client_secret", "server_metadata_url")
TRUE_WORDS = ("1", "true", "yes", "ja")


class SettingsError(ValueError):
    """A settings file or variable that cannot be used; the message names where and what."""


@dataclass(frozen=True)
class Settings:
    default_kreis: str = DEFAULT_KREIS
    public: bool = False  # read-only installation: no "Daten aktualisieren", the database opened read-only
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB
    struktur: str = DEFAULT_STRUKTUR  # the district's Handlungsfelder: data/strukturen/<struktur>.toml
    # editor sign-in (monitoring/auth.py): idle minutes until an editor is signed out, the e-mail addresses an
    # OpenID Connect account must have to edit (empty: every account of the identity provider), the local
    # password's argon2 hash (from secrets; never shown), the st.login providers configured in secrets [auth]
    # ("" = the default provider)
    idle_minutes: float = DEFAULT_IDLE_MINUTES
    editor_emails: tuple[str, ...] = ()
    password_hash: str = field(default="", repr=False)
    oidc_providers: tuple[str, ...] = ()

    @property
    def sign_in_configured(self) -> bool:
        return bool(self.password_hash or self.oidc_providers)

    @property
    def editing_enabled(self) -> bool:
        return not self.public

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)


def settings(path: Path | None = None, environ=None) -> Settings:
    """The settings in force: the file's values, then the environment's.  Pages ask for them about ten times a
    run; the files are read again only when one of them (settings, both secrets files) or an
    INTEGRATIONSMONITOR_* variable has changed."""
    path = path or SETTINGS_FILE
    environ = os.environ if environ is None else environ
    own = tuple(sorted((k, v) for k, v in environ.items() if k.startswith("INTEGRATIONSMONITOR_")))
    return _settings(path, own, tuple(_file_signature(f) for f in (path, HOME_SECRETS_FILE, SECRETS_FILE)))


def _file_signature(path: Path) -> tuple:
    """Path, modification time, size and inode (an edit, or a file renamed into place), or only the path."""
    try:
        stat = path.stat()
    except OSError:
        return (str(path),)
    return str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino


@functools.lru_cache(maxsize=32)
def _settings(path: Path, own_environ: tuple, signatures: tuple) -> Settings:
    """settings() for one state of the files and variables (a refused file raises and is not kept)."""
    environ = dict(own_environ)
    values = _read_toml(path)
    dashboard, updates = values.get("dashboard", {}), values.get("updates", {})
    kreis = environ.get("INTEGRATIONSMONITOR_KREIS") or dashboard.get("default_kreis", DEFAULT_KREIS)
    public_env = environ.get("INTEGRATIONSMONITOR_PUBLIC", "").strip().lower()
    public = public_env in TRUE_WORDS if public_env else bool(dashboard.get("public", values.get("public", False)))
    upload = environ.get("INTEGRATIONSMONITOR_MAX_UPLOAD_MB") or updates.get("max_upload_mb", DEFAULT_MAX_UPLOAD_MB)
    try:
        max_upload_mb = float(upload)
    except (TypeError, ValueError):
        raise SettingsError(f"max_upload_mb = {upload!r} ist keine Zahl ({path} oder "
                            "INTEGRATIONSMONITOR_MAX_UPLOAD_MB).") from None
    if not (isinstance(kreis, str) and len(kreis) == 5 and kreis.isascii() and kreis.isdigit()):
        raise SettingsError(f"default_kreis = {kreis!r} ist kein fünfstelliger Kreisschlüssel ({path} oder "
                            "INTEGRATIONSMONITOR_KREIS).")
    struktur = str(environ.get("INTEGRATIONSMONITOR_STRUKTUR") or dashboard.get("struktur", DEFAULT_STRUKTUR)).strip()
    auth = values.get("auth", {})
    idle = environ.get("INTEGRATIONSMONITOR_IDLE_MINUTES") or auth.get("idle_minutes", DEFAULT_IDLE_MINUTES)
    try:
        idle_minutes = float(idle)
    except (TypeError, ValueError):
        idle_minutes = -1.0
    if not idle_minutes > 0:
        raise SettingsError(f"idle_minutes = {idle!r} ist keine positive Zahl ({path} [auth] oder "
                            "INTEGRATIONSMONITOR_IDLE_MINUTES).")
    editors = auth.get("editors", [])
    if isinstance(editors, str):
        editors = [editors]
    secret = secrets()
    password_hash = str(secret.get("editor", {}).get("password_hash", "")).strip()
    return Settings(default_kreis=kreis, public=public, max_upload_mb=max_upload_mb, struktur=struktur,
                    idle_minutes=idle_minutes,
                    editor_emails=tuple(str(e).strip().lower() for e in editors if str(e).strip()),
                    password_hash=password_hash, oidc_providers=oidc_providers(secret.get("auth", {})))


def oidc_providers(auth: dict) -> tuple[str, ...]:
    """The st.login providers of a secrets [auth] section: "" when [auth] itself names a provider, plus every
    [auth.<name>] with client_id; none without redirect_uri and cookie_secret (st.login needs both)."""
    if not (isinstance(auth, dict) and auth.get("redirect_uri") and auth.get("cookie_secret")):
        return ()
    named = [name for name, value in auth.items() if isinstance(value, dict) and all(k in value for k in OIDC_KEYS)]
    return (("",) if all(k in auth for k in OIDC_KEYS) else ()) + tuple(sorted(named))


def secrets(path: Path | None = None) -> dict:
    """.streamlit/secrets.toml as a dict (empty when absent); without a path, as Streamlit reads them:
    ~/.streamlit/secrets.toml, then the project's file (its sections win)."""
    if path:
        return _read_toml(path)
    merged = dict(_read_toml(HOME_SECRETS_FILE))
    merged.update(_read_toml(SECRETS_FILE))
    return merged


def _read_toml(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise SettingsError(f"{path}: keine gültige TOML-Datei ({err}).") from None
