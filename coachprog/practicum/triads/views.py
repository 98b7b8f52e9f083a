"""Peer-triad pages on the practicum blueprint: a trainee's triads, forming one, a triad's
rounds with the suggested rotation, logging a round."""

from __future__ import annotations

from typing import Any

from flask import flash, render_template, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from coachprog.errors import DomainError
from coachprog.practicum.blueprint import bp, display_zone, name_refusal
from coachprog.practicum.triads import services
from coachprog.practicum.triads.forms import TriadFormForm, TriadRoundForm, int_or_none
from coachprog.web import authorize, carry_out, rerender_status


@bp.route("/<int:person_id>/triads")
@login_required
def list_peer_triads(person_id: int) -> Any:
    return render_template("practicum/triads.html", person_id=person_id,
                           triads=services.triads_of(current_user, person_id))


@bp.route("/triads/new", methods=["GET", "POST"])
@login_required
def form_peer_triad() -> Any:
    authorize("can_form_peer_triad")
    partners = services.possible_partners(current_user)
    form = TriadFormForm()
    choices = [SelectChoice("", "— choose —")] + [SelectChoice(str(p.id), p.name)
                                                   for p in partners]
    form.partner_1.choices = choices
    form.partner_2.choices = choices

    def form_triad() -> Any:
        try:
            return services.form_triad(current_user, name=form.name.data or "", partner_ids=(
                int_or_none(form.partner_1.data), int_or_none(form.partner_2.data)))
        except DomainError as error:
            # The three members as a whole: beside the first partner.
            form.partner_1.errors = [*form.partner_1.errors,
                                     *error.field_errors.get("members", [])]
            raise

    done = carry_out(form, form_triad,
                     done=lambda triad: url_for("practicum.view_peer_triad", triad_id=triad.id),
                     success="Triad formed: log each round as its observer.")
    return done or (render_template("practicum/triad_form.html", form=form,
                                    has_partners=bool(partners)), rerender_status())


def _round_form(triad: Any, form: TriadRoundForm | None = None) -> TriadRoundForm:
    if form is None:
        suggested = services.suggested_roles(triad)
        form = TriadRoundForm(formdata=None, coach=str(suggested["coach"]),
                              client=str(suggested["client"]),
                              observer=str(suggested["observer"]))
    choices = [SelectChoice("", "— choose —")] + [
        SelectChoice(str(m.person_id), m.person.name) for m in triad.members]
    form.coach.choices = form.client.choices = form.observer.choices = choices
    return form


def _render(triad: Any, form: TriadRoundForm, status: int = 200) -> Any:
    names = {m.person_id: m.person.name for m in triad.members}
    return render_template("practicum/triad.html", triad=triad, form=form, names=names,
                           suggested=services.suggested_roles(triad),
                           missing=services.roles_missing(triad), zone=display_zone()), status


@bp.route("/triads/<int:triad_id>")
@login_required
def view_peer_triad(triad_id: int) -> Any:
    triad = services.get_triad(current_user, triad_id)
    return _render(triad, _round_form(triad))


@bp.route("/triads/<int:triad_id>/rounds", methods=["POST"])
@login_required
def log_triad_round(triad_id: int) -> Any:
    triad = services.get_triad(current_user, triad_id)
    authorize("can_log_triad_round", triad)
    form = _round_form(triad, TriadRoundForm())

    def log_round() -> Any:
        draft = services.RoundDraft(
            day=form.day.data, at=form.at.data, minutes=form.minutes.data,
            coach_id=int_or_none(form.coach.data), client_id=int_or_none(form.client.data),
            observer_id=int_or_none(form.observer.data), feedback=form.feedback.data or "",
            zone=display_zone())
        try:
            return services.log_round(current_user, triad_id, draft)
        except DomainError as error:
            # The rotation as a whole: beside the observer.
            form.observer.errors = [*form.observer.errors, *error.field_errors.get("roles", [])]
            name_refusal(form, error)
            raise

    def logged(result: Any) -> str:
        # The round first, then each member it could not add to their ledger.
        flash(f"Round {result.round.number} logged; a pending peer-triad entry was added "
              "to each member's ledger.", "success")
        for person, reason in result.skipped:
            flash(f"No ledger entry for {person.name}: {reason}", "warning")
        return url_for("practicum.view_peer_triad", triad_id=triad_id)

    done = carry_out(form, log_round, done=logged)
    return done or _render(services.get_triad(current_user, triad_id), form, 400)
