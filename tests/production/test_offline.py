"""What the phone may keep for when it has no network: the service worker's script, and which answers
the server marks as a copy the phone may keep (only the worker's own today and task pages)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from flask import url_for
from sqlalchemy import func, select

from factory.extensions import db
from factory.production import offline
from factory.production.models import Report

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_RE = re.compile(r"^var OFFLINE = (\{.*?\});\n")


def settings(body: str) -> dict[str, Any]:
    found = SETTINGS_RE.match(body)
    assert found, body[:200]
    return json.loads(found.group(1))


def test_service_worker_is_served_from_the_root_for_the_today_pages_and_never_cached_stale(client):
    response = client.get("/sw.js")  # nobody logged in: the browser fetches it to check for updates
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert (
        response.headers["Service-Worker-Allowed"] == "/today"
    )  # it can control nothing but the worker's pages
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    body = response.get_data(as_text=True)
    assert body.endswith((ROOT / "static/js/sw.js").read_text(encoding="utf-8"))
    found = settings(body)
    assert found["header"] == "X-Offline-Copy" and re.fullmatch(r"[0-9a-f]{16}", found["version"])
    for asset in found["assets"]:  # everything it caches on install exists
        assert asset.startswith("/static/") and client.get(asset).status_code == 200, asset
    again = client.get("/sw.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_service_worker_keeps_only_the_workers_today_task_and_pay_pages(client):
    pages = re.compile(settings(client.get("/sw.js").get_data(as_text=True))["pages"])
    for path in ("/today", "/today/tasks/7", "/today/pay"):
        assert pages.search(path), path
    for path in (
        "/",
        "/today/tasks/7/report",
        "/today/tasks/7/hand-in",
        "/today/notices/read",
        "/production/tasks/7",  # the organiser's task page
        "/production/inspections/3/photo",
        "/me/pay",
        "/pay/me",  # where the worker's pay was: it only leads to /today/pay
        "/pay/slips/3",
        "/today/payments",
        "/api/v1/tasks",
        "/login",
        "/todays",
    ):
        assert not pages.search(path), path


def test_a_new_release_changes_the_service_worker_so_phones_replace_the_cached_files(
    app, client, tmp_path, monkeypatch
):
    before = settings(client.get("/sw.js").get_data(as_text=True))["version"]
    for name in (offline.SCRIPT, *offline.ASSETS):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes((ROOT / "static" / name).read_bytes())
    monkeypatch.setattr(offline, "_static", lambda name: tmp_path / name)
    assert settings(client.get("/sw.js").get_data(as_text=True))["version"] == before
    with (tmp_path / "css/production.css").open("a") as fh:
        fh.write(".new { color: red; }\n")
    assert settings(client.get("/sw.js").get_data(as_text=True))["version"] != before


def test_the_workers_pages_are_marked_as_copies_of_this_session(app, task, worker, make_client):
    client = make_client(worker)
    today = client.get("/today")
    page = client.get(f"/today/tasks/{task.id}")
    assert today.status_code == 200 and page.status_code == 200
    tag = today.headers["X-Offline-Copy"]
    assert re.fullmatch(r"[0-9a-f]{24}", tag) and page.headers["X-Offline-Copy"] == tag
    with client.session_transaction() as session:
        assert session["sk"] not in tag  # named after the session, not carrying its key
    # another login of the same worker (another phone, or after logging out) keeps its copies apart
    assert make_client(worker).get("/today").headers["X-Offline-Copy"] != tag
    # the page carries the hidden banner the service worker shows in its copy, and registers it
    for html in (today.get_data(as_text=True), page.get_data(as_text=True)):
        assert " hidden data-offline-copy>" in html and "没有网络：显示的是" in html
        assert 'src="/static/js/offline.js" data-sw="/sw.js" data-scope="/today"' in html
    assert "报工会先存在手机上" in today.get_data(as_text=True)


def test_the_workers_pay_is_kept_too_and_its_old_address_leads_there(worker, make_client):
    client = make_client(worker)
    pay = client.get("/today/pay")
    assert pay.status_code == 200
    assert pay.headers["X-Offline-Copy"] == client.get("/today").headers["X-Offline-Copy"]
    html = pay.get_data(as_text=True)
    assert " hidden data-offline-copy>" in html and "没有网络：显示的是" in html
    assert 'data-sw="/sw.js" data-scope="/today"' in html
    before = client.get("/pay/me")
    assert before.status_code == 301 and before.headers["Location"].endswith("/today/pay")


def test_nothing_else_is_marked_as_a_copy_to_keep(app, task, worker, other_worker, organiser, make_client):
    client = make_client(worker)
    with app.test_request_context():
        worker_pages = [url_for(e) for e in ("workers.my_hours", "workers.my_profile")]
    for path in [*worker_pages, "/", "/account"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "X-Offline-Copy" not in response.headers, path
        assert "js/offline.js" not in response.get_data(as_text=True), path
    # a refused report shows today's page again, with a 422: not a copy to keep
    refused = client.submit(
        f"/today/tasks/{task.id}/report", {"key": "k-1", "pieces": "0"}, token_from="/today"
    )
    assert refused.status_code == 422 and "X-Offline-Copy" not in refused.headers
    counted = client.submit(
        f"/today/tasks/{task.id}/report", {"key": "k-2", "pieces": "3"}, token_from="/today"
    )
    assert counted.status_code == 302 and "X-Offline-Copy" not in counted.headers
    # another worker's task: 404, never a copy
    theirs = make_client(other_worker).get(f"/today/tasks/{task.id}")
    assert theirs.status_code == 404 and "X-Offline-Copy" not in theirs.headers
    # the organiser's pages, and the worker's page asked for by someone logged out
    boss = make_client(organiser)
    for path in (f"/production/tasks/{task.id}", "/production", "/today"):
        response = boss.get(path)
        assert "X-Offline-Copy" not in response.headers, path
        assert "js/offline.js" not in response.get_data(as_text=True), path
    anonymous = make_client().get("/today")
    assert anonymous.status_code == 302 and "X-Offline-Copy" not in anonymous.headers


def test_the_copys_one_time_messages_match_what_the_service_worker_leaves_out(task, worker, make_client):
    client = make_client(worker)
    client.submit(f"/today/tasks/{task.id}/report", {"key": "k-3", "pieces": "2"}, token_from="/today")
    html = client.get("/today").get_data(as_text=True)
    script = (ROOT / "static/js/sw.js").read_text(encoding="utf-8")
    pattern = re.search(r"\.replace\(/(<p class=.*?)/g, \"\"\)", script).group(1).replace("\\/", "/")
    assert re.search(pattern, html), "the flash markup changed: the copy would repeat 'counted'"
    assert len(re.findall(pattern, html)) == 1


def test_pages_shown_to_nobody_logged_in_forget_the_copies(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<script src="/static/js/offline.js" defer></script>' in html  # no data-sw: it deletes copies


def test_the_logout_form_is_the_one_the_page_script_clears_the_copies_before(task, worker, make_client):
    html = make_client(worker).get("/today").get_data(as_text=True)
    assert '<form method="post" action="/logout" class="inline logout">' in html  # offline.js: form.logout


def test_outbox_report_with_a_stale_form_token_is_refused_as_json_and_nothing_counted(
    task, worker, make_client
):
    client = make_client(worker)
    before = db.session.scalar(select(func.count(Report.id)).where(Report.task_id == task.id))
    response = client.post(
        f"/today/tasks/{task.id}/report",
        data={"csrf_token": "from-a-session-that-ended", "key": "k-4", "pieces": "2"},
        headers={"Accept": "application/json", "Idempotency-Key": "k-4"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf"  # the outbox keeps the report and asks to log in
    assert db.session.scalar(select(func.count(Report.id)).where(Report.task_id == task.id)) == before
    page = client.post(
        f"/today/tasks/{task.id}/report", data={"csrf_token": "x", "key": "k-5", "pieces": "2"}
    )
    assert page.status_code == 400 and page.mimetype == "text/html"  # a form post gets the page


def test_the_offline_page_is_kept_on_install_and_names_no_one(app, task, worker, make_client):
    found = settings(make_client().get("/sw.js").get_data(as_text=True))
    assert found["fallback"] == "/today/offline"
    script = (ROOT / "static/js/sw.js").read_text(encoding="utf-8")
    assert "OFFLINE.assets.concat([OFFLINE.fallback])" in script  # cached with the static files
    for client in (make_client(), make_client(worker)):  # whoever asks (the phone asks logged in)
        response = client.get("/today/offline")
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert response.headers["Content-Language"] == "zh-CN" and '<html lang="zh-CN">' in html
        assert "X-Offline-Copy" not in response.headers  # not a copy of a session: deleting those keeps it
        assert "这个页面还没有存在手机上" in html and 'href="/today"' in html
        assert worker.name not in html and "csrf_token" not in html and "<form" not in html
        assert (
            "<script" not in html and 'style="' not in html
        )  # no script of its own: offline.js would forget
        assert "mainnav" not in html
    english = make_client(worker)
    english.submit("/language", {"locale": "en"}, token_from="/today")
    response = english.get("/today/offline")
    assert response.headers["Content-Language"] == "en" and "not saved on this phone" in response.get_data(
        as_text=True
    )
    # the language the worker's pages tell the service worker is the one the offline page answers with
    assert '<html lang="en">' in english.get("/today").get_data(as_text=True)


def test_the_offline_page_variants_match_what_the_service_worker_switches(client):
    html = client.get("/today/offline").get_data(as_text=True)
    script = (ROOT / "static/js/sw.js").read_text(encoding="utf-8")
    for marker in ('<div data-offline-when=\\"saved\\">', '<div hidden data-offline-when=\\"nothing\\">'):
        assert marker in script, marker
        assert marker.replace('\\"', '"') in html, marker  # the page as rendered, before the switch


def test_a_new_offline_page_is_a_new_service_worker(app, client, tmp_path, monkeypatch):
    before = settings(client.get("/sw.js").get_data(as_text=True))["version"]
    copies = {}
    for name in offline.FALLBACK_SOURCES:
        copies[name] = tmp_path / name
        copies[name].parent.mkdir(parents=True, exist_ok=True)
        copies[name].write_bytes((ROOT / name).read_bytes())
    monkeypatch.setattr(offline, "_source", lambda name: copies[name])
    assert settings(client.get("/sw.js").get_data(as_text=True))["version"] == before
    with copies["templates/production/offline.html"].open("a") as fh:
        fh.write("<!-- changed -->\n")
    assert settings(client.get("/sw.js").get_data(as_text=True))["version"] != before


def test_the_workers_task_links_are_the_ones_the_copy_marks(task, worker, make_client):
    html = make_client(worker).get("/today").get_data(as_text=True)
    link = f'href="/today/tasks/{task.id}" data-task-link'
    assert link in html  # offline.js marks a[data-task-link] as kept on the phone or not
    assert 'data-kept="已存在手机上" data-not-kept="没存在手机上，要有网络才能打开"' in html
