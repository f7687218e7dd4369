"""Logging in and out, activating an account, changing the password, language, API tokens."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Request, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from factory.access import allow, public
from factory.accounts import services
from factory.accounts.forms import (
    ActivateForm,
    LanguageForm,
    LoginForm,
    PasswordForm,
    TokenForm,
    normalise_mobile,
)
from factory.accounts.models import ApiToken, Role, User
from factory.accounts.services import API_ROLES
from factory.extensions import db

bp = Blueprint("accounts", __name__)

SESSION_KEY = "sk"


def error_message(exc: services.AccountError) -> str:
    """The user's-language message for an account error."""
    messages = {
        "bad_credentials": _("Wrong mobile number or password."),
        "throttled": _(
            "Too many failed attempts. Please try again in %(minutes)s minutes.",
            minutes=exc.params.get("minutes", 15),
        ),
        "bad_code": _("This activation code is not valid for this mobile number."),
        "code_expired": _("This activation code has expired. Ask your organiser for a new one."),
        "too_short": _("The password needs at least 8 characters."),
        "too_long": _("The password can have at most 128 characters."),
        "too_common": _("This password is too common and easy to guess. Please choose another."),
        "bad_current_password": _("The current password is wrong."),
        "mobile_taken": _("This mobile number is already registered."),
        "unknown_role": _("Unknown role."),
        "unknown_district": _("Unknown district."),
        "no_districts": _("No districts are set up yet."),
        "coordinator_needs_enterprise": _("A coordinator belongs to an enterprise."),
        "needs_station": _("Organisers and workers belong to a station."),
    }
    return messages.get(exc.code, exc.code)


def load_user_from_request(req: Request) -> User | None:
    """The user behind this request: a bearer token on the API, the session cookie on pages."""
    if req.path.startswith("/api/"):
        header = req.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return services.user_for_token(header[7:].strip())
        return None
    key = session.get(SESSION_KEY)
    if not key:
        return None
    user = services.load_session(key)
    if user is None:
        session.pop(SESSION_KEY, None)
    return user


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _log_in(user: User) -> None:
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = services.start_session(user, request.headers.get("User-Agent", ""))
    if user.locale:
        session["locale"] = user.locale


def _landing(user: Any) -> str:
    """Where a login lands: a worker on today's tasks, everyone else on the home page."""
    return url_for("production.today") if user.role == Role.WORKER else url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(_landing(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(normalise_mobile(form.mobile.data), form.password.data)
        except services.AccountError as exc:
            g.commit_anyway = True  # keep the failure: it counts towards the limit
            form.password.errors.append(error_message(exc))
            status = 429 if exc.code == "throttled" else 401
        else:
            _log_in(user)
            return redirect(_safe_next(request.args.get("next")) or _landing(user))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@allow()
def logout() -> Any:
    key = session.get(SESSION_KEY)
    if key:
        services.end_session(key)
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/activate", methods=["GET", "POST"])
@public
def activate() -> Any:
    form = ActivateForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.activate(
                normalise_mobile(form.mobile.data), form.code.data.strip(), form.password.data
            )
        except services.AccountError as exc:
            field = form.password if exc.field == "password" else form.code
            field.errors.append(error_message(exc))
            status = 400
        else:
            _log_in(user)
            flash(_("Your account is ready. Welcome!"), "success")
            return redirect(url_for("home.index"))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/activate.html", form=form), status


@bp.route("/account", methods=["GET"])
@allow()
def account() -> Any:
    return _account_page()


def _account_page(
    *,
    password_form: PasswordForm | None = None,
    token_form: TokenForm | None = None,
    language_form: LanguageForm | None = None,
    new_token: str | None = None,
) -> str:
    """The account page; API tokens only for the roles whose programs use the API (a worker's are listed
    when an administrator issued one, so it can be revoked)."""
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    return render_template(
        "accounts/account.html",
        password_form=password_form or PasswordForm(),
        token_form=token_form or TokenForm(),
        language_form=language_form or LanguageForm(locale=session.get("locale")),
        tokens=tokens,
        new_token=new_token,
        can_make_tokens=current_user.role in services.API_ROLES,
    )


@bp.route("/account/password", methods=["POST"])
@allow()
def change_password() -> Any:
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.new.data, session.get(SESSION_KEY))
        except services.AccountError as exc:
            (form.new if exc.field == "new" else form.current).errors.append(error_message(exc))
        else:
            flash(_("Your password is changed. Other devices have been logged out."), "success")
            return redirect(url_for("accounts.account"))
    return _account_page(password_form=form), 400


@bp.route("/account/tokens", methods=["POST"])
@allow(*API_ROLES)
def create_token() -> Any:
    form = TokenForm()
    if not form.validate_on_submit():
        flash(_("Give the token a name of at most 60 characters."), "error")
        return redirect(url_for("accounts.account")), 303
    _token, secret = services.create_token(current_user, form.name.data.strip())
    return _account_page(token_form=TokenForm(formdata=None), new_token=secret)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@allow()
def revoke_token(token_id: int) -> Any:
    token = get_token_or_404(token_id, current_user)
    services.revoke_token(token, current_user)
    flash(_("The token is revoked."), "info")
    return redirect(url_for("accounts.account"))


def get_token_or_404(token_id: int, user: User) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        abort(404)
    return token


@bp.route("/language", methods=["POST"])
@public
def set_language() -> Any:
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            services.set_locale(current_user, form.locale.data)
    return redirect(_safe_next(request.form.get("next")) or url_for("home.index"))
