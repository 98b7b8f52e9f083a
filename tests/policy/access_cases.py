"""Policy routes (issue 24) in the access matrix. The matrix's users have no directory record,
so their own opt-out page refuses them (tests/policy/test_views.py covers people
who have one)."""

from __future__ import annotations

from tests.access import ADMIN_ONLY, Case, statuses

CASES = [
    Case("policy.use_cases", "GET", lambda o: "/governance/use-cases", statuses(200)),
    Case("policy.data_use", "GET", lambda o: "/governance/data-use", statuses(200)),
    Case("policy.acknowledge", "GET", lambda o: "/governance/acknowledge", statuses(200)),
    Case("policy.acknowledge", "POST", lambda o: "/governance/acknowledge", statuses(302)),
    Case("policy.my_opt_outs", "GET", lambda o: "/governance/my-opt-outs", statuses(403)),
    Case("policy.my_opt_outs", "POST", lambda o: "/governance/my-opt-outs", statuses(403),
         body={"kind": "recording", "opted_out": "yes"}),
    Case("policy.manage_opt_outs", "GET", lambda o: "/governance/opt-outs", ADMIN_ONLY),
    # An empty form comes back with its problems listed.
    Case("policy.manage_opt_outs", "POST", lambda o: "/governance/opt-outs", ADMIN_ONLY),
    Case("policy.retention_register", "GET", lambda o: "/governance/retention", ADMIN_ONLY),
]
