"""SQLite: requests that read and then write take the write lock when they begin.

A request reads before it writes (the user, the task). On SQLite in WAL mode, a transaction that began by
reading cannot upgrade to writing once another writer has committed since: it fails at once with "database
is locked" instead of waiting. The endpoints that features list with `begin_immediate_for` therefore begin
with BEGIN IMMEDIATE (see `_sqlite_begin` in factory/app.py, which reads `conn.info["immediate"]`) and wait
their turn. PostgreSQL needs none of this: row locks and constraints do the work there.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

WRITE_ENDPOINTS: set[str] = set()  # filled by the features with begin_immediate_for
_MINE = "immediate_by_endpoint"


def begin_immediate_for(*endpoints: str) -> None:
    """Let these endpoints (POST requests) take the write lock when they begin."""
    WRITE_ENDPOINTS.update(endpoints)


@event.listens_for(Engine, "engine_connect")
def _immediate_for_writes(conn: Any) -> None:
    if (
        conn.dialect.name == "sqlite"
        and has_request_context()
        and request.method == "POST"
        and request.endpoint in WRITE_ENDPOINTS
        and "immediate" not in conn.info
    ):
        conn.info["immediate"] = True
        conn.info[_MINE] = True


@event.listens_for(Engine, "begin")
def _reset(conn: Any) -> None:
    """Runs after factory.app's listener has begun the transaction: the next one is an ordinary BEGIN."""
    if conn.info.pop(_MINE, False):
        conn.info.pop("immediate", None)
