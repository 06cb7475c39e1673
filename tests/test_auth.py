"""Editors sign in, visitors read (monitoring/auth.py): the modes, the password (argon2, salted, slowed down when
wrong, expiring when idle), the st.login button when OpenID Connect is configured, and that without a sign-in the
editing page shows none of its widgets.  No real OpenID Connect flow (that needs an identity provider)."""
from __future__ import annotations

import io
import logging
import stat

import pytest
from streamlit.testing.v1 import AppTest

from monitoring import auth
from monitoring import settings as settings_module
from tests.conftest import PROJECT_DIR

PASSWORD = "Kreistag-Sitzung-2026"
DASHBOARD = str(PROJECT_DIR / "dashboard.py")
PAGE = "pages/daten_aktualisieren.py"
OIDC = """[auth]
redirect_uri = "https://monitor.example-kreis.de/integrationsmonitor/oauth2callback"
cookie_secret = "test-cookie-secret-not-used"
client_id = "integrationsmonitor"
client_secret = "not-a-real-secret"
server_metadata_url = "https://login.example-kreis.de/.well-known/openid-configuration"
"""


@pytest.fixture(autouse=True)
def private_secrets(tmp_path, monkeypatch):
    """Secrets from a temporary file only (never the developer's own), no delays, an empty failure log."""
    secrets_file = tmp_path / "secrets.toml"
    monkeypatch.setattr(settings_module, "SECRETS_FILE", secrets_file)
    monkeypatch.setattr(settings_module, "HOME_SECRETS_FILE", tmp_path / "home-secrets.toml")
    monkeypatch.setattr(settings_module, "SETTINGS_FILE", tmp_path / "integrationsmonitor.toml")
    monkeypatch.setattr(auth, "FAIL_DELAY_S", 0.0)
    monkeypatch.delenv("INTEGRATIONSMONITOR_PUBLIC", raising=False)
    auth._failures.clear()
    yield secrets_file
    auth._failures.clear()


@pytest.fixture
def password_configured(private_secrets):
    private_secrets.write_text(f'[editor]\npassword_hash = "{auth.hash_password(PASSWORD)}"\n', encoding="utf-8")
    return private_secrets


@pytest.fixture
def auth_log():
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    auth.log.addHandler(handler)
    yield records
    auth.log.removeHandler(handler)


def editing_page() -> AppTest:
    """The dashboard as a visitor opens it, then the editing page."""
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def sign_in(at: AppTest, password: str) -> AppTest:
    at.text_input(key="auth_password").input(password)
    next(b for b in at.button if b.label == "Anmelden").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def widgets_of_the_editing_page(at: AppTest) -> list:
    keys = ("upd_make_preview", "upd_undo", "upd_apply")
    return [*at.file_uploader, *[b for b in at.button if b.key in keys], *at.get("download_button"),
            *[t for t in at.text_input if (t.key or "").startswith("upd_")]]


# ── passwords ───────────────────────────────────────────────────────────────────────────────────


def test_the_password_hash_is_salted_argon2_and_verifies_only_the_right_password():
    first, second = auth.hash_password(PASSWORD), auth.hash_password(PASSWORD)
    assert first != second and first.startswith("$argon2id$") and PASSWORD not in first
    assert auth.verify_password(PASSWORD, first) and auth.verify_password(PASSWORD, second)
    assert not auth.verify_password(PASSWORD + "x", first)
    assert not auth.verify_password("", first) and not auth.verify_password(PASSWORD, "")
    assert not auth.verify_password(PASSWORD, "kein-hash")
    with pytest.raises(ValueError, match="mindestens 12 Zeichen"):
        auth.hash_password("kurz")


