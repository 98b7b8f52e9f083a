"""Rubric pages: the list, one version in full, and the admin's upload."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, render_template, url_for
from flask_login import current_user, login_required

from coachprog.errors import DomainError
from coachprog.rubrics import services
from coachprog.rubrics.domain import Purpose, Rubric
from coachprog.rubrics.forms import RubricUploadForm
from coachprog.rubrics.schema import MAX_FILE_BYTES
from coachprog.web import authorize, carry_out, choice_arg, rerender_status

bp = Blueprint("rubrics", __name__, url_prefix="/rubrics")

PURPOSES = [purpose.value for purpose in Purpose]


@bp.route("/")
@login_required
def list_rubrics() -> Any:
    authorize("can_view_rubrics")
    purpose = choice_arg("purpose", PURPOSES)
    overviews = services.list_rubrics(current_user, purpose=purpose or None)
    used = services.used_version_ids([o.latest.id for o in overviews])
    sizes = {o.latest.id: _size(o.latest.to_domain()) for o in overviews}
    return render_template("rubrics/rubric_list.html", overviews=overviews, used=used,
                           sizes=sizes, purpose=purpose, purposes=PURPOSES)


def _size(rubric: Rubric) -> tuple[int, int]:
    """(competencies, behaviours), as the list shows them."""
    return len(rubric.competencies), len(rubric.behaviours)


@bp.route("/<key>/v<int:version>")
@login_required
def view_rubric(key: str, version: int) -> Any:
    row = services.get_rubric_version(current_user, key, version)
    others = [v for v in services.list_rubric_versions(current_user, key=key) if v.id != row.id]
    return render_template("rubrics/rubric_view.html", version=row, rubric=row.to_domain(),
                           used=services.is_version_used(row), others=others)


@bp.route("/upload", methods=["GET", "POST"])
@login_required
def upload_rubric() -> Any:
    authorize("can_upload_rubric")
    form = RubricUploadForm()
    problems: list[str] = []

    def upload() -> services.UploadResult:
        data = form.file.data.stream.read(MAX_FILE_BYTES + 1)
        try:
            return services.upload_rubric(current_user, form.file.data.filename or "", data)
        except services.RubricRejected as rejected:
            problems.extend(problem.short() for problem in rejected.problems)
            # The message goes beside the file field, the problems in a list under it.
            raise DomainError(rejected.message,
                              field_errors={"file": [rejected.message]}) from None

    done = carry_out(form, upload, done=_uploaded)
    if done:
        return done
    return render_template("rubrics/rubric_upload.html", form=form, problems=problems,
                           max_kb=MAX_FILE_BYTES // 1024), rerender_status()


def _uploaded(result: services.UploadResult) -> str:
    """Say what the upload did (an unchanged file is news, not a success) and show it."""
    row = result.version
    if result.outcome is services.Outcome.UNCHANGED:
        flash(f"{row.label} is already recorded with exactly this content; nothing changed.",
              "info")
    else:
        flash(f"{row.label} {result.outcome.value}.", "success")
    return url_for("rubrics.view_rubric", key=row.rubric_key, version=row.version)
