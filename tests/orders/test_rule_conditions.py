"""A rule that is saved can always be evaluated (issue 9): conditions are parsed by one model on write and
on evaluation, and a rule stored before that (or edited behind the service's back) fails closed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sovcloud.errors import ValidationFailed
from sovcloud.orders import policies
from sovcloud.orders.choices import RuleOutcome

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=6)
CONDITIONS = st.dictionaries(st.sampled_from([*sorted(policies.CONDITIONS), "colour"]), JSON, max_size=4)
FACTS = st.builds(policies.OrderFacts, monthly_cost=st.decimals(0, 10**6, places=2),
                  classification=st.sampled_from(["standard", "sensitive", "restricted"]),
                  site=st.none() | st.text(max_size=8), organisation_path=st.just("/a/b/"),
                  offering_kinds=st.frozensets(st.sampled_from(["vm", "volume"])),
                  headroom_pct=st.floats(0, 100))


@given(raw=CONDITIONS, facts=FACTS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_whatever_the_parser_accepts_evaluates_on_any_order(raw: dict[str, Any], facts: policies.OrderFacts) -> None:
    try:
        conditions = policies.parse_conditions(raw)
    except ValidationFailed as exc:
        assert exc.errors and all(e["field"].startswith("conditions") for e in exc.errors)
        return
    stored = conditions.stored()
    assert policies.parse_conditions(stored) == conditions  # what is saved reads back the same
    policies._matches(conditions, facts)  # never raises


@pytest.mark.parametrize("raw", [{"min_monthly_cost": "beaucoup"}, {"min_monthly_cost": "NaN"},
                                 {"min_monthly_cost": "Infinity"}, {"max_quota_headroom_pct": "dix"},
                                 {"classifications": "restricted"}, {"offering_kinds": [["vm"]]},
                                 {"organisation_ids": ["pas-un-id"]}, {"sites": [{}]}, {"colour": "red"}])
def test_malformed_conditions_are_refused_when_the_rule_is_saved(db, world, raw):  # type: ignore[no-untyped-def]
    from tests.factories import actor_for

    operator = actor_for(db, world.people["operator"])
    with pytest.raises(ValidationFailed) as caught:
        policies.create_rule(db, actor=operator, name="mauvaise", position=5, outcome=RuleOutcome.AUTO_APPROVE,
                             conditions=raw)
    assert caught.value.errors[0]["field"].startswith("conditions")


def test_a_rule_stored_malformed_fails_closed_instead_of_failing_every_order(db, world):  # type: ignore[no-untyped-def]
    from sovcloud.orders.models import ApprovalRule

    db.add(ApprovalRule(name="héritée", position=1, outcome=RuleOutcome.AUTO_APPROVE,
                        conditions={"min_monthly_cost": "beaucoup"}, enabled=True, approvals_required=0))
    db.flush()
    facts = policies.OrderFacts(Decimal("5"), "standard", None, "/a/", frozenset({"vm"}), 90.0)
    verdict = policies.evaluate(db, facts)
    assert verdict.outcome == RuleOutcome.REQUIRE_APPROVAL and "héritée" in verdict.reason
