"""Consent pages: the versioned consent texts (admins), an engagement's consents (admins record a
signed form or withdraw on the coachee's behalf; the coachee gives consent in the app), and the
coachee's withdrawal link (no sign-in: the token is the proof)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coachprog.extensions import db
from coachprog.recordings.consent import domain, services
from coachprog.recordings.consent import texts as consent_texts
from coachprog.recordings.consent.forms import (
    AcknowledgeForm,
    AdminWithdrawForm,
    ConsentTextForm,
    RetireForm,
    ScopeFields,
    SignedConsentForm,
    WithdrawConfirmForm,
)
from coachprog.storage import send_stored
from coachprog.validation import parse_id
from coachprog.web import (
    Refusal,
    attempt,
    authorize,
    carry_out,
    no_store,
    rerender_status,
)

bp = Blueprint("consent", __name__, url_prefix="/consent")
no_store(bp)  # session content, evidence or assessments: never cached

EXPIRED = "The form expired; reload the page and try again."


# --- consent texts ------------------------------------------------------------------------------


@bp.route("/texts")
@login_required
def list_texts() -> Any:
    texts = consent_texts.list_consent_texts(current_user)
    return render_template("consent/texts.html", texts=texts, in_use=consent_texts.texts_in_use(),
                           retire_form=RetireForm(formdata=None))


@bp.route("/texts/new", methods=["GET", "POST"])
@login_required
def create_text() -> Any:
    authorize("can_manage_consent_texts")
    form = ConsentTextForm()
    if request.method == "GET" and (based_on := parse_id(request.args.get("from"))):
        # A new version usually starts from the last one: prefill, never edit in place.
        source = consent_texts.get_consent_text(based_on)
        form.title.data, form.body.data = source.title, source.body
    done = carry_out(form, lambda: consent_texts.create_consent_text(
        current_user, version=form.version.data or "", title=form.title.data or "",
        body=form.body.data or ""),
        done=url_for("consent.list_texts"),
        success=lambda text: f"Consent text {text.version} added. It is offered for new "
                             "consents now.")
    return done or (render_template("consent/text_new.html", form=form), rerender_status())


@bp.route("/texts/<int:text_id>")
@login_required
def view_text(text_id: int) -> Any:
    authorize("can_manage_consent_texts")
    text = consent_texts.get_consent_text(text_id)
    return render_template("consent/text_view.html", text=text,
                           in_use=text.id in consent_texts.texts_in_use(),
                           retire_form=RetireForm(formdata=None))


@bp.route("/texts/<int:text_id>/retire", methods=["POST"])
@login_required
def retire_text(text_id: int) -> Any:
    authorize("can_manage_consent_texts")
    texts_page = url_for("consent.list_texts")
    done = carry_out(RetireForm(), lambda: consent_texts.retire_consent_text(current_user, text_id),
                     done=texts_page,
                     success=lambda text: f"Consent text {text.version} is retired: no longer "
                                          "offered. Consents given under it stand.")
    if done is None:
        flash(EXPIRED, "error")
        return redirect(texts_page)
    return done


# --- an engagement's consents -------------------------------------------------------------------


def _text_choices(form: ScopeFields, page: services.EngagementConsent) -> None:
    form.consent_text_id.choices = [("", "— choose —")] + [
        (str(t.id), f"{t.version} — {t.title}") for t in page.offered]
    if page.offered and not form.consent_text_id.data:
        form.consent_text_id.data = str(page.offered[0].id)


def _render_engagement(engagement_id: int, *, ack_form: AcknowledgeForm | None = None,
                       signed_form: SignedConsentForm | None = None,
                       withdraw_form: AdminWithdrawForm | None = None,
                       withdraw_id: int | None = None, status: int = 200) -> Any:
    page = services.engagement_consent(current_user, engagement_id)
    ack_form = ack_form or AcknowledgeForm(formdata=None)
    signed_form = signed_form or SignedConsentForm(formdata=None)
    _text_choices(ack_form, page)
    _text_choices(signed_form, page)
    return render_template(
        "consent/engagement.html", page=page, engagement=page.engagement,
        ack_form=ack_form, signed_form=signed_form,
        withdraw_form=withdraw_form or AdminWithdrawForm(formdata=None), withdraw_id=withdraw_id,
        mine_form=WithdrawConfirmForm(formdata=None),
        scopes_of=domain.scopes_of, describe_scopes=domain.describe_scopes,
        scope_names=domain.SCOPES), status


@bp.route("/engagements/<int:engagement_id>")
@login_required
def engagement_consent(engagement_id: int) -> Any:
    return _render_engagement(engagement_id)


def _record(engagement_id: int, form: ScopeFields, method: str, *, success: str,
            **extra: Any) -> Any:
    """Record a consent from the coachee's or an admin's form: the redirect, or None or the
    `Refusal` when the form must be shown again."""
    page = services.engagement_consent(current_user, engagement_id)
    _text_choices(form, page)
    outcome = attempt(form, lambda: services.record_consent(
        current_user, engagement_id, consent_text_id=form.chosen_text_id(),
        scopes=form.chosen_scopes(), method=method, **extra),
        done=url_for("consent.engagement_consent", engagement_id=engagement_id),
        success=success, name_refusal=True)  # the message says the consent was not recorded
    if isinstance(outcome, Refusal) and "scopes" in outcome.field_errors:
        # The scopes are one checkbox each: their problem is said beside the first.
        form.scope_record.errors = [*form.scope_record.errors, *outcome.field_errors["scopes"]]
    return outcome


@bp.route("/engagements/<int:engagement_id>/acknowledge", methods=["POST"])
@login_required
def acknowledge(engagement_id: int) -> Any:
    page = services.engagement_consent(current_user, engagement_id)
    authorize("can_acknowledge_consent", page.engagement)
    form = AcknowledgeForm()
    outcome = _record(engagement_id, form, "in_app",
                      success="Thank you: your consent is recorded. We have e-mailed you a "
                              "personal link to withdraw it at any time.")
    if outcome is None or isinstance(outcome, Refusal):  # shown again with what was ticked
        return _render_engagement(engagement_id, ack_form=form, status=rerender_status())
    return outcome


@bp.route("/engagements/<int:engagement_id>/signed", methods=["POST"])
@login_required
def record_signed(engagement_id: int) -> Any:
    page = services.engagement_consent(current_user, engagement_id)
    authorize("can_record_signed_consent", page.engagement)
    form = SignedConsentForm()
    upload = request.files.get("signed_form")
    signed = (services.SignedForm(upload.filename or "", upload.stream)
              if upload is not None and upload.filename else None)
    outcome = _record(engagement_id, form, "signed_form", signed_form=signed,
                      signed_on=form.signed_on.data,
                      success="The signed consent is recorded and is now the current consent. "
                              "The coachee has been e-mailed their personal withdrawal link.")
    if outcome is None or isinstance(outcome, Refusal):  # shown again with what was ticked
        return _render_engagement(engagement_id, signed_form=form, status=rerender_status())
    return outcome


@bp.route("/consents/<int:consent_id>/withdraw", methods=["POST"])
@login_required
def withdraw_on_behalf(consent_id: int) -> Any:
    consent = services.get_consent(consent_id)
    authorize("can_manage_recordings", consent)
    engagement_id = consent.engagement_id
    here = url_for("consent.engagement_consent", engagement_id=engagement_id)
    form = AdminWithdrawForm()
    outcome = attempt(form, lambda: services.withdraw_on_behalf(current_user, consent_id,
                                                                reason=form.reason.data or ""),
                      done=here, name_refusal=True,
                      success=lambda purged: f"Consent withdrawn. Deleted {purged.recordings} "
                      f"recording(s) and {purged.transcripts} transcript(s); scores stay, "
                      "without evidence text.")
    if outcome is None:
        flash(EXPIRED, "error")
        return redirect(here)
    if isinstance(outcome, Refusal):
        # Shown again with the reason as written, beside the consent it was for.
        return _render_engagement(engagement_id, withdraw_form=form, withdraw_id=consent_id,
                                  status=rerender_status())
    return outcome


@bp.route("/consents/<int:consent_id>/withdraw-mine", methods=["POST"])
@login_required
def withdraw_mine(consent_id: int) -> Any:
    consent = services.get_consent(consent_id)
    authorize("can_acknowledge_consent", consent.engagement)
    here = url_for("consent.engagement_consent", engagement_id=consent.engagement_id)
    done = carry_out(WithdrawConfirmForm(),
                     lambda: services.withdraw_as_coachee(current_user, consent_id),
                     done=here, refused=here,
                     success=lambda purged: f"Your consent is withdrawn. {purged.recordings} "
                                            f"recording(s) and {purged.transcripts} "
                                            "transcript(s) were deleted.")
    if done is None:
        flash(EXPIRED, "error")
        return redirect(here)
    return done


@bp.route("/consents/<int:consent_id>/form")
@login_required
def signed_form(consent_id: int) -> Any:
    found = services.open_signed_form(current_user, consent_id)
    db.session.commit()  # the read is audited
    return send_stored(found.store, found.name, mimetype=found.mimetype, as_attachment=True,
                       download_name=found.download_name)


# --- the coachee's withdrawal link --------------------------------------------------------------


@bp.route("/withdraw/<token>", methods=["GET", "POST"])
def withdraw(token: str) -> Any:
    preview = services.preview_withdrawal(token)
    form = WithdrawConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(EXPIRED, "error")
            return render_template("consent/withdraw.html", preview=preview, form=form), 400
        purged = services.withdraw_by_token(current_user, token)
        db.session.commit()
        return render_template("consent/withdrawn.html", purged=purged)
    return render_template("consent/withdraw.html", preview=preview, form=form)
