"""Logging in and out, activation codes, passwords, sessions, tokens, CSRF and headers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from factory.accounts import services
from factory.accounts.models import LoginFailure, User
from factory.audit.models import AuditEntry
from factory.extensions import db
from factory.types import utcnow
from tests.conftest import PASSWORD


def test_login_lands_on_the_role_home(make_client: Any, make_user: Any) -> None:
    organiser = make_user("organiser")
    client = make_client(organiser)
    page = client.get("/").get_data(as_text=True)
    assert organiser.station.name in page


@pytest.mark.parametrize(
    ("role", "landing"), [("worker", "/today"), ("organiser", "/"), ("coordinator", "/"), ("admin", "/")]
)
def test_a_worker_lands_on_today_and_the_others_on_home(
    client: Any, make_user: Any, role: str, landing: str
) -> None:
    user = make_user(role)
    response = client.login(user.mobile)
    assert response.status_code == 302
    assert response.headers["Location"] == landing
    assert client.get("/login").headers["Location"] == landing  # already logged in


def test_wrong_mobile_and_wrong_password_get_the_same_message(client: Any, make_user: Any) -> None:
    user = make_user("worker")
    wrong_password = client.login(user.mobile, "not-the-password")
    wrong_mobile = client.login("13399999999", PASSWORD)
    assert wrong_password.status_code == wrong_mobile.status_code == 401
    message = "手机号码或密码错误"
    assert message in wrong_password.get_data(as_text=True)
    assert message in wrong_mobile.get_data(as_text=True)


def test_five_failures_make_further_attempts_wait_even_with_the_right_password(
    client: Any, make_user: Any
) -> None:
    user = make_user("worker")
    for _ in range(5):
        assert client.login(user.mobile, "wrong-password").status_code == 401
    response = client.login(user.mobile, PASSWORD)
    assert response.status_code == 429
    assert "分钟后再试" in response.get_data(as_text=True)
    # the counter is in the database, so it holds for every process
    assert db.session.scalar(select(func.count()).where(LoginFailure.mobile == user.mobile)) == 5


def test_failures_older_than_the_window_do_not_count(client: Any, make_user: Any) -> None:
    user = make_user("worker")
    old = utcnow() - timedelta(minutes=16)
    db.session.add_all(LoginFailure(mobile=user.mobile, at=old) for _ in range(5))
    db.session.flush()
    assert client.login(user.mobile).status_code == 302


def test_a_successful_login_clears_the_failures(client: Any, make_user: Any) -> None:
    user = make_user("worker")
    for _ in range(4):
        client.login(user.mobile, "wrong-password")
    assert client.login(user.mobile).status_code == 302
    assert db.session.scalar(select(func.count()).where(LoginFailure.mobile == user.mobile)) == 0


def test_a_disabled_account_cannot_log_in(client: Any, make_user: Any) -> None:
    user = make_user("worker")
    services.set_disabled(user, True, make_user("admin"))
    assert client.login(user.mobile).status_code == 401


# ---------------------------------------------------------------- activation


def test_worker_activates_with_the_code_and_sets_a_password(client: Any, make_user: Any) -> None:
    worker = make_user("worker", password=None)
    code = worker.activation_code
    assert code and len(code) == 8 and code.isdigit()
    response = client.submit(
        "/activate", {"mobile": worker.mobile, "code": code, "password": "20261127", "confirm": "20261127"}
    )
    assert response.status_code == 302  # digits alone are allowed
    assert "您好" in client.get("/").get_data(as_text=True)
    # the code is one-time
    other = client.__class__(client.application)
    again = other.submit(
        "/activate",
        {"mobile": worker.mobile, "code": code, "password": "another-pass-1", "confirm": "another-pass-1"},
    )
    assert again.status_code == 400
    assert "激活码对此手机号码无效" in again.get_data(as_text=True)


def test_an_expired_code_is_refused_and_changes_nothing(client: Any, make_user: Any) -> None:
    worker = make_user("worker", password=None)
    worker.activation_expires_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    response = client.submit(
        "/activate",
        {
            "mobile": worker.mobile,
            "code": worker.activation_code,
            "password": "20261127x",
            "confirm": "20261127x",
        },
    )
    assert response.status_code == 400
    assert "激活码已过期" in response.get_data(as_text=True)
    db.session.refresh(worker)
    assert worker.password_hash is None


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("1234567", "至少需要8个字符"),
        ("12345678", "太常见"),
        ("password", "太常见"),
        ("aaaaaaaaaa", "太常见"),
    ],
)
def test_weak_passwords_are_refused(client: Any, make_user: Any, password: str, message: str) -> None:
    worker = make_user("worker", password=None)
    response = client.submit(
        "/activate",
        {"mobile": worker.mobile, "code": worker.activation_code, "password": password, "confirm": password},
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_passwords_are_stored_with_argon2(make_user: Any) -> None:
    user = make_user("worker")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


# ---------------------------------------------------------------- sessions


def test_logout_ends_the_session_even_for_a_copied_cookie(make_client: Any, make_user: Any) -> None:
    user = make_user("organiser")
    client = make_client(user)
    cookie = client.get_cookie("mf_session").value
    client.submit("/logout", token_from="/account")
    thief = make_client()
    thief.set_cookie("mf_session", cookie)
    assert thief.get("/account").status_code == 302


def test_a_password_change_ends_other_sessions_but_not_this_one(make_client: Any, make_user: Any) -> None:
    user = make_user("coordinator")
    phone, desktop = make_client(user), make_client(user)
    response = desktop.submit(
        "/account/password",
        {"current": PASSWORD, "new": "a-new-pass-2026", "confirm": "a-new-pass-2026"},
        token_from="/account",
    )
    assert response.status_code == 302
    assert desktop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302
    assert (
        db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.password_change")) is not None
    )


def test_disabling_an_account_ends_its_sessions(make_client: Any, make_user: Any) -> None:
    admin = make_user("admin")
    user = make_user("organiser")
    victim = make_client(user)
    assert victim.get("/account").status_code == 200
    admin_client = make_client(admin)
    assert (
        admin_client.submit(f"/admin/staff/{user.id}/disable", token_from="/admin/staff").status_code == 302
    )
    assert victim.get("/account").status_code == 302


# ---------------------------------------------------------------- CSRF, cookies, headers


def test_a_post_without_csrf_token_is_refused_in_chinese(make_client: Any, make_user: Any) -> None:
    admin = make_user("admin")
    client = make_client(admin)
    response = client.post("/admin/enterprises", data={"name": "无令牌企业"})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)


def test_session_cookie_flags_and_security_headers(client: Any, make_user: Any) -> None:
    user = make_user("worker")
    response = client.login(user.mobile)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    headers = client.get("/login").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_secure_cookie_behind_https(app: Any, tmp_path: Any) -> None:
    from factory import create_app
    from tests.conftest import app_config

    config = app_config(tmp_path, url=f"sqlite:///{tmp_path / 'x.db'}")
    config["SESSION_COOKIE_SECURE"] = True
    secure = create_app(config)
    response = secure.test_client().get("/login")
    assert "Secure" in response.headers["Set-Cookie"]


def test_next_parameter_cannot_send_users_elsewhere(client: Any, make_user: Any) -> None:
    user = make_user("worker")
    token = client.csrf_token()
    response = client.post(
        "/login?next=//evil.example/x",
        data={"mobile": user.mobile, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/today"  # the worker's own landing page


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "form",
    [
        {"mobile": "1" * 300, "password": "x"},
        {"mobile": "", "password": ""},
        {"mobile": "12345", "password": "whatever-123"},
    ],
)
def test_malformed_login_forms_get_a_message_and_change_nothing(client: Any, form: dict[str, str]) -> None:
    before = db.session.scalar(select(func.count(LoginFailure.id)))
    response = client.submit("/login", form)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(LoginFailure.id))) == before


# ---------------------------------------------------------------- API tokens


def test_a_token_is_shown_once_stored_hashed_and_can_be_revoked(make_client: Any, make_user: Any) -> None:
    user = make_user("organiser")
    client = make_client(user)
    page = client.submit("/account/tokens", {"name": "ERP"}, token_from="/account").get_data(as_text=True)
    secret = page.split('<code class="token">')[1].split("</code>")[0]
    assert secret.startswith("mf_")
    assert secret not in client.get("/account").get_data(as_text=True)
    api = make_client()
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.get_json()["id"] == user.id
    from factory.accounts.models import ApiToken

    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert secret not in token.token_hash
    client.submit(f"/account/tokens/{token.id}/revoke", token_from="/account")
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


@pytest.mark.parametrize("role", ["coordinator", "organiser", "admin"])
def test_roles_whose_programs_use_the_api_manage_tokens_on_their_account_page(
    make_client: Any, make_user: Any, role: str
) -> None:
    page = make_client(make_user(role)).get("/account").get_data(as_text=True)
    assert "<h2>API 令牌</h2>" in page
    assert 'action="/account/tokens"' in page


def test_a_worker_sees_no_api_tokens_and_cannot_create_one_by_posting(
    make_client: Any, make_user: Any
) -> None:
    from factory.accounts.models import ApiToken

    worker = make_user("worker")
    client = make_client(worker)
    page = client.get("/account").get_data(as_text=True)
    assert "API" not in page and "令牌" not in page
    assert 'action="/account/tokens"' not in page
    assert "修改密码" in page  # the rest of the page is there
    response = client.post(
        "/account/tokens", data={"name": "手机", "csrf_token": client.csrf_token("/account")}
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(ApiToken.id)).where(ApiToken.user_id == worker.id)) == 0


def test_a_worker_can_revoke_a_token_the_administrator_issued(make_client: Any, make_user: Any) -> None:
    worker = make_user("worker")
    token, secret = services.create_token(worker, "工位平板")
    db.session.flush()
    client = make_client(worker)
    page = client.get("/account").get_data(as_text=True)
    assert "使用您账号的程序" in page and "工位平板" in page
    assert 'action="/account/tokens"' not in page  # listed to be revoked, not to make more
    client.submit(f"/account/tokens/{token.id}/revoke", token_from="/account")
    assert services.user_for_token(secret) is None
    assert "使用您账号的程序" not in client.get("/account").get_data(as_text=True)


def test_a_token_notes_its_use_coarsely_and_stops_with_a_disabled_account(make_user: Any) -> None:
    from factory.accounts.models import ApiToken

    user = make_user("worker")
    token, secret = services.create_token(user, "phone")
    db.session.flush()
    assert services.user_for_token(secret) is user
    db.session.flush()
    db.session.expire_all()
    first = db.session.get(ApiToken, token.id).last_used_at
    assert first is not None
    assert services.user_for_token(secret).id == user.id
    db.session.flush()
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at == first  # not written again within 5 minutes
    db.session.get(ApiToken, token.id).last_used_at = utcnow() - timedelta(minutes=6)
    db.session.flush()
    services.user_for_token(secret)
    db.session.flush()
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at > first
    assert services.user_for_token("mf_wrong") is None
    db.session.get(User, user.id).is_disabled = True
    db.session.flush()
    assert services.user_for_token(secret) is None


def test_the_api_ignores_the_session_cookie(make_client: Any, make_user: Any) -> None:
    client = make_client(make_user("organiser"))
    assert client.get("/api/v1/me").status_code == 401


# ---------------------------------------------------------------- languages


def test_chinese_by_default_english_on_request_and_the_choice_is_remembered(
    make_client: Any, make_user: Any
) -> None:
    user = make_user("worker")
    client = make_client()
    assert "登录" in client.get("/login").get_data(as_text=True)
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "Log in" in english and "登录" not in english
    client = make_client(user)
    client.submit("/language", {"locale": "en", "next": "/"}, token_from="/account")
    assert "My account" in client.get("/account", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    db.session.refresh(user)
    assert user.locale == "en"
    # a new login on another device uses the saved choice
    assert "My account" in make_client(user).get("/account").get_data(as_text=True)


def test_accounts_cli_creates_users_and_tokens(app: Any) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "accounts",
            "create",
            "organiser",
            "13612345678",
            "周芳",
            "--tenant",
            "新站点",
            "--district",
            "城阳区",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "activation code" in result.output
    user = db.session.scalar(select(User).where(User.mobile == "13612345678"))
    assert user.station.name == "新站点" and user.station.district.name == "城阳区"
    token = runner.invoke(args=["accounts", "token", "13612345678"])
    assert token.exit_code == 0 and token.output.strip().startswith("mf_")
    bad = runner.invoke(
        args=[
            "accounts",
            "create",
            "organiser",
            "13612345679",
            "x",
            "--tenant",
            "另一个",
            "--district",
            "火星区",
        ]
    )
    assert bad.exit_code != 0 and "unknown_district" in bad.output


def test_the_token_table_heads_the_purpose_column_and_asks_before_revoking(
    make_client: Any, make_user: Any
) -> None:
    user = make_user("coordinator")
    client = make_client(user)
    client.submit("/account/tokens", {"name": "ERP 对接"}, token_from="/account")
    page = client.get("/account").get_data(as_text=True)
    table = page[page.index('<table class="table tokens">') :]
    head = table[: table.index("</thead>")]
    assert "<th>用途</th>" in head and "姓名" not in head
    assert "<td>ERP 对接</td>" in table
    assert 'data-confirm="撤销后，使用这个令牌的程序将不能再访问。"' in table
    assert "js/confirm.js" in page
