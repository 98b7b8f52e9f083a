"""Capstone brief pages on the practicum blueprint: the versions, submitting one (editor with
a preview, or a checked upload), reading one, downloading its file."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.practicum.blueprint import bp, name_refusal
from coachprog.practicum.capstone import domain as rules
from coachprog.practicum.capstone import services
from coachprog.practicum.capstone.forms import CapstoneBriefForm
from coachprog.storage import send_stored
from coachprog.validation import parse_id
from coachprog.web import carry_out, rerender_status


@bp.route("/<int:person_id>/capstone")
@login_required
def view_capstone(person_id: int) -> Any:
    return render_template("practicum/capstone.html",
                           o=services.overview(current_user, person_id))


def _engagement_choices(person_id: int) -> list[SelectChoice]:
    return [SelectChoice("", "— choose —")] + [
        SelectChoice(str(e.id), f"{e.coachee.name} (since {e.start_date.isoformat()}"
                     f"{', ended' if e.status == 'ended' else ''})")
        for e in services.coached_engagements(person_id)]


def _draft(form: CapstoneBriefForm) -> services.BriefDraft:
    upload = None
    storage = request.files.get("upload")
    if storage is not None and storage.filename:
        # One byte over the limit is enough to refuse it in words.
        data = storage.stream.read(services.files.max_bytes() + 1)
        upload = services.Upload(storage.filename, data)
    return services.BriefDraft(
        mode=form.mode.data or "", engagement_id=parse_id(form.engagement_id.data),
        kpi_name=form.kpi_name.data or "", kpi_baseline=form.kpi_baseline.data or "",
        kpi_target=form.kpi_target.data or "", kpi_source=form.kpi_source.data or "",
        objectives=form.objectives.data or "", body_markdown=form.body_markdown.data or "",
        upload=upload)


@bp.route("/<int:person_id>/capstone/new", methods=["GET", "POST"])
@login_required
def submit_capstone_brief(person_id: int) -> Any:
    blocked = services.submission_block(current_user, person_id)
    latest = services.briefs_of(person_id)[-1:]
    form = CapstoneBriefForm()
    if request.method == "GET" and latest:
        previous = latest[0]  # start the revision from the last version
        form = CapstoneBriefForm(
            formdata=None, mode=rules.MARKDOWN if previous.format == rules.MARKDOWN
            else "upload", engagement_id=str(previous.engagement_id or ""),
            kpi_name=previous.kpi_name, kpi_baseline=previous.kpi_baseline,
            kpi_target=previous.kpi_target, kpi_source=previous.kpi_source,
            objectives=previous.objectives, body_markdown=previous.body_markdown)
    form.engagement_id.choices = _engagement_choices(person_id)
    status, preview = rerender_status(), None
    if request.method == "POST" and request.form.get("action") == "preview":
        if form.validate_on_submit():
            preview = services.preview(current_user, person_id, form.body_markdown.data or "")
            status = 200
    else:
        def submit() -> Any:
            try:
                return services.submit_brief(current_user, person_id, _draft(form))
            except DomainError as error:
                name_refusal(form, error)
                raise

        done = carry_out(form, submit,
                         done=lambda brief: url_for("practicum.view_capstone_brief",
                                                    brief_id=brief.id),
                         success=lambda brief: f"Version {brief.version} submitted for scoring.")
        if done:
            return done
    return render_template("practicum/capstone_submit.html", form=form, person_id=person_id,
                           blocked=blocked, preview=preview, limits=rules,
                           version=len(services.briefs_of(person_id)) + 1), status


@bp.route("/capstone/<int:brief_id>")
@login_required
def view_capstone_brief(brief_id: int) -> Any:
    brief = services.get_brief(current_user, brief_id)
    page = render_template(
        "practicum/capstone_brief.html", brief=brief,
        body=services.render_markdown(brief.body_markdown) if brief.format == rules.MARKDOWN
        else None,
        result=services.result_of(brief),
        versions=services.briefs_of(brief.person_id),
        assessment_url=services.assessment_link(current_user, brief))
    db.session.commit()  # the read is audited
    return page


@bp.route("/capstone/<int:brief_id>/file")
@login_required
def download_capstone_brief(brief_id: int) -> Any:
    found = services.open_file(current_user, brief_id)
    db.session.commit()  # the download is audited
    return send_stored(found.store, found.name, mimetype=found.mimetype, as_attachment=True,
                       download_name=found.download_name)
