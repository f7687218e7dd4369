"""Shared fixtures: one app and schema per session, each test inside a transaction that is rolled back.

The database is SQLite unless FACTORY_TEST_DATABASE_URL names another (make test runs the suite twice,
the second time on a throwaway PostgreSQL database).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from hypothesis import settings
from sqlalchemy import create_engine, text

from factory import create_app
from factory.extensions import db

TEST_DATABASE_URL = os.environ.get("FACTORY_TEST_DATABASE_URL")

# Property tests: no per-example deadline (this machine is shared and slow at times); in CI a fixed
# derandomised run, so a submission passes or fails on its code, not on the draw. Local runs keep
# exploring new examples.
settings.register_profile("default", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, database=None)
settings.load_profile("ci" if os.environ.get("CI") else "default")
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
PASSWORD = "correct-horse-42"


def app_config(instance: Path, url: str | None = None) -> dict[str, Any]:
    """The configuration every test app uses: fast hashing, jobs run in-process, files in a temp folder."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url or TEST_DATABASE_URL or f"sqlite:///{instance / 'test.db'}",
        "HUEY_IMMEDIATE": True,
        "HUEY_PATH": str(instance / "huey.db"),
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "DATA_KEY_PATH": str(instance / "data_key"),
    }


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("instance")
    os.environ.setdefault("FACTORY_INSTANCE_PATH", str(instance))
    application = create_app(app_config(instance))
    with application.app_context():
        db.drop_all()
        db.create_all()
        from factory.reference.services import load_reference_data

        load_reference_data()
        db.session.commit()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


class BoundSession(FlaskSQLAlchemySession):
    """A session that stays on the test's connection.

    Flask-SQLAlchemy's Session.get_bind ignores `bind` and hands out a fresh engine connection, on which
    a request's commit would really commit and leak rows into later tests.
    """

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        return self.bind if self.bind is not None else super().get_bind(*args, **kwargs)


@pytest.fixture(autouse=True)
def _transaction(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run each test that uses the app inside a transaction that is rolled back afterwards."""
    if "app" not in request.fixturenames:
        yield
        return
    application: Flask = request.getfixturevalue("app")
    with application.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(  # type: ignore[method-assign]
            {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": BoundSession}
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original  # type: ignore[method-assign]
            outer.rollback()
            connection.close()


@pytest.fixture
def own_queue() -> Iterator[None]:
    """Let a test point the queue at its own storage and app, and put everything back afterwards."""
    from factory.jobs import queue

    saved = (queue.huey.storage_class, dict(queue.huey.storage_kwargs), queue.huey.immediate, queue._app)
    storage = queue.huey.storage
    yield
    queue.huey.storage_class, queue.huey.storage_kwargs, immediate, queue._app = saved
    queue.huey.immediate = immediate
    queue.huey.storage = storage


@contextmanager
def fresh_database(tmp_path: Path, name: str) -> Iterator[str]:
    """A new, empty database of the kind this run tests, for tests that need real commits and connections.

    A SQLite file in `tmp_path`, or on the PostgreSQL pass a new database beside the test one (through
    `MF_PG_ADMIN_URL`, which scripts/pg.sh sets), dropped afterwards. Dispose of the app's engine first.
    """
    if not (TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql")):
        yield f"sqlite:///{tmp_path / (name + '.db')}"
        return
    admin_url = os.environ["MF_PG_ADMIN_URL"]
    database = f"mf_{name}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + database
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def committing_app(tmp_path: Path, name: str, **config: Any) -> Iterator[Flask]:
    """An app on a fresh database of its own (`fresh_database`), with the schema and the reference data, for
    tests whose requests must really commit and race on separate connections."""
    from factory.reference.services import load_reference_data

    with fresh_database(tmp_path, name) as url:
        app = create_app({**app_config(tmp_path, url=url), **config})
        try:
            with app.app_context():
                db.create_all()
                load_reference_data()
                db.session.commit()
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


class Client(FlaskClient):
    """A test client that fills in the CSRF token as a browser would.

    The test's app context stays pushed (so tests can call services), and Flask reuses it for each
    request; `g` is emptied around every request so that nothing (the logged-in user, the locale) leaks
    from one request to the next, as it would not between real requests.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if not has_app_context():
            return super().open(*args, **kwargs)
        ctx_g = g._get_current_object()
        saved = dict(ctx_g.__dict__)
        ctx_g.__dict__.clear()
        try:
            return super().open(*args, **kwargs)
        finally:
            ctx_g.__dict__.clear()
            ctx_g.__dict__.update(saved)

    def csrf_token(self, path: str = "/login") -> str:
        response = self.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, f"GET {path} -> {response.status_code}: {page[:300]}"
        match = CSRF_RE.search(page)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def submit(
        self, path: str, data: dict[str, Any] | None = None, *, token_from: str | None = None, **kw: Any
    ) -> Any:
        """POST a form with a CSRF token taken from `token_from` (default: the same path)."""
        payload = dict(data or {})
        payload["csrf_token"] = self.csrf_token(token_from or path)
        return self.post(path, data=payload, **kw)

    def login(self, mobile: str, password: str = PASSWORD) -> Any:
        return self.submit("/login", {"mobile": mobile, "password": password})


@pytest.fixture
def client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def make_client(app: Flask) -> Any:
    """A fresh browser (its own cookies); optionally logged in as `user`."""

    def make(user: Any = None, password: str = PASSWORD) -> Client:
        app.test_client_class = Client
        c: Client = app.test_client()  # type: ignore[assignment]
        if user is not None:
            response = c.login(user.mobile, password)
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return c

    return make


# ------------------------------------------------------------------ factories


_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


@pytest.fixture
def make_station(app: Flask) -> Any:
    from factory.accounts.models import Station
    from factory.reference.models import District

    def make(name: str | None = None, district: str = "市北区") -> Station:
        d = db.session.scalar(db.select(District).where(District.name == district))
        station = Station(name=name or f"测试站点{_next()}", district=d)
        db.session.add(station)
        db.session.flush()
        return station

    return make


@pytest.fixture
def make_enterprise(app: Flask) -> Any:
    from factory.accounts.models import Enterprise

    def make(name: str | None = None) -> Enterprise:
        enterprise = Enterprise(name=name or f"测试企业{_next()}")
        db.session.add(enterprise)
        db.session.flush()
        return enterprise

    return make


@pytest.fixture
def make_user(app: Flask, make_station: Any, make_enterprise: Any) -> Any:
    from factory.accounts import services

    def make(
        role: str = "worker",
        *,
        station: Any = None,
        enterprise: Any = None,
        password: str | None = PASSWORD,
        mobile: str | None = None,
        name: str | None = None,
    ) -> Any:
        if role in ("organiser", "worker") and station is None:
            station = make_station()
        if role == "coordinator" and enterprise is None:
            enterprise = make_enterprise()
        n = _next()
        user, code = services.create_user(
            role,
            mobile or f"137{n:08d}",
            name or f"用户{n}",
            station=station,
            enterprise=enterprise,
            password=password,
        )
        db.session.flush()
        user.activation_code = code  # type: ignore[attr-defined]
        return user

    return make
