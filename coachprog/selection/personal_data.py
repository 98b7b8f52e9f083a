"""Selection in a person's data (issue 24): their candidacies (with the events, assessments,
supervised-practice hours and reviews, and their own demographic self-report), the candidates
they nominated, and their panel work.

Erasure keeps every candidacy, stage, decision, hour and demographic row (the funnel and the
adverse-impact figures stay right: they count, they do not name) and removes the text about
them or by them: nomination and application text, exit and event reasons, panel reasons,
review notes and hours notes.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from coachprog.personal_data import (
    ErasureContext,
    Subject,
    clear_columns,
    export_rows,
    export_tables,
    register_section,
    table,
)


def _candidacies(subject: Subject) -> sa.Select[Any]:
    candidates = table("candidates")
    return sa.select(candidates.c.id).where(
        candidates.c.person_id.in_(subject.ids_for("people")))


def export(subject: Subject) -> dict[str, Any]:
    own = _candidacies(subject)
    events, hours, reviews = (table("candidate_events"), table("coached_hours_entries"),
                              table("practice_reviews"))
    panel, links, demographics = (table("panel_decisions"), table("candidate_assessments"),
                                  table("candidate_demographics"))
    return {
        **export_tables(subject, "candidates", "sprint_panel_members", "sprints"),
        "candidate_events": export_rows("candidate_events", sa.or_(
            events.c.candidate_id.in_(own), events.c.actor_id.in_(subject.user_ids))),
        "candidate_assessments": export_rows("candidate_assessments",
                                             links.c.candidate_id.in_(own)),
        "candidate_demographics": export_rows("candidate_demographics",
                                              demographics.c.candidate_id.in_(own)),
        "coached_hours_entries": export_rows("coached_hours_entries", sa.or_(
            hours.c.candidate_id.in_(own), hours.c.logged_by_id.in_(subject.user_ids),
            hours.c.verified_by_id.in_(subject.user_ids))),
        "practice_reviews": export_rows("practice_reviews", sa.or_(
            reviews.c.candidate_id.in_(own), reviews.c.reviewer_id.in_(subject.user_ids))),
        "panel_decisions": export_rows("panel_decisions", sa.or_(
            panel.c.candidate_id.in_(own), panel.c.member_id.in_(subject.user_ids))),
    }


def erase(ctx: ErasureContext) -> None:
    own = _candidacies(ctx.subject)
    users = list(ctx.subject.user_ids)
    candidates, events, hours = (table("candidates"), table("candidate_events"),
                                 table("coached_hours_entries"))
    reviews, panel = table("practice_reviews"), table("panel_decisions")
    clear_columns(ctx, "candidates", {"application_text": "", "exit_reason": "",
                                      "nomination_reason": ""},
                  where=candidates.c.id.in_(own))
    clear_columns(ctx, "candidates", {"nomination_reason": ""}, columns=["nominated_by_id"])
    clear_columns(ctx, "candidate_events", {"reason": ""}, where=sa.or_(
        events.c.candidate_id.in_(own), events.c.actor_id.in_(users)))
    # The label kept beside the actor id, whatever name it had on the day.
    clear_columns(ctx, "candidate_events", {"actor_label": ctx.pseudonym.name},
                  where=events.c.actor_id.in_(users))
    clear_columns(ctx, "coached_hours_entries", {"note": ""}, where=sa.or_(
        hours.c.candidate_id.in_(own), hours.c.logged_by_id.in_(users)))
    clear_columns(ctx, "practice_reviews", {"notes": ""}, where=sa.or_(
        reviews.c.candidate_id.in_(own), reviews.c.reviewer_id.in_(users)))
    clear_columns(ctx, "panel_decisions", {"reasons": ""}, where=sa.or_(
        panel.c.candidate_id.in_(own), panel.c.member_id.in_(users)))


register_section("selection", export, erase, title="Selection", order=40,
                 tables=["candidates", "candidate_events", "panel_decisions",
                         "sprint_panel_members", "sprints", "coached_hours_entries",
                         "practice_reviews", "candidate_demographics",
                         "candidate_assessments"])
