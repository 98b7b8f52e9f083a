"""Practicum's registrations with the layers below it, imported by `create_app`: its home
panels (the trainee's hours still to go, the supervisor's entries to verify and supervision
due; program staff's overdue counts), kept in `coachprog.panels` for `home` to collect."""

from __future__ import annotations

from typing import Any

from flask import url_for

from coachprog.authority import can, has_any_role
from coachprog.panels import Item, Panel, register_panel_source
from coachprog.practicum.ledger import trainees
from coachprog.practicum.ledger.services import entries_to_verify, get_enrolment
from coachprog.practicum.supervision import services as supervision
from coachprog.roles import Role


@register_panel_source
def ledger_panel(user: Any) -> Panel | None:
    """Trainee: what is still missing; supervisor: entries to verify."""
    items: list[Item] = []
    person_id = getattr(user, "person_id", None)
    if person_id is not None and can(user, "can_log_practicum_entry", person_id) \
            and get_enrolment(person_id) is not None:
        p = trainees.progress(user, person_id)
        link = url_for("practicum.view_ledger", person_id=person_id)
        final = p.gates[-1]
        if final.met:
            items.append(Item("Hour targets met: well done.", link))
        for text in final.missing:
            items.append(Item(f"Still to go: {text}", link))
        if p.queried:
            items.append(Item("entries queried by your supervisor: answer them", link,
                              p.queried, "warn"))
        if p.waiting:
            items.append(Item("entries waiting for verification", link, p.waiting))
        if p.window is not None:
            items.append(Item(f"Week {p.window.week} of your practicum; it ends between "
                              f"{p.window.earliest_end.isoformat()} and "
                              f"{p.window.latest_end.isoformat()}", link,
                              level="warn" if p.window.overdue else "info"))
    waiting = entries_to_verify(user) if getattr(user, "is_authenticated", False) else []
    if waiting:
        items.append(Item("practicum hours entries to verify",
                          url_for("practicum.list_trainees"), len(waiting)))
    if not items:
        return None
    return Panel("Practicum hours", items=items)


@register_panel_source
def supervision_panel(user: Any) -> Panel | None:
    """Program staff: overdue feedback and 1:1 counts; supervisors: their own due items."""
    if has_any_role(user, Role.ADMIN) and can(user, "can_view_practicum_program"):
        feedback, meetings = supervision.overdue_counts()
        link = url_for("supervision.program")
        return Panel("Practicum supervision", items=[
            Item("Written feedback overdue (48 h)", link=link, count=feedback,
                 level="warn" if feedback else "info"),
            Item("1:1 supervisions overdue (7 days)", link=link, count=meetings,
                 level="warn" if meetings else "info"),
            Item("Program overview: trainees, hours, gates", link=link)])
    if can(user, "can_view_supervision_queue"):
        items = supervision.deadlines_for(supervision.trainee_ids_of(user))
        open_feedback = [d for d in items if d.feedback.is_open]
        open_meetings = [d for d in items if d.one_on_one.is_open]
        if not open_feedback and not open_meetings:
            return None
        link = url_for("supervision.queue")
        late = sum(1 for d in open_feedback if d.feedback.state.value == "overdue") + \
            sum(1 for d in open_meetings if d.one_on_one.state.value == "overdue")
        return Panel("Supervision due", items=[
            Item("Feedback to write", link=link, count=len(open_feedback)),
            Item("1:1s to hold", link=link, count=len(open_meetings)),
            Item("Of these overdue", link=link, count=late, level="warn" if late else "info")])
    return None
