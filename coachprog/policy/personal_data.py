"""Policy records in a person's data (issue 24): which policy versions their account
acknowledged, and their opt-outs (with any recorded on their behalf).

Erasure keeps them: an opt-out must go on being honoured for the pseudonymised person (an
erased coachee opted out of recording stays opted out), and an acknowledgement is a version
and a time on an account that is itself pseudonymised. The reason an admin typed for an opt-out
recorded on someone's behalf is emptied with the person's other text.
"""

from __future__ import annotations

from coachprog.personal_data import ErasureContext, clear_columns, register_table_section


def erase(ctx: ErasureContext) -> None:
    clear_columns(ctx, "opt_outs", {"reason": ""}, columns=["person_id"])


register_table_section("policy", ["policy_acknowledgements", "opt_outs"],
                       title="Policy acknowledgements and opt-outs", order=15, erase_fn=erase)
