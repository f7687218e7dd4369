"""Protecting resident ID numbers: Fernet encryption and a keyed digest, with the key outside the database."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from cryptography.fernet import Fernet
from flask import current_app

from factory import config as cfg


def _key() -> bytes:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get("workers_data_key")
    if cached is None:
        path = app.config.get("DATA_KEY_PATH")
        cached = cfg.data_key(Path(app.instance_path), Path(path) if path else None)
        app.extensions["workers_data_key"] = cached
    return cached


def encrypt(text: str) -> str:
    return Fernet(_key()).encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    return Fernet(_key()).decrypt(token.encode()).decode()


def digest(text: str) -> str:
    """A keyed hash, so one ID number can be found again (and registered once) without storing it in clear."""
    return hmac.new(_key(), b"id-number:" + text.encode(), hashlib.sha256).hexdigest()
