"""The worker's pages on a phone without network: what the service worker may keep, and under which name.

`static/js/sw.js` controls only the pages under `/today` (its scope, also capped by the
`Service-Worker-Allowed` header). It keeps a copy of a page only when the server marked the answer with
`X-Offline-Copy: <tag>` (`kept_copy`): the worker's own today, task and pay pages, answered 200, never
an error, a redirect, an organiser's page or the API. The tag is derived from the login session, so the copies of one session are
kept under their own cache name and the service worker drops every other session's copies as soon as it
sees a new tag; logging out (and any page shown to nobody logged in) deletes them too (`static/js/offline.js`).

The static files those pages use are cached under a name that carries a hash of their bytes and of the
service worker itself, so a new release installs a new service worker and replaces them. With them it keeps
the offline page (`/today/offline`): shown for a page under `/today` the phone has no copy of, it names no
one, so it stays when the copies are deleted. It is kept in the language of the pages that registered the
service worker (they tell it theirs, and it fetches the page again when the two differ).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from flask import Response, current_app, session, url_for

from factory.types import utcnow

HEADER = "X-Offline-Copy"
# the pages a copy may be kept of (their paths, as the service worker matches them)
PAGES = r"^/today(/tasks/\d+|/pay)?$"
# what those pages load: cached on install, served from the phone first
ASSETS = (
    "css/app.css",
    "css/production.css",
    "css/payroll.css",
    "js/production.js",
    "js/offline.js",
    "favicon.svg",
)
SCRIPT = "js/sw.js"
FALLBACK_TEMPLATE = "production/offline.html"
# what the offline page is made of besides the static files: a change to them is a new service worker
FALLBACK_SOURCES = (
    "templates/production/offline.html",
    "factory/production/translations/zh/LC_MESSAGES/messages.po",
)


def session_tag() -> str | None:
    """A name for this login session's copies: derived from the session key, never the key itself."""
    from factory.accounts.routes import SESSION_KEY

    key = session.get(SESSION_KEY)
    if not key:
        return None
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"offline-copy:" + str(key).encode(), hashlib.sha256).hexdigest()[:24]


def kept_copy(page: str) -> Response:
    """The worker's page, marked as one the phone may keep a copy of for when it has no network."""
    response = Response(page, mimetype="text/html")
    tag = session_tag()
    if tag:
        response.headers[HEADER] = tag
    return response


def made_at() -> str:
    """When this page was made, in the stations' local time (the offline banner shows it)."""
    from factory.app import local_time

    return local_time(utcnow(), "%m-%d %H:%M")


def page_language() -> str:
    """The language a page is in, as its `lang` attribute says it (templates/base.html)."""
    from flask_babel import get_locale

    return "en" if str(get_locale() or "") == "en" else "zh-CN"


def _static(name: str) -> Path:
    return Path(current_app.static_folder or "") / name


def _source(name: str) -> Path:
    from factory.config import ROOT

    return ROOT / name


def script() -> str:
    """The service worker: its settings (a version from the bytes it caches, the assets, the pages), then
    the script from static/js/sw.js."""
    digest = hashlib.sha256()
    for name in (SCRIPT, *ASSETS):
        digest.update(name.encode() + b"\0" + _static(name).read_bytes())
    for name in FALLBACK_SOURCES:
        digest.update(name.encode() + b"\0" + _source(name).read_bytes())
    settings = {
        "version": digest.hexdigest()[:16],
        "assets": [url_for("static", filename=name) for name in ASSETS],
        "fallback": url_for("production.offline_page"),
        "pages": PAGES,
        "header": HEADER,
    }
    head = "var OFFLINE = " + json.dumps(settings, separators=(",", ":")) + ";\n"
    return head + _static(SCRIPT).read_text(encoding="utf-8")
