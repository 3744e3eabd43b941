"""Configuration from environment variables, with safe defaults for a zero-setup start.

Every variable is documented in the README ("Configuration").
"""

import os
import secrets
from pathlib import Path
from typing import Any

DEVELOPMENT = "development"
PRODUCTION = "production"


def _instance_secret(instance_path: str, name: str, nbytes: int = 32, generate=None) -> str:
    """Read a secret from the instance folder, generating it on first run (never committed);
    ``generate`` makes a secret of a particular format (default: URL-safe random text)."""
    path = Path(instance_path) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(generate() if generate else secrets.token_urlsafe(nbytes))
        tmp.chmod(0o600)
        # link() fails if another worker won the race: then its secret is the one used.
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    env = os.environ
    overrides = overrides or {}
    app_env = overrides.get("APP_ENV") or env.get("APP_ENV", DEVELOPMENT)
    if app_env not in (DEVELOPMENT, PRODUCTION):
        raise RuntimeError(f"APP_ENV must be '{DEVELOPMENT}' or '{PRODUCTION}', not {app_env!r}.")
    database_url = overrides.get("SQLALCHEMY_DATABASE_URI") or env.get("DATABASE_URL")
    if not database_url:
        database_url = "sqlite:///" + str(Path(instance_path) / "mentoring.sqlite")
    secret_key = overrides.get("SECRET_KEY") or env.get("SECRET_KEY")
    if not secret_key:
        if app_env == PRODUCTION:
            raise RuntimeError("SECRET_KEY must be set when APP_ENV=production.")
        secret_key = _instance_secret(instance_path, "secret_key")
    # Fernet key(s) for the private journal; several (comma-separated) while rotating, the first
    # encrypts. Losing it loses every journal, so production must set it explicitly.
    journal_key = overrides.get("JOURNAL_KEY") or env.get("JOURNAL_KEY")
    if not journal_key:
        if app_env == PRODUCTION:
            raise RuntimeError(
                "JOURNAL_KEY must be set when APP_ENV=production (a Fernet key: "
                "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')."
            )
        from cryptography.fernet import Fernet

        journal_key = _instance_secret(instance_path, "journal_key", generate=lambda: Fernet.generate_key().decode())

    config: dict[str, Any] = {
        "APP_ENV": app_env,
        "SECRET_KEY": secret_key,
        "JOURNAL_KEY": journal_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Bound parameters (names, free text) never go into error messages and logs.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        # Launch bodies are a few kB; anything near this is an attack or a mistake.
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 256 * 1024)),
        "SESSION_LIFETIME_SECONDS": int(env.get("SESSION_LIFETIME_SECONDS", 8 * 3600)),
        "SESSION_ABSOLUTE_SECONDS": int(env.get("SESSION_ABSOLUTE_SECONDS", 12 * 3600)),
        "LTI_KEY_DIR": env.get("LTI_KEY_DIR") or str(Path(instance_path) / "keys"),
        "LTI_KEY_GRACE_SECONDS": int(env.get("LTI_KEY_GRACE_SECONDS", 7 * 24 * 3600)),
        "LTI_CLOCK_LEEWAY_SECONDS": int(env.get("LTI_CLOCK_LEEWAY_SECONDS", 60)),
        "LTI_JWKS_DEFAULT_MAX_AGE": int(env.get("LTI_JWKS_DEFAULT_MAX_AGE", 300)),
        # Every request to a platform (app/lti/outbound.py): one deadline for the whole exchange
        # and a cap on the answer's size.
        "OUTBOUND_DEADLINE_SECONDS": float(env.get("OUTBOUND_DEADLINE_SECONDS", 10)),
        "OUTBOUND_MAX_BYTES": int(env.get("OUTBOUND_MAX_BYTES", 2 * 1024 * 1024)),
        # Public base URL of the tool (behind a proxy); derived from the request if empty.
        "TOOL_URL": env.get("TOOL_URL", "").rstrip("/"),
        "TOOL_NAME": env.get("TOOL_NAME", "Tulanet-mentorointi"),
        # How many reverse proxies in front set X-Forwarded-For/-Proto/-Host/-Port (0: trust none).
        # Only a proxy may reach the app then: bind gunicorn to loopback or the proxy's network.
        "PROXY_FIX_HOPS": int(env.get("PROXY_FIX_HOPS", 0)),
        # Mail (app/notifications): smtp://, smtp+starttls:// or smtps://[user:password@]host[:port];
        # empty: mail is queued but nobody sends it.
        "MAIL_URL": env.get("MAIL_URL", ""),
        "MAIL_FROM": env.get("MAIL_FROM", "mentoring@localhost"),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
        "LOG_FORMAT": env.get("LOG_FORMAT", "json"),
        "BABEL_DEFAULT_LOCALE": "fi",
        "LANGUAGES": ("fi", "sv", "en"),
        "WTF_CSRF_TIME_LIMIT": None,  # the CSRF token lives as long as the session
        "PREFERRED_URL_SCHEME": "https" if app_env == PRODUCTION else "http",
    }
    config.update(overrides)
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite: NullPool avoids sharing connections across threads of the dev server.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"timeout": 30, "check_same_thread": False},
            "hide_parameters": True,
        }
    return config
