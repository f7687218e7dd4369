"""The application factory."""

from __future__ import annotations

import json
import os
from typing import Any

from flask import Flask, Response, g, request, session
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from factory import config as cfg
from factory.extensions import babel, csrf, db, login_manager, migrate
from factory.types import LOCAL_TZ

# The feature blueprints, registered in this order.
BLUEPRINTS = [
    "factory.accounts.routes",
    "factory.home.routes",
    "factory.audit.routes",
    "factory.jobs.routes",
    "factory.admin.routes",
    "factory.orders.routes",
    "factory.production.routes",
    "factory.payroll.routes",
    "factory.api.routes",
    "factory.workers.routes",
    "factory.planning.routes",
    "factory.reports.routes",
]

CLI_GROUPS = [
    "factory.accounts.cli",
    "factory.demo.cli",
    "factory.jobs.cli",
    "factory.payroll.cli",
    "factory.reports.cli",
]

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then FACTORY_* environment variables, then `config` (tests)."""
    instance = cfg.instance_path()
    app = Flask(
        "factory",
        instance_path=str(instance),
        template_folder=str(cfg.ROOT / "templates"),
        static_folder=str(cfg.ROOT / "static"),
    )
    app.config.from_mapping(cfg.DEFAULTS)
    app.config.from_prefixed_env("FACTORY")
    if os.environ.get("FACTORY_DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["FACTORY_DATABASE_URL"]
    if config:
        app.config.from_mapping(config)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        instance.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'factory.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = cfg.secret_key(instance)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_dirs())

    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, directory=str(cfg.ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale)

    from factory import models  # noqa: F401  (every table known to SQLAlchemy and Alembic)
    from factory.jobs import handlers  # noqa: F401  (every job kind known to web and consumer alike)
    from factory.jobs.queue import configure_queue

    configure_queue(app)
    _register(app)
    _wire_requests(app)
    return app


def _normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def translation_dirs() -> list[str]:
    """Each feature keeps its own catalogue; Flask-Babel merges them."""
    dirs = [str(p) for p in sorted(cfg.ROOT.glob("factory/**/translations")) if p.is_dir()]
    return dirs or [str(cfg.ROOT / "factory" / "translations")]


def select_locale() -> str:
    from flask import current_app, has_request_context

    if not has_request_context():  # CLI commands, jobs and tests call services that word their messages
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    langs = babel_languages()
    choice = session.get("locale")
    if choice in langs:
        return choice
    if current_user and current_user.is_authenticated and current_user.locale in langs:
        return current_user.locale
    best = request.accept_languages.best_match(["zh_CN", "zh", "en"], default="zh_CN")
    return "en" if best == "en" else "zh_CN"


def babel_languages() -> list[str]:
    from flask import current_app

    return list(current_app.config["LANGUAGES"])


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: enforce foreign keys, wait for locks, and let SQLAlchemy own transactions (savepoints)."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer (job progress)
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Any) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("immediate") else "BEGIN")


def _register(app: Flask) -> None:
    import importlib

    from factory.api.routes import API_MODULES

    for name in API_MODULES:  # their paths join the API blueprint before it is registered
        importlib.import_module(name)
    for name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(name).bp)
    for name in CLI_GROUPS:
        app.cli.add_command(importlib.import_module(name).cli)
    from factory.api.routes import bp as api_bp

    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, never with the session cookie


def _wire_requests(app: Flask) -> None:
    from factory.access import check_access
    from factory.accounts.routes import load_user_from_request
    from factory.errors import register_error_handlers

    login_manager.request_loader(load_user_from_request)
    login_manager.login_view = "accounts.login"
    app.before_request(check_access)
    register_error_handlers(app)

    @app.after_request
    def _edge(response: Response) -> Response:
        """One commit per request, at the edge: keep the work of a request that succeeded, drop the rest."""
        if response.status_code < 400 or g.get("commit_anyway"):
            db.session.commit()
        else:
            db.session.rollback()
        _security_headers(response)
        return response

    @app.context_processor
    def _template_globals() -> dict[str, Any]:
        from flask_babel import get_locale

        return {"current_locale": str(get_locale() or "zh_CN"), "role_label": role_label}

    app.jinja_env.filters["tojson_compact"] = lambda v: json.dumps(
        v, ensure_ascii=False, separators=(",", ":")
    )
    app.jinja_env.filters["local"] = local_time


def local_time(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC timestamp as the stations' local time (pages and papers show local time)."""
    if value is None:
        return ""
    return str(value.astimezone(LOCAL_TZ).strftime(fmt))


def _security_headers(response: Response) -> None:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")


def role_label(role: str) -> str:
    labels = {
        "admin": _("Employment service administrator"),
        "coordinator": _("Enterprise coordinator"),
        "organiser": _("Station organiser"),
        "worker": _("Worker"),
    }
    return labels.get(role, role)
