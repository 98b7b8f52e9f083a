"""Sign-in and sign-out, one's own account (password, API tokens), and the admin's user and
role pages."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from coachprog.auth import services
from coachprog.auth.forms import (
    ApiTokenCreateForm,
    ConfirmForm,
    LoginForm,
    PasswordChangeForm,
    PasswordForgotForm,
    PasswordResetForm,
    RoleChangeForm,
    UserCreateForm,
)
from coachprog.auth.models import User
from coachprog.errors import DomainError
from coachprog.extensions import db, limiter
from coachprog.roles import ROLE_LABELS, Role
from coachprog.web import (
    apply_domain_error,
    authorize,
    carry_out,
    on_rate_limit,
    paged,
    rerender_status,
    safe_next,
    search_arg,
)

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "That e-mail and password do not match an active account."
LOGIN_LIMITED = ("Too many sign-in attempts. Wait 15 minutes and try again, or ask an L&D admin "
                 "to check your account.")


def _account_key() -> str:
    return services.login_account_key(request.form.get("email", ""))


def _failed_login(response: Any) -> bool:
    # Only failed attempts count toward the limits: a successful sign-in redirects.
    return bool(response.status_code != 302)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["COACHPROG_LOGIN_LIMIT_IP"], methods=["POST"],
               deduct_when=_failed_login, scope="login-ip")
@limiter.limit(lambda: current_app.config["COACHPROG_LOGIN_LIMIT_ACCOUNT"], methods=["POST"],
               key_func=_account_key, deduct_when=_failed_login, scope="login-account")
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data or "", form.password.data or "")
        db.session.commit()
        if user is not None:
            # A fresh session at sign-in: nothing set before (and no fixed id) survives.
            session.clear()
            login_user(user)
            session.permanent = True
            return redirect(safe_next(request.args.get("next"), url_for("home.index")))
        form.password.errors = [LOGIN_FAILED]
    return render_template("auth/login.html", form=form)


def render_login_refused() -> Any:
    form = LoginForm()
    return render_template("auth/login.html", form=form, refused=LOGIN_LIMITED), 429


on_rate_limit("auth.login", render_login_refused)


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    signed_out = current_user.is_authenticated and carry_out(
        ConfirmForm(), lambda: services.record_logout(current_user), done=url_for("auth.login"))
    if signed_out:
        # After the commit: the audit entry names who signed out.
        logout_user()
        session.clear()
        flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Any:
    authorize("can_manage_own_account")
    form = PasswordChangeForm()
    response = carry_out(form, lambda: services.change_password(
        current_user, current_password=form.current_password.data or "",
        new_password=form.new_password.data or ""), done=url_for("auth.account"),
        success="Your password is changed. Other sessions have been signed out.")
    if response is None:
        return render_template("auth/account.html", form=form)
    # The password change rotated the session token; keep this session signed in.
    login_user(current_user._get_current_object())
    return response


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def api_tokens() -> Any:
    authorize("can_manage_own_account")
    form = ApiTokenCreateForm()
    new_secret = None
    if form.validate_on_submit():
        try:
            _, new_secret = services.create_api_token(current_user, current_user,
                                                      name=form.name.data or "")
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            db.session.commit()
            form = ApiTokenCreateForm(formdata=None)
    tokens = services.list_api_tokens(current_user)
    # The secret is shown in this response only: it is not stored and never flashed.
    return render_template("auth/api_tokens.html", form=form, tokens=tokens,
                           new_secret=new_secret, revoke_form=ConfirmForm())


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_token(token_id: int) -> Any:
    done = url_for("auth.api_tokens")
    return carry_out(ConfirmForm(), lambda: services.revoke_api_token(current_user, token_id),
                     done=done, success=lambda token: f"Token “{token.name}” is revoked."
                     ) or redirect(done)


@bp.route("/admin/users")
@login_required
def list_users() -> Any:
    authorize("can_view_users")
    q = search_arg()
    users, pagination = paged(lambda page, per_page: services.list_users(
        current_user, page=page, per_page=per_page, q=q))
    return render_template("auth/users_list.html", users=users, role_labels=ROLE_LABELS, q=q,
                           pagination=pagination)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def create_user() -> Any:
    authorize("can_manage_roles")
    form = UserCreateForm()

    def create() -> User:
        return services.create_user(
            current_user, email=form.email.data or "", display_name=form.display_name.data
            or "", password=form.password.data or "",
            person_id=services.person_id_for_employee_id(current_user,
                                                         form.employee_id.data or ""),
            roles=(Role(form.role.data),) if form.role.data else (),
        )

    return carry_out(form, create, done=lambda user: url_for("auth.view_user", user_id=user.id),
                     success=lambda user: f"Account for {user.email} created."
                     ) or render_template("auth/user_create.html", form=form)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def view_user(user_id: int) -> Any:
    authorize("can_view_users")
    user = services.get_user(current_user, user_id)
    form = RoleChangeForm()

    def grant() -> None:
        authorize("can_manage_roles")
        services.grant_role(current_user, user, form.role.data or "")

    return carry_out(form, grant, done=url_for("auth.view_user", user_id=user.id),
                     success=f"{user.display_name} now holds the role {form.role.data}."
                     ) or _render_user(user, form)


def _render_user(user: Any, form: RoleChangeForm | None = None,
                 reset_link: str | None = None) -> Any:
    return render_template("auth/user_view.html", user=user, form=form or RoleChangeForm(),
                           revoke_form=ConfirmForm(), access_form=ConfirmForm(),
                           role_labels=ROLE_LABELS, locked=services.is_locked(user),
                           reset_link=reset_link,
                           reset_hours=current_app.config["COACHPROG_RESET_LINK_HOURS"])


@bp.route("/admin/users/<int:user_id>/unlock", methods=["POST"])
@login_required
def unlock_user(user_id: int) -> Any:
    user = services.get_user(current_user, user_id)
    authorize("can_manage_user_access", user)
    done = url_for("auth.view_user", user_id=user.id)
    return carry_out(ConfirmForm(), lambda: services.unlock_account(current_user, user),
                     done=done, success=f"{user.display_name} can sign in again: their failed "
                     "sign-ins are forgotten.") or redirect(done)


@bp.route("/admin/users/<int:user_id>/password-reset", methods=["POST"])
@login_required
def issue_password_reset(user_id: int) -> Any:
    user = services.get_user(current_user, user_id)
    authorize("can_manage_user_access", user)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("auth.view_user", user_id=user.id))
    try:
        link = services.issue_password_reset(current_user, user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("auth.view_user", user_id=user.id))
    db.session.commit()
    # Shown once, on this response only: it is never flashed (the session cookie is readable).
    response = make_response(_render_user(user, reset_link=link))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["COACHPROG_LOGIN_LIMIT_IP"], methods=["POST"],
               scope="password-forgot")
def forgot_password() -> Any:
    available = services.self_service_reset_available()
    form = PasswordForgotForm()
    sent = False
    status = 200
    if request.method == "POST" and not available:
        status = 400
        flash("This site sends no e-mail, so it cannot send you a link: ask an L&D admin "
              "for a password-reset link.", "error")
    elif available and form.validate_on_submit():
        services.request_password_reset(form.email.data or "")
        db.session.commit()
        sent = True
    elif request.method == "POST":
        status = 400
    return render_template("auth/password_forgot.html", form=form, available=available,
                           sent=sent, hours=current_app.config["COACHPROG_RESET_LINK_HOURS"]
                           ), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    reset = services.get_password_reset(token)
    if reset is None:
        return render_template("auth/password_reset.html", form=None, usable=False), 404
    form = PasswordResetForm()
    response = carry_out(form, lambda: services.reset_password(token, form.new_password.data
                                                               or ""), done=url_for("auth.login"))
    if response is None:
        return render_template("auth/password_reset.html", form=form, usable=True
                               ), rerender_status()
    # Whoever was signed in here is signed out: the new password is used from now on.
    logout_user()
    session.clear()
    flash("Your password is set. Sign in with it now.", "success")
    return response


@bp.route("/admin/users/<int:user_id>/roles/<role>/revoke", methods=["POST"])
@login_required
def revoke_role(user_id: int, role: str) -> Any:
    authorize("can_manage_roles")
    user = services.get_user(current_user, user_id)
    back = url_for("auth.view_user", user_id=user.id)
    return carry_out(ConfirmForm(), lambda: services.revoke_role(current_user, user, role),
                     done=back, success=f"{user.display_name} no longer holds the role {role}.",
                     refused=back) or redirect(back)
