"""Accounts: creating users and tenants, logging in and out, activation codes, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, delete, func, select, update

from factory.accounts.models import ApiToken, Enterprise, LoginFailure, Role, Station, User, UserSession
from factory.accounts.passwords import hash_password, password_problem, verify_password
from factory.audit.services import record
from factory.extensions import db
from factory.reference.models import District
from factory.types import utcnow


class AccountError(Exception):
    """A refused account operation; `code` names the reason, `field` the form field it belongs to."""

    def __init__(self, code: str, field: str | None = None, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.field = field
        self.params = params


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------- tenants and users


def get_or_create_enterprise(name: str, actor: User | None = None) -> Enterprise:
    enterprise = db.session.scalar(select(Enterprise).where(Enterprise.name == name))
    if enterprise is None:
        enterprise = Enterprise(name=name)
        db.session.add(enterprise)
        record(actor, "enterprise.create", enterprise, after={"name": name})
    return enterprise


def get_or_create_station(name: str, district_name: str | None, actor: User | None = None) -> Station:
    station = db.session.scalar(select(Station).where(Station.name == name))
    if station is not None:
        return station
    district = None
    if district_name:
        district = db.session.scalar(select(District).where(District.name == district_name))
        if district is None:
            raise AccountError("unknown_district", "district", name=district_name)
    else:
        district = db.session.scalar(select(District).order_by(District.id))
    if district is None:
        raise AccountError("no_districts", "district")
    station = Station(name=name, district=district)
    db.session.add(station)
    record(actor, "station.create", station, after={"name": name, "district": district.name})
    return station


def create_user(
    role: str,
    mobile: str,
    name: str,
    *,
    enterprise: Enterprise | None = None,
    station: Station | None = None,
    password: str | None = None,
    actor: User | None = None,
) -> tuple[User, str | None]:
    """Create a user; return it and, when no password was given, its one-time activation code."""
    if role not in {r.value for r in Role}:
        raise AccountError("unknown_role", "role", role=role)
    if role == Role.COORDINATOR and enterprise is None:
        raise AccountError("coordinator_needs_enterprise", "enterprise")
    if role in (Role.ORGANISER, Role.WORKER) and station is None:
        raise AccountError("needs_station", "station")
    if db.session.scalar(select(User.id).where(User.mobile == mobile)) is not None:
        raise AccountError("mobile_taken", "mobile")
    user = User(
        role=role,
        mobile=mobile,
        name=name,
        enterprise=enterprise if role == Role.COORDINATOR else None,
        station=station if role in (Role.ORGANISER, Role.WORKER) else None,
    )
    code = None
    if password is not None:
        problem = password_problem(password)
        if problem:
            raise AccountError(problem, "password")
        user.password_hash = hash_password(password)
    else:
        code = issue_activation_code(user)
    db.session.add(user)
    record(actor, "user.create", user, after={"role": role, "name": name, "mobile": mobile})
    return user, code


def issue_activation_code(user: User) -> str:
    """Give `user` a new 8-digit one-time activation code, valid for the configured number of days."""
    code = f"{secrets.randbelow(10**8):08d}"
    user.activation_code_hash = hash_password(code)
    user.activation_expires_at = utcnow() + timedelta(days=current_app.config["ACTIVATION_CODE_DAYS"])
    return code


def new_activation_code(actor: User, user: User) -> str:
    """Issue a fresh one-time activation code to a staff member who has not activated or lost access (the
    old code stops working; their password works until the new code sets another)."""
    if user.is_disabled:
        raise AccountError("disabled")
    code = issue_activation_code(user)
    record(actor, "user.activation_code", user)
    db.session.flush()
    return code


def activate(mobile: str, code: str, password: str) -> User:
    """Set the first password of the account that holds `code`; the code then stops working."""
    user = db.session.scalar(select(User).where(User.mobile == mobile))
    if user is None or user.is_disabled or user.activation_code_hash is None:
        verify_password(None, code)
        raise AccountError("bad_code", "code")
    if user.activation_expires_at is None or user.activation_expires_at < utcnow():
        raise AccountError("code_expired", "code")
    if not verify_password(user.activation_code_hash, code.strip()):
        raise AccountError("bad_code", "code")
    problem = password_problem(password)
    if problem:
        raise AccountError(problem, "password")
    user.password_hash = hash_password(password)
    user.activation_code_hash = None
    user.activation_expires_at = None
    record(user, "user.activate", user)
    return user


# ---------------------------------------------------------------- logging in


@dataclass(frozen=True)
class Throttle:
    blocked: bool
    retry_after_minutes: int = 0


def login_throttle(mobile: str, now: datetime | None = None) -> Throttle:
    """Whether `mobile` has used up its failed attempts in the current window."""
    now = now or utcnow()
    window = timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    recent = db.session.scalars(
        select(LoginFailure.at)
        .where(LoginFailure.mobile == mobile, LoginFailure.at > now - window)
        .order_by(LoginFailure.at.desc())
        .limit(limit)
    ).all()
    if len(recent) < limit:
        return Throttle(False)
    free_at = recent[-1] + window  # the oldest of the last `limit` failures leaves the window
    minutes = max(1, int((free_at - now).total_seconds() // 60) + 1)
    return Throttle(True, minutes)


def authenticate(mobile: str, password: str) -> User:
    """Return the user for these credentials or raise AccountError (same code for every wrong pair)."""
    throttle = login_throttle(mobile)
    if throttle.blocked:
        raise AccountError("throttled", minutes=throttle.retry_after_minutes)
    user = db.session.scalar(select(User).where(User.mobile == mobile))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or user.is_disabled:
        db.session.add(LoginFailure(mobile=mobile[:20]))
        raise AccountError("bad_credentials")
    db.session.execute(delete(LoginFailure).where(LoginFailure.mobile == mobile))
    return user


def start_session(user: User, user_agent: str = "") -> str:
    """Open a server-side session for `user`; return the key the cookie carries."""
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(key_hash=sha256(key), user_id=user.id, user_agent=user_agent[:200]))
    return key


@cache
def _session_user_query() -> Any:
    return (
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.key_hash == bindparam("key_hash"), User.is_disabled.is_(False))
    )


def load_session(key: str) -> User | None:
    """The enabled user whose session this key opens (None once the session row is deleted: logout, password
    change, account disabled). One select built once: it runs on every page request."""
    return db.session.execute(_session_user_query(), {"key_hash": sha256(key)}).scalar_one_or_none()


def end_session(key: str) -> None:
    db.session.execute(delete(UserSession).where(UserSession.key_hash == sha256(key)))


def end_other_sessions(user: User, keep_key: str | None = None) -> None:
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_key is not None:
        stmt = stmt.where(UserSession.key_hash != sha256(keep_key))
    db.session.execute(stmt)


def change_password(user: User, current: str, new: str, keep_key: str | None) -> None:
    """Change `user`'s password and end every other session of theirs."""
    if not verify_password(user.password_hash, current):
        raise AccountError("bad_current_password", "current")
    problem = password_problem(new)
    if problem:
        raise AccountError(problem, "new")
    user.password_hash = hash_password(new)
    end_other_sessions(user, keep_key)
    record(user, "user.password_change", user)


