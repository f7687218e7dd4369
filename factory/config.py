"""Default configuration; every key can be overridden by a FACTORY_* environment variable.

`FACTORY_DATABASE_URL` maps to SQLALCHEMY_DATABASE_URI, `FACTORY_HUEY_URL` to HUEY_URL; any other
`FACTORY_NAME=value` sets `NAME` (values are parsed as JSON when they can be, so `FACTORY_X=true` is a bool).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "SQLALCHEMY_DATABASE_URI": None,  # filled in from the instance folder when not given
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "HUEY_URL": None,  # redis://host:6379/0 to use Redis; otherwise SQLite storage in the instance folder
    "HUEY_IMMEDIATE": False,  # run jobs in-process, synchronously (tests)
    "BABEL_DEFAULT_LOCALE": "zh_CN",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "LANGUAGES": ["zh_CN", "en"],
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,  # set FACTORY_SESSION_COOKIE_SECURE=true behind HTTPS
    "SESSION_COOKIE_NAME": "mf_session",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 14,
    "WTF_CSRF_TIME_LIMIT": None,  # a token lives as long as the session: a slow phone must not lose a form
    "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,  # uploads: a 10 MB photo or spreadsheet plus the form around it
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_FAILURE_WINDOW_MINUTES": 15,
    "ACTIVATION_CODE_DAYS": 7,
    "PROXY_FIX": False,  # trust one proxy's X-Forwarded-* headers (gunicorn behind nginx)
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_COST": 64 * 1024,  # KiB
    "DATA_KEY_PATH": None,  # file holding the key for sensitive fields; default instance/data_key
}


def instance_path() -> Path:
    """Where the database, job storage and secret key live (`FACTORY_INSTANCE_PATH` or ./instance)."""
    return Path(os.environ.get("FACTORY_INSTANCE_PATH", ROOT / "instance")).resolve()


def secret_key(folder: Path) -> str:
    """Return the secret key kept in the instance folder, creating it on first run."""
    path = folder / "secret_key"
    if path.exists():
        return path.read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def data_key(folder: Path, path: Path | None = None) -> bytes:
    """Return the key that protects sensitive fields (ID numbers), kept outside the database.

    `FACTORY_DATA_KEY` wins; otherwise the key is read from `path` (default `folder/data_key`) and created
    there on first use.
    """
    env = os.environ.get("FACTORY_DATA_KEY")
    if env:
        return env.encode()
    path = path or folder / "data_key"
    if path.exists():
        return path.read_bytes().strip()
    from cryptography.fernet import Fernet

    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key
