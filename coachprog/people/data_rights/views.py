"""A person's data pages: "Download my data" for everyone signed in, and erasure requests
with their two-person approval for admins."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from coachprog.extensions import db
from coachprog.people.data_rights import pdf, services
from coachprog.people.data_rights.forms import (
    ErasureApproveForm,
    ErasureCancelForm,
    ErasureRequestForm,
)
from coachprog.web import Pagination, authorize, carry_out, no_store, page_arg

bp = no_store(Blueprint("data_rights", __name__))
FORMATS = ("json", "pdf")


@bp.route("/account/data")
@login_required
def my_data() -> Any:
    authorize("can_download_own_data")
    return render_template("people/my_data.html")


@bp.route("/account/data/download.<fmt>")
@login_required
def download_my_data(fmt: str) -> Any:
    if fmt not in FORMATS:
        abort(404)
    export = services.export_own_data(current_user, fmt=fmt)
    db.session.commit()  # the audit entry of the download
    return _download(export, fmt)


def _download(export: dict[str, Any], fmt: str) -> Response:
    stamp = export["generated_at"][:10]
    if fmt == "pdf":
        body, mimetype = pdf.render_pdf(export), "application/pdf"
    else:
        body = json.dumps(export, indent=2, ensure_ascii=False).encode()
        mimetype = "application/json"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="my-data-{stamp}.{fmt}"')
    return response


def _list_page(form: ErasureRequestForm, status: int = 200) -> Any:
    page = page_arg()
    per_page = current_app.config["COACHPROG_PAGE_SIZE"]
    requests_, total = services.list_requests(current_user, page=page, per_page=per_page)
    return render_template("people/erasure_list.html", form=form, requests=requests_,
                           pagination=Pagination(page, per_page, total)), status


@bp.route("/admin/erasure", methods=["GET", "POST"])
@login_required
def list_erasures() -> Any:
    authorize("can_view_erasure_requests")
    form = ErasureRequestForm()
    if request.method == "GET" and request.args.get("employee_id"):
        form.employee_id.data = request.args["employee_id"][:64]
    if request.method == "GET":
        return _list_page(form)
    authorize("can_request_erasure")
    if not form.validate_on_submit():
        return _list_page(form, 400)
    return carry_out(form, lambda: services.request_erasure(
        current_user, form.employee_id.data or "", form.reason.data or ""),
        done=lambda erasure: url_for("data_rights.view_erasure", request_id=erasure.id),
        success="Erasure asked for. A second admin must approve it before anything is erased.",
    ) or _list_page(form, 409)


def _request_page(request_id: int, approve: ErasureApproveForm | None = None,
                  status: int = 200) -> Any:
    erasure = services.get_request(current_user, request_id)
    return render_template(
        "people/erasure_view.html", erasure=erasure,
        approve_form=approve or ErasureApproveForm(formdata=None),
        cancel_form=ErasureCancelForm(formdata=None),
        approval_refusal=services.approval_refusal(current_user, erasure)), status


@bp.route("/admin/erasure/<int:request_id>")
@login_required
def view_erasure(request_id: int) -> Any:
    return _request_page(request_id)


@bp.route("/admin/erasure/<int:request_id>/approve", methods=["POST"])
@login_required
def approve_erasure(request_id: int) -> Any:
    erasure = services.get_request(current_user, request_id)
    authorize("can_approve_erasure", erasure)
    form = ErasureApproveForm()
    if not form.validate_on_submit():
        return _request_page(request_id, form, 400)
    response = carry_out(
        form, lambda: services.approve_erasure(current_user, request_id),
        done=url_for("data_rights.view_erasure", request_id=request_id),
        success="The person is erased: their identifiers are replaced by the pseudonym "
                "everywhere.")
    if response is None:
        return _request_page(request_id, form, 409)
    services.compact_database()  # after the commit: the erased values leave the file too
    return response


@bp.route("/admin/erasure/<int:request_id>/cancel", methods=["POST"])
@login_required
def cancel_erasure(request_id: int) -> Any:
    authorize("can_request_erasure")
    form = ErasureCancelForm()
    if not form.validate_on_submit():
        return _request_page(request_id, status=400)
    return carry_out(form, lambda: services.cancel_erasure(current_user, request_id),
                     done=url_for("data_rights.view_erasure", request_id=request_id),
                     success="The erasure request is cancelled; nothing was erased.",
                     ) or _request_page(request_id, status=409)
