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
    group: str
    label: str
    predicate: str
    endpoint: str
    own: bool = False  # the page takes the user's own person id


# In menu order. A staff page makes its personal twin redundant (see _SUPERSEDED_BY).
_ITEMS = [_Entry(*entry) for entry in (
    ("Program", "People", "can_view_people", "people.list_people"),
    ("Program", "Coaches", "can_list_coaches", "coaching.list_coaches"),
    ("Program", "Engagements", "can_list_engagements",
     "coaching.list_engagements"),
    ("Program", "Audit coverage", "can_view_audit_coverage", "audits.coverage"),
    ("Program", "Program outcomes", "can_view_program_outcomes", "program.dashboard"),
    ("Program", "Program charter", "can_manage_program_charter", "program_charter.edit_charter"),
    ("Program", "Import indicators", "can_import_program_metrics",
     "program_metrics.import_metrics"),
    ("Selection", "Selection sprints", "can_view_sprints_menu",
     "selection.list_sprints"),
    ("Selection", "Calibration", "can_view_calibration",
     "calibration.list_exercises"),
    ("Practice", "Practicum", "can_list_practicum_trainees",
     "practicum.list_trainees"),
    ("Practice", "My practicum", "can_use_coach_pages", "practicum.view_ledger", True),
    ("Practice", "Supervision", "can_view_supervision_queue", "supervision.queue"),
    ("Practice", "My supervision", "can_use_coach_pages", "supervision.mine"),
    ("Practice", "Recordings", "can_view_recording", "recordings.list_recordings"),
    ("Practice", "Assessments", "can_list_assessments",
     "assessments.list_assessments"),
    ("Quality", "Certification", "can_view_certification_dashboard",
     "certification.dashboard"),
    ("Quality", "My certification", "can_view_own_certification", "certification.coach", True),
    ("Quality", "Audits", "can_manage_audits", "audits.index"),
    ("Quality", "My audits", "can_view_audits", "audits.mine"),
    ("Quality", "Supervision structure", "can_view_audit_structure",
     "audits.structure"),
    ("Quality", "Fidelity", "can_view_fidelity_signals", "fidelity.index"),
    ("Quality", "Sensitive-topic flags", "can_review_sensitive_flags",
     "transcripts.list_flags"),
    ("Quality", "Rubrics", "can_view_rubrics", "rubrics.list_rubrics"),
    ("Quality", "Safeguarding cases", "can_list_escalations", "escalations.list_cases"),
    ("Quality", "Raise a safeguarding concern", "can_raise_escalation",
     "escalations.raise_case"),
    ("Quality", "Incidents and adverse effects", "can_manage_incidents",
     "incidents.list_incidents"),
    ("Quality", "Record an incident", "can_record_incident", "incidents.record_incident"),
    ("Quality", "Safeguarding in numbers", "can_view_escalation_counts", "escalations.counts"),
    ("Program", "Bias audit", "can_view_bias_audit", "bias_audit.view_audit"),
    ("Admin", "Users and roles", "can_view_users", "auth.list_users"),
    ("Admin", "Import people", "can_import_people", "people.import_people"),
    ("Admin", "Consent texts", "can_manage_consent_texts", "consent.list_texts"),
    ("Admin", "Audit log", "can_view_audit_log",
     "governance.list_audit_entries"),
    ("Admin", "E-mail outbox", "can_view_outbox", "notifications.list_outbox"),
    ("Admin", "Erasure requests", "can_view_erasure_requests", "data_rights.list_erasures"),
    ("Admin", "Opt-outs", "can_manage_opt_outs", "policy.manage_opt_outs"),
    ("Admin", "Retention register", "can_view_retention_register",
     "policy.retention_register"),
    ("Privacy", "How data may be used", "can_read_policy", "policy.use_cases"),
    ("Privacy", "What is held about you", "can_read_policy", "policy.data_use"),
    ("Privacy", "My opt-outs", "can_manage_own_opt_outs", "policy.my_opt_outs"),
    ("Privacy", "My data", "can_download_own_data", "data_rights.my_data"),

)]
GROUPS = ("Program", "Selection", "Practice", "Quality", "Admin", "Privacy")
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
    for entry in _ITEMS:
        if _SUPERSEDED_BY.get(entry.label) in labels or not can(user, entry.predicate):
            continue
        url = (url_for(entry.endpoint, person_id=user.person_id) if entry.own
               else url_for(entry.endpoint))
        chosen[entry.group].append(MenuItem(entry.label, url))
        labels.add(entry.label)
    return [MenuGroup(group, tuple(items)) for group, items in chosen.items() if items]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["main_menu"] = lambda: menu_for(current_user)
