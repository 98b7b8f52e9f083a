"""Pages of the published policy, the acknowledgement gate, opt-outs and the retention
register."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, user_logged_in

from coachprog.errors import DomainError
from coachprog.policy import services
from coachprog.policy.forms import (
    OptOutChangeForm,
    OptOutOnBehalfForm,
    PolicyAcknowledgeForm,
)
from coachprog.web import Pagination, authorize, carry_out, page_arg, safe_next

bp = Blueprint("policy", __name__, url_prefix="/governance")

_SESSION_KEY = "policy_acknowledged"
# What a user who has not acknowledged the current versions may still reach: the policy
# itself, the acknowledgement, signing out, and what every page needs (static files).
_OPEN_ENDPOINTS = frozenset({"policy.use_cases", "policy.data_use", "policy.acknowledge",
                             "auth.logout", "auth.login", "static"})


def policy_gate() -> Any:
    """Before anything else after sign-in: a user who has not acknowledged the current
    versions goes to the acknowledgement page. The API (bearer tokens) is never gated. Once
    acknowledged, the session remembers the versions, so later requests ask nothing."""
    if not current_user.is_authenticated or request.path.startswith("/api/"):
        return None
    if request.endpoint in _OPEN_ENDPOINTS or request.endpoint is None:
        return None
    key = services.policy().versions.key()
    if session.get(_SESSION_KEY) == key:
        return None
    if not services.needs_acknowledgement(current_user):
        session[_SESSION_KEY] = key
        return None
    target = request.full_path if request.method == "GET" else None
    return redirect(url_for("policy.acknowledge", next=target.rstrip("?") if target else None))


def _remember_acknowledgement(sender: Any, user: Any, **extra: Any) -> None:
    """Ask once, at sign-in: the pages after it then cost the same statements as ever."""
    if not services.needs_acknowledgement(user):
        session[_SESSION_KEY] = services.policy().versions.key()


def init_app(app: Flask) -> None:
    app.before_request(policy_gate)
    user_logged_in.connect(_remember_acknowledgement, app)


@bp.route("/use-cases")
@login_required
def use_cases() -> Any:
    authorize("can_read_policy")
    return render_template("governance/policy/use_cases.html",
                           matrix=services.policy().use_cases)


@bp.route("/data-use")
@login_required
def data_use() -> Any:
    authorize("can_read_policy")
    return render_template("governance/policy/data_use.html",
                           policy=services.policy().data_use)


@bp.route("/acknowledge", methods=["GET", "POST"])
@login_required
def acknowledge() -> Any:
    authorize("can_read_policy")
    form = PolicyAcknowledgeForm()
    next_url = safe_next(request.args.get("next"), url_for("home.index"))
    response = carry_out(form, lambda: services.acknowledge_policy(current_user), done=next_url,
                         success="Thank you: your acknowledgement is recorded.")
    if response is not None:
        session[_SESSION_KEY] = services.policy().versions.key()
        return response
    current = services.policy()
    return render_template("governance/policy/acknowledge.html", form=form,
                           matrix=current.use_cases, data_use=current.data_use,
                           needed=services.needs_acknowledgement(current_user),
                           latest=services.latest_acknowledgement(current_user))


@bp.route("/my-opt-outs", methods=["GET", "POST"])
@login_required
def my_opt_outs() -> Any:
    authorize("can_manage_own_opt_outs")
    form = OptOutChangeForm()
    return carry_out(form, lambda: services.set_opt_out(
        current_user, current_user.person_id, form.kind.data or "",
        opted_out=form.opted_out.data == "yes"), done=url_for("policy.my_opt_outs"),
        success="Your choice is recorded.") or render_template(
            "governance/policy/my_opt_outs.html", form=form,
            states=services.my_opt_outs(current_user))


@bp.route("/opt-outs", methods=["GET", "POST"])
@login_required
def manage_opt_outs() -> Any:
    authorize("can_manage_opt_outs")
    form = OptOutOnBehalfForm()

    def record() -> Any:
        person = services.find_person(form.employee_id.data or "")
        if person is None:
            raise DomainError("No person has that employee id.", field_errors={
                "employee_id": ["No person has that employee id."]})
        services.set_opt_out(current_user, person.id, form.kind.data or "",
                             opted_out=form.opted_out.data == "yes",
                             reason=form.reason.data or "")
        return person

    response = carry_out(form, record, done=url_for("policy.manage_opt_outs"),
                         success=lambda person: f"Recorded for {person.name}.")
    if response is not None:
        return response
    page = page_arg()
    per_page = current_app.config["COACHPROG_PAGE_SIZE"]
    rows, total = services.list_opt_outs(current_user, page=page, per_page=per_page)
    return render_template("governance/policy/opt_outs.html", form=form, rows=rows,
                           counts=services.count_opt_outs(),
                           pagination=Pagination(page, per_page, total))


@bp.route("/retention")
@login_required
def retention_register() -> Any:
    authorize("can_view_retention_register")
    return render_template("governance/policy/retention.html",
                           rows=services.retention_register(current_user))
