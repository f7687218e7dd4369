"""The administrator's staff list: status, masked mobile, who was disabled, and new activation codes."""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import select

from factory.accounts import services
from factory.accounts.models import User
from factory.audit.models import AuditEntry
from factory.extensions import db


def _row(page: str, name: str) -> str:
    """The table row of the person called `name`, as text with the tags taken out (buttons kept apart)."""
    table = page[page.index('<table class="table staff">') :]
    for row in re.findall(r"<tr>.*?</tr>", table, flags=re.S):
        if f">{name}<" in row:
            return row
    raise AssertionError(f"no row for {name}")


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def test_the_list_shows_each_accounts_status_and_masked_mobile(make_client: Any, make_user: Any) -> None:
    admin = make_user("admin")
    active = make_user("organiser", name="李站长", mobile="13812345678")
    waiting = make_user("coordinator", name="测试专员", mobile="13912340000", password=None)
    gone = make_user("organiser", name="老站长", mobile="13700001111")
    services.set_disabled(gone, True, admin)
    db.session.flush()
    page = make_client(admin).get("/admin/staff").get_data(as_text=True)
    head = page[page.index('<table class="table staff">') :]
    head = _text(head[: head.index("</thead>")])
    assert "状态" in head and "手机号" in head
    assert "正常" in _text(_row(page, active.name)) and "138****5678" in _row(page, active.name)
    assert "待激活" in _text(_row(page, waiting.name)) and "139****0000" in _row(page, waiting.name)
    assert "已停用" in _text(_row(page, gone.name))
    assert "13812345678" not in page


def test_disabling_says_who_and_asks_first(make_client: Any, make_user: Any) -> None:
    admin = make_user("admin")
    user = make_user("coordinator", name="测试专员")
    client = make_client(admin)
    page = client.get("/admin/staff").get_data(as_text=True)
    row = _row(page, "测试专员")
    assert 'data-confirm="停用 测试专员 的账户？' in row
    assert "js/confirm.js" in page
    response = client.submit(f"/admin/staff/{user.id}/disable", token_from="/admin/staff")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已停用 测试专员" in page
    assert "已停用" in _text(_row(page, "测试专员"))
    assert "data-confirm" not in _row(page, "测试专员")  # enabling again needs no question
    response = client.submit(f"/admin/staff/{user.id}/disable", token_from="/admin/staff")
    assert "已启用 测试专员" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.refresh(user)
    assert not user.is_disabled


def test_a_new_activation_code_lets_a_staff_member_back_in_and_is_audited(
    make_client: Any, make_user: Any, client: Any
) -> None:
    admin = make_user("admin")
    user = make_user("organiser", name="忘了密码", mobile="13600002222")
    page = make_client(admin).get("/admin/staff").get_data(as_text=True)
    assert f'action="/admin/staff/{user.id}/code"' in _row(page, "忘了密码")
    response = make_client(admin).submit(f"/admin/staff/{user.id}/code", token_from="/admin/staff")
    assert response.status_code == 200
    text = _text(response.get_data(as_text=True))
    code = re.search(r"忘了密码 的新激活码.*?(\d{8})", text)
    assert code is not None, text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.activation_code"))
    assert entry is not None and entry.object_id == user.id and entry.user_id == admin.id
    assert code.group(1) not in str(entry.after) and code.group(1) not in str(entry.before)
    activated = client.submit(
        "/activate",
        {
            "mobile": "13600002222",
            "code": code.group(1),
            "password": "new-secret-2026",
            "confirm": "new-secret-2026",
        },
    )
    assert activated.status_code in (302, 303)
    db.session.refresh(user)
    assert user.activation_code_hash is None


def test_no_code_for_a_disabled_account_or_a_worker(make_client: Any, make_user: Any) -> None:
    admin = make_user("admin")
    gone = make_user("coordinator", name="已走")
    services.set_disabled(gone, True, admin)
    worker = make_user("worker")
    db.session.flush()
    client = make_client(admin)
    assert f'action="/admin/staff/{gone.id}/code"' not in client.get("/admin/staff").get_data(as_text=True)
    assert client.submit(f"/admin/staff/{gone.id}/code", token_from="/admin/staff").status_code == 409
    assert client.submit(f"/admin/staff/{worker.id}/code", token_from="/admin/staff").status_code == 404
    db.session.refresh(gone)
    assert gone.activation_code_hash is None
    assert db.session.scalar(select(User.id).where(User.activation_code_hash.is_not(None))) is None
