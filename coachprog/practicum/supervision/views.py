"""Supervision pages: the supervisor's queue, feedback, 1:1s, the coach's own supervision page,
and the practicum gates."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from coachprog.authority import can
from coachprog.db import get_or_404
from coachprog.errors import DomainError
from coachprog.people.models import Person
from coachprog.practicum.ledger import services as ledger
from coachprog.practicum.supervision import domain as rules
from coachprog.practicum.supervision import gates, services
from coachprog.practicum.supervision.forms import (
    FeedbackForm,
    GateDecisionForm,
    OneOnOneForm,
    QueueReviewForm,
)
from coachprog.practicum.supervision.overview import program_overview
from coachprog.validation import parse_id
from coachprog.web import (
    Pagination,
    authorize,
    carry_out,
    no_store,
    page_window,
    rerender_status,
    search_arg,
)

bp = no_store(Blueprint("supervision", __name__, url_prefix="/supervision"))


@bp.app_template_filter("localtime")
def _localtime(value: Any, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    if value is None:
        return "—"
    return rules.local_time(value, services.display_zone()).strftime(fmt)


def _also_beside(field: Any, error: DomainError, key: str) -> None:
    """Show a refusal about something that has no field of its own beside `field`."""
    field.errors = [*field.errors, *error.field_errors.get(key, [])]


def _helpers() -> dict[str, Any]:
    now = services.utcnow()
    return {"now": now, "describe": lambda d: rules.describe_left(d, now), "rules": rules}


def _render_queue(failed: int | None = None, form: QueueReviewForm | None = None,
                  status: int = 200) -> Any:
    return render_template("supervision/queue.html", queue=services.queue(current_user),
                           failed=failed, review_form=form or QueueReviewForm(formdata=None),
                           **_helpers()), status


@bp.route("/")
@login_required
def queue() -> Any:
    authorize("can_view_supervision_queue")
    return _render_queue()


@bp.route("/entries/<int:entry_id>/review", methods=["POST"])
@login_required
def review_entry(entry_id: int) -> Any:
    """Verify or query a ledger entry from the queue; back to the queue either way."""
    authorize("can_view_supervision_queue")
    entry = ledger.get_entry(current_user, entry_id)
    authorize("can_verify_practicum_entry", entry)
    form = QueueReviewForm()

    def review() -> None:
        try:
            ledger.review_entry(current_user, entry_id, decision=form.decision.data or "",
                                comment=form.comment.data or "")
        except DomainError as error:
            # Errors beside the entry's comment box; one the queue no longer lists (verified
            # meanwhile) as a message at the top.
            _also_beside(form.comment, error, "decision")
            raise

    done = carry_out(form, review, done=url_for("supervision.queue"), success=lambda _: (
        f"Verified: {entry.kind_label} of {entry.person.name} on {entry.day.isoformat()} "
        "counts now." if form.decision.data == "verify"
        else f"Queried: {entry.person.name} will answer."))
    return done or _render_queue(entry_id, form, 400)


@bp.route("/program")
@login_required
def program() -> Any:
    authorize("can_view_practicum_program")
    page, per_page = page_window()
    q = search_arg()
    overview = program_overview(current_user, page=page, per_page=per_page, q=q)
    return render_template("supervision/program.html", overview=overview, q=q,
                           pagination=Pagination(page, per_page, overview.trainees),
                           **_helpers())


@bp.route("/mine")
@login_required
def mine() -> Any:
    authorize("can_view_own_supervision")
    return render_template("supervision/mine.html",
                           own=services.own_supervision(current_user), **_helpers())


@bp.route("/reviews/<int:assessment_id>", methods=["GET", "POST"])
@login_required
def review(assessment_id: int) -> Any:
    found = services.get_review(current_user, assessment_id)
    may_write = can(current_user, "can_write_session_feedback", found.trainee.id)
    form = FeedbackForm(formdata=None, body=found.feedback_row.body if found.feedback_row
                        else "")
    if request.method == "POST":
        if not may_write:
            abort(403)
        form = FeedbackForm()
        done = carry_out(form, lambda: services.write_feedback(
            current_user, assessment_id, form.body.data or ""),
            done=url_for("supervision.review", assessment_id=assessment_id),
            success="Feedback saved; the trainee can read it now.")
        if done:
            return done
    one_form = OneOnOneForm(formdata=None, assessment_id=str(assessment_id))
    page = render_template("supervision/review.html", review=found, form=form,
                           may_write=may_write, one_form=one_form, **_helpers())
    return page, rerender_status()


@bp.route("/trainees/<int:person_id>/one-on-ones", methods=["GET", "POST"])
@login_required
def one_on_ones(person_id: int) -> Any:
    trainee = get_or_404(Person, person_id, what="trainee")
    authorize("can_view_session_feedback", person_id)
    may_record = can(current_user, "can_record_one_on_one", person_id)
    form = OneOnOneForm(formdata=None)
    if request.method == "POST":
        authorize("can_record_one_on_one", person_id)
        form = OneOnOneForm()

        def record() -> None:
            try:
                services.record_one_on_one(
                    current_user, person_id, held_on=form.held_on.data,
                    notes=form.notes.data or "",
                    assessment_id=parse_id((form.assessment_id.data or "").strip()))
            except DomainError as error:
                _also_beside(form.held_on, error, "assessment_id")  # a hidden field
                raise

        done = carry_out(form, record, success="1:1 recorded.",
                         done=url_for("supervision.one_on_ones", person_id=person_id))
        if done:
            return done
    return render_template("supervision/one_on_ones.html", trainee=trainee, form=form,
                           may_record=may_record,
                           meetings=services.one_on_ones(current_user, person_id),
                           **_helpers()), rerender_status()


@bp.route("/trainees/<int:person_id>/gates/<gate>", methods=["GET", "POST"])
@login_required
def gate(person_id: int, gate: str) -> Any:
    page = gates.gate_page(current_user, person_id, gate)
    may_decide = can(current_user, "can_decide_practicum_gate", person_id)
    form = GateDecisionForm(formdata=None)
    choices = [(o, rules.OUTCOME_LABELS[o]) for o in rules.OUTCOMES[page.gate]]
    form.outcome.choices = choices
    if request.method == "POST":
        authorize("can_decide_practicum_gate", person_id)
        form = GateDecisionForm()
        form.outcome.choices = choices
        done = carry_out(form, lambda: gates.decide_gate(
            current_user, person_id, gate, outcome=form.outcome.data or "",
            note=form.note.data or ""), success="Decision recorded.",
            done=url_for("supervision.gate", person_id=person_id, gate=gate))
        if done:
            return done
    return render_template("supervision/gate.html", page=page, form=form,
                           may_decide=may_decide, **_helpers()), rerender_status()