def test_the_command_line_writes_the_hash_into_the_secrets_and_keeps_the_rest(private_secrets, monkeypatch, capsys):
    private_secrets.write_text('# GENESIS\n[genesis]\nusername = "x"\n\n[editor]\npassword_hash = "alt"\n'
                               '\n[other]\nkey = 1\n', encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert auth.main(["passwort", "--schreiben"]) == 0
    text = private_secrets.read_text(encoding="utf-8")
    assert text.startswith('# GENESIS\n[genesis]\nusername = "x"\n') and '[other]\nkey = 1' in text
    assert text.count("password_hash") == 1 and '"alt"' not in text
    assert auth.verify_password(PASSWORD, settings_module.settings().password_hash)
    assert "Eingetragen" in capsys.readouterr().out
    private_secrets.unlink()
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert auth.main(["passwort", "--schreiben"]) == 0
    assert stat.S_IMODE(private_secrets.stat().st_mode) == 0o600  # a new secrets file is the owner's only
    monkeypatch.setattr("sys.stdin", io.StringIO("zu-kurz\n"))
    assert auth.main(["passwort"]) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert auth.main(["passwort"]) == 0 and 'password_hash = "$argon2id$' in capsys.readouterr().out


def test_settings_read_idle_time_editors_and_the_configured_sign_in(private_secrets, tmp_path, monkeypatch):
    cfg = settings_module.settings()
    assert cfg.idle_minutes == 30 and not cfg.sign_in_configured and cfg.oidc_providers == ()
    (tmp_path / "integrationsmonitor.toml").write_text('[auth]\nidle_minutes = 10\neditors = ["A@Kreis.de"]\n',
                                                       encoding="utf-8")
    private_secrets.write_text(OIDC + '\n[editor]\npassword_hash = "h"\n', encoding="utf-8")
    cfg = settings_module.settings()
    assert (cfg.idle_minutes, cfg.editor_emails, cfg.oidc_providers) == (10, ("a@kreis.de",), ("",))
    assert "password_hash" not in repr(cfg)  # the hash is not printed with the settings
    monkeypatch.setenv("INTEGRATIONSMONITOR_IDLE_MINUTES", "0")
    with pytest.raises(settings_module.SettingsError, match="idle_minutes"):
        settings_module.settings()


def test_settings_are_read_again_only_when_a_file_or_variable_changed(private_secrets, tmp_path, monkeypatch):
    reads = []
    read = settings_module._read_toml
    monkeypatch.setattr(settings_module, "_read_toml", lambda path: reads.append(path) or read(path))
    first = settings_module.settings()
    assert settings_module.settings() is first and len(reads) == 3  # settings and both secrets files, once
    (tmp_path / "integrationsmonitor.toml").write_text('[dashboard]\ndefault_kreis = "08117"\n', encoding="utf-8")
    assert settings_module.settings().default_kreis == "08117"
    monkeypatch.setenv("INTEGRATIONSMONITOR_KREIS", "08226")
    assert settings_module.settings().default_kreis == "08226"
    assert len(reads) == 9


# ── where editing without sign-in is allowed ────────────────────────────────────────────────────


@pytest.mark.parametrize("address, headers, local", [
    ("127.0.0.1", {"Host": "127.0.0.1:8501"}, True),
    ("localhost", {"Host": "localhost:8501"}, True),
    ("::1", {"Host": "[::1]:8501"}, True),
    ("127.0.0.1", {}, True),  # no HTTP request at all: AppTest, bare mode
    (None, {"Host": "127.0.0.1:8501"}, False),  # Streamlit's default: every interface
    ("0.0.0.0", {"Host": "localhost:8501"}, False),
    ("127.0.0.1", {"Host": "monitor.example-kreis.de"}, False),  # a proxy passing the public name on
    ("127.0.0.1", {"Host": "127.0.0.1:8501", "X-Forwarded-For": "10.0.0.7"}, False),  # through a proxy
    ("127.0.0.1", {"Host": "127.0.0.1:8501", "X-Real-Ip": "10.0.0.7"}, False),
    ("127.0.0.1", {"Host": "127.evil.example"}, False),
])
def test_editing_without_sign_in_only_on_loopback_and_without_a_proxy(address, headers, local):
    assert auth.local_request(address, headers) is local


def test_the_modes(password_configured, monkeypatch):
    cfg = settings_module.settings()
    assert auth.mode(cfg, local=False) == auth.mode(cfg, local=True) == "sign-in"
    bare = settings_module.Settings()
    assert auth.mode(bare, local=True) == "local" and auth.mode(bare, local=False) == "closed"
    assert auth.mode(settings_module.Settings(public=True, password_hash="h"), local=True) == "public"


# ── the page, as a visitor and as an editor ─────────────────────────────────────────────────────


def test_a_visitor_sees_a_german_sign_in_prompt_and_none_of_the_editing_widgets(password_configured):
    at = editing_page()
    assert at.title[0].value == "Daten aktualisieren"
    assert not widgets_of_the_editing_page(at)
    assert any("Anmeldung" in h.value for h in at.subheader)
    assert at.text_input(key="auth_password").proto.type == at.text_input(key="auth_password").proto.PASSWORD
    assert "auth_editor" not in at.session_state
    assert not at.query_params.get("auth_editor") and not any("passw" in k.lower() for k in at.query_params)


def test_the_right_password_opens_the_page_a_wrong_one_does_not_and_is_logged(password_configured, auth_log):
    at = sign_in(editing_page(), "falsch-falsch-falsch")
    assert any("stimmt nicht" in e.value for e in at.error)
    assert not widgets_of_the_editing_page(at)
    assert any("failed editor sign-in" in r.getMessage() for r in auth_log)
    assert not any("falsch-falsch" in r.getMessage() for r in auth_log)  # never the password itself
    at = sign_in(at, PASSWORD)
    assert at.file_uploader, "the editor sees the uploader"
    assert any(b.key == "auth_sign_out" for b in at.button)
    assert any("signed in with the password" in r.getMessage() for r in auth_log)
    assert not any(PASSWORD in str(v) for v in at.query_params.values())  # the state is not in the URL
    at.button(key="auth_sign_out").click().run()
    assert not widgets_of_the_editing_page(at) and "auth_editor" not in at.session_state


def test_a_wrong_password_slows_down_and_many_lock_sign_in_for_a_minute(password_configured, monkeypatch):
    slept = []
    monkeypatch.setattr(auth, "FAIL_DELAY_S", 0.5)
    monkeypatch.setattr(auth, "pause", slept.append)
    at = editing_page()
    for _ in range(3):
        at = sign_in(at, "falsch-falsch-falsch")
    assert slept == [0.5, 1.0, 1.5]
    clock = [1000.0]
    monkeypatch.setattr(auth, "now", lambda: clock[0])
    auth._failures.clear()
    auth._failures.extend([clock[0]] * auth.FAIL_LIMIT)  # as if other sessions had just tried
    at = sign_in(at, PASSWORD)  # even the right password waits until the minute is over
    assert any("gesperrt" in e.value for e in at.error) and not at.file_uploader
    clock[0] += auth.FAIL_WINDOW_S + 1
    at = sign_in(at, PASSWORD)
    assert at.file_uploader


def test_the_sign_in_expires_after_the_idle_time(password_configured, monkeypatch):
    clock = [5000.0]
    monkeypatch.setattr(auth, "now", lambda: clock[0])
    at = sign_in(editing_page(), PASSWORD)
    assert at.file_uploader
    clock[0] += 29 * 60  # activity within the idle time keeps the editor signed in …
    at.run()
    assert at.file_uploader
    clock[0] += 29 * 60  # … counted from the last activity
    at.run()
    assert at.file_uploader
    clock[0] += 31 * 60
    at.run()
    assert not widgets_of_the_editing_page(at)
    assert any("abgelaufen" in i.value for i in at.info)


def test_oidc_configured_offers_the_st_login_button_and_no_editing_widgets(private_secrets):
    private_secrets.write_text(OIDC, encoding="utf-8")
    at = editing_page()
    assert any(b.key == "auth_login_default" and "Anmelden" in b.label for b in at.button)
    assert not widgets_of_the_editing_page(at)
    assert not at.text_input  # no password configured: no password field


def test_without_a_configured_sign_in_a_network_installation_offers_no_editing_page(monkeypatch):
    monkeypatch.setattr(auth, "local_request", lambda address, headers: False)
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)
    page = AppTest.from_file(str(PROJECT_DIR / PAGE), default_timeout=60)
    page.run()
    assert not widgets_of_the_editing_page(page) and any("keine Anmeldung" in w.value for w in page.warning)


def test_local_laptop_use_keeps_editing_without_sign_in():
    at = editing_page()
    assert at.file_uploader and not any(b.key == "auth_sign_out" for b in at.button)


def test_public_mode_offers_neither_the_page_nor_a_sign_in(password_configured, monkeypatch):
    monkeypatch.setenv("INTEGRATIONSMONITOR_PUBLIC", "1")
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)
    page = AppTest.from_file(str(PROJECT_DIR / PAGE), default_timeout=60)
    page.run()
    assert not widgets_of_the_editing_page(page) and not page.text_input