def set_disabled(user: User, disabled: bool, actor: User) -> None:
    """Disable (ending every session and token use) or re-enable an account."""
    before = user.is_disabled
    user.is_disabled = disabled
    if disabled:
        end_other_sessions(user)
    record(
        actor,
        "user.disable" if disabled else "user.enable",
        user,
        before={"disabled": before},
        after={"disabled": disabled},
    )


def set_locale(user: User, locale: str) -> None:
    user.locale = locale


# ---------------------------------------------------------------- API tokens

# The roles whose own programs use the API: an enterprise's system posts orders, a station's scripts drive
# its work, the employment service integrates its figures. Workers use the pages on their phones; a token
# for one (a kiosk, a test) is issued by an administrator with `flask accounts token` (docs/decisions.md).
API_ROLES = (Role.ADMIN.value, Role.COORDINATOR.value, Role.ORGANISER.value)


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create an API token; the secret is returned once and only its hash is kept."""
    secret = "mf_" + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name[:60] or "token", prefix=secret[:10], token_hash=sha256(secret)
    )
    db.session.add(token)
    record(user, "token.create", token, after={"name": token.name, "prefix": token.prefix})
    return token, secret


def revoke_token(token: ApiToken, actor: User) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(actor, "token.revoke", token)


@cache
def _token_user_query() -> Any:
    return (
        select(User, ApiToken.id, ApiToken.last_used_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
    )


def user_for_token(secret: str) -> User | None:
    """The enabled user behind a live token; one select built once (it runs on every API call)."""
    row = db.session.execute(_token_user_query(), {"token_hash": sha256(secret)}).one_or_none()
    if row is None or row[0].is_disabled:
        return None
    user, token_id, last_used_at = row
    now = utcnow()
    if last_used_at is None or now - last_used_at > timedelta(minutes=5):
        # coarse, so a busy script does not write on every call
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    return user


def count_users(role: str | None = None) -> int:
    stmt = select(func.count(User.id))
    if role:
        stmt = stmt.where(User.role == role)
    return db.session.scalar(stmt) or 0
