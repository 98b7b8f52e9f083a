"""The main menu: items grouped by task (Program, Selection, Practice, Quality, Admin), each
offered only to those whose roles let them use it.

Policy: a menu item is shown when the predicate that guards its page says yes, so the menu can
never offer a page that answers 403. Built in Python rather than in `base.html`, where the
conditions had grown into one unreadable line per item."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, url_for
from flask_login import current_user

from coachprog.authority import can


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str


@dataclass(frozen=True)
class MenuGroup:
    label: str
    items: tuple[MenuItem, ...]


@dataclass(frozen=True)
class _Entry:
    label: str
    predicate: str
    endpoint: str
    own: bool = False  # the page takes the user's own person id


# By group, in menu order. A staff page makes its personal twin redundant (see _SUPERSEDED_BY).
# Rows: label, predicate, endpoint[, own].
_TABLE: dict[str, tuple[tuple[Any, ...], ...]] = {
    "Program": (
        ("People", "can_view_people", "people.list_people"),
        ("Coaches", "can_list_coaches", "coaching.list_coaches"),
        ("Engagements", "can_list_engagements", "coaching.list_engagements"),
        ("Audit coverage", "can_view_audit_coverage", "audits.coverage"),
        ("Program outcomes", "can_view_program_outcomes", "program.dashboard"),
        ("Program charter", "can_manage_program_charter", "program_charter.edit_charter"),
        ("Import indicators", "can_import_program_metrics", "program_metrics.import_metrics"),
        ("Bias audit", "can_view_bias_audit", "bias_audit.view_audit"),
    ),
    "Selection": (
        ("Selection sprints", "can_view_sprints_menu", "selection.list_sprints"),
        ("Calibration", "can_view_calibration", "calibration.list_exercises"),
    ),
    "Practice": (
        ("Practicum", "can_list_practicum_trainees", "practicum.list_trainees"),
        ("My practicum", "can_use_coach_pages", "practicum.view_ledger", True),
        ("Supervision", "can_view_supervision_queue", "supervision.queue"),
        ("My supervision", "can_use_coach_pages", "supervision.mine"),
        ("Recordings", "can_view_recording", "recordings.list_recordings"),
        ("Assessments", "can_list_assessments", "assessments.list_assessments"),
    ),
    "Quality": (
        ("Certification", "can_view_certification_dashboard", "certification.dashboard"),
        ("My certification", "can_view_own_certification", "certification.coach", True),
        ("Audits", "can_manage_audits", "audits.index"),
        ("My audits", "can_view_audits", "audits.mine"),
        ("Supervision structure", "can_view_audit_structure", "audits.structure"),
        ("Fidelity", "can_view_fidelity_signals", "fidelity.index"),
        ("Sensitive-topic flags", "can_review_sensitive_flags", "transcripts.list_flags"),
        ("Rubrics", "can_view_rubrics", "rubrics.list_rubrics"),
        ("Safeguarding cases", "can_list_escalations", "escalations.list_cases"),
        ("Raise a safeguarding concern", "can_raise_escalation", "escalations.raise_case"),
        ("Incidents and adverse effects", "can_manage_incidents", "incidents.list_incidents"),
        ("Record an incident", "can_record_incident", "incidents.record_incident"),
        ("Safeguarding in numbers", "can_view_escalation_counts", "escalations.counts"),
    ),
    "Admin": (
        ("Users and roles", "can_view_users", "auth.list_users"),
        ("Import people", "can_import_people", "people.import_people"),
        ("Consent texts", "can_manage_consent_texts", "consent.list_texts"),
        ("Audit log", "can_view_audit_log", "governance.list_audit_entries"),
        ("E-mail outbox", "can_view_outbox", "notifications.list_outbox"),
        ("Erasure requests", "can_view_erasure_requests", "data_rights.list_erasures"),
        ("Opt-outs", "can_manage_opt_outs", "policy.manage_opt_outs"),
        ("Retention register", "can_view_retention_register", "policy.retention_register"),
    ),
    "Privacy": (
        ("How data may be used", "can_read_policy", "policy.use_cases"),
        ("What is held about you", "can_read_policy", "policy.data_use"),
        ("My opt-outs", "can_manage_own_opt_outs", "policy.my_opt_outs"),
        ("My data", "can_download_own_data", "data_rights.my_data"),
    ),
}
_MENU = {group: [_Entry(*row) for row in rows] for group, rows in _TABLE.items()}
GROUPS = tuple(_MENU)
# Staff pages make the personal ones redundant: a master coach who manages audits does not also
# need "My audits" in the menu (their own assignments are on the audits page).
_SUPERSEDED_BY = {"My practicum": "Practicum", "My supervision": "Supervision",
                  "My certification": "Certification", "My audits": "Audits",
                  "Supervision structure": "Audits",
                  # The list pages link to their forms.
                  "Raise a safeguarding concern": "Safeguarding cases",
                  "Record an incident": "Incidents and adverse effects"}


def menu_for(user: Any) -> list[MenuGroup]:
    if not getattr(user, "is_authenticated", False):
        return []
    chosen: dict[str, list[MenuItem]] = {group: [] for group in GROUPS}
    labels: set[str] = set()
    for group, entries in _MENU.items():
        for entry in entries:
            if _SUPERSEDED_BY.get(entry.label) in labels or not can(user, entry.predicate):
                continue
            url = (url_for(entry.endpoint, person_id=user.person_id) if entry.own
                   else url_for(entry.endpoint))
            chosen[group].append(MenuItem(entry.label, url))
            labels.add(entry.label)
    return [MenuGroup(group, tuple(items)) for group, items in chosen.items() if items]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["main_menu"] = lambda: menu_for(current_user)
