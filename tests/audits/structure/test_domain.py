"""Pure supervision structure rules."""

from __future__ import annotations

from coachprog.audits.structure import domain


def test_structure_warnings() -> None:
    tiers = {1: "master", 2: "lead", 3: "internal", 4: "internal", 5: "internal"}
    names = {1: "Mara", 2: "Lee", 3: "Ida", 4: "Ivo", 5: "Ines"}
    warnings = domain.structure_warnings(
        tiers=tiers, names=names, supervisors_of={2: [1], 3: [2], 4: [3]},
        coaches=[2, 3, 4, 5], min_span=8, max_span=15)
    texts = [w.text for w in warnings]
    assert any("Ivo" in t and "internal coach" in t for t in texts)  # tier violation
    assert any(t == "Ines has no supervisor." for t in texts)
    assert any("Mara has 3 coaches under them; at least 8" in t for t in texts)
    many = {i: [1] for i in range(10, 27)}
    over = domain.structure_warnings(tiers={1: "master"}, names={1: "Mara"},
                                     supervisors_of=many, coaches=[], min_span=8,
                                     max_span=15)
    assert any("at most 15" in w.text for w in over)
