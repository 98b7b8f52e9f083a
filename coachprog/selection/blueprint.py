"""The `selection` blueprint: its URL map (as indico's `blueprint.py`: one place that names
every route and the view function in its sub-package) and the helpers its templates use.

Endpoint names are the view functions' names (`selection.view_sprint`, ...): templates, tests and
the access matrix name them, so a view keeps its name wherever it lives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, url_for
from flask_login import current_user

from coachprog.authority import can, registered
from coachprog.selection import domain
from coachprog.selection.candidates import views as candidate_views
from coachprog.selection.domain import CandidateStage
from coachprog.selection.entries import views as entry_views
from coachprog.selection.models import Candidate
from coachprog.selection.panel import views as panel_views
from coachprog.selection.panel.domain import PANEL_ROLE_LABELS
from coachprog.selection.practice import views as practice_views
from coachprog.selection.sprints import views as sprint_views
from coachprog.web import no_store

bp = no_store(Blueprint("selection", __name__, url_prefix="/sprints"))

SELF_REPORT_ENDPOINT = "selection_impact.self_report"

ROUTES: list[tuple[str, Callable[..., Any], list[str] | None]] = [
    ('/', sprint_views.list_sprints, None),
    ('/new', sprint_views.create_sprint, ['GET', 'POST']),
    ('/<int:sprint_id>/edit', sprint_views.edit_sprint, ['GET', 'POST']),
    ('/<int:sprint_id>/close', sprint_views.close_sprint, ['POST']),
    ('/<int:sprint_id>', sprint_views.view_sprint, None),
    ('/<int:sprint_id>/candidates', sprint_views.list_candidates, None),
    ('/<int:sprint_id>/conflicts', sprint_views.list_conflicts, None),
    ('/<int:sprint_id>/panel/<seat>', panel_views.seat_panel_member, ['POST']),
    ('/<int:sprint_id>/export.csv', sprint_views.export_board, None),
    ('/<int:sprint_id>/candidates/<int:candidate_id>/advance',
     candidate_views.advance_candidate, ['POST']),
    ('/<int:sprint_id>/candidates/<int:candidate_id>/reject',
     candidate_views.reject_candidate, ['POST']),
    ('/<int:sprint_id>/candidates/<int:candidate_id>/withdraw',
     candidate_views.withdraw_candidate, ['POST']),
    ('/<int:sprint_id>/candidates/<int:candidate_id>', candidate_views.view_candidate, None),
    ('/<int:sprint_id>/candidates/<int:candidate_id>/assessments',
     candidate_views.create_stage_assessment, ['POST']),
    ('/<int:sprint_id>/candidates/<int:candidate_id>/hours', practice_views.log_hours, ['POST']),
    ('/<int:sprint_id>/candidates/<int:candidate_id>/hours/<int:entry_id>/verify',
     practice_views.verify_hours, ['POST']),
    ('/<int:sprint_id>/candidates/<int:candidate_id>/reviews',
     practice_views.record_review, ['POST']),
    ('/<int:sprint_id>/candidates/<int:candidate_id>/decision',
     panel_views.record_panel_decision, ['POST']),
    ('/<int:sprint_id>/candidates/<int:candidate_id>/mine', candidate_views.my_candidacy, None),
    ('/<int:sprint_id>/apply', entry_views.apply, ['GET', 'POST']),
    ('/<int:sprint_id>/nominate', entry_views.nominate, ['GET', 'POST']),
    ('/nominations', entry_views.my_nominations, None),
    ('/invitations/<token>', entry_views.invitation, ['GET', 'POST']),
]
for rule, view, methods in ROUTES:
    bp.add_url_rule(rule, view_func=view, methods=methods)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"self_report_url": self_report_url, "stage_label": stage_label,
            "panel_role_labels": PANEL_ROLE_LABELS}


def stage_label(stage: str | CandidateStage) -> str:
    return domain.STAGE_LABELS[CandidateStage(stage)]


def self_report_url(candidate: Candidate) -> str | None:
    """The optional fairness-monitoring self-report, once that page exists and is the
    candidate's to fill in (another package owns it; until it lands the link is left out)."""
    if SELF_REPORT_ENDPOINT not in current_app.view_functions:
        return None
    if "can_self_report_demographics" not in registered() or not can(
            current_user, "can_self_report_demographics", candidate):
        return None
    return url_for(SELF_REPORT_ENDPOINT, sprint_id=candidate.sprint_id,
                   candidate_id=candidate.id)
