"""An approval rule no order could ever get through is refused when it is saved, naming why: a role that
cannot approve, or more distinct approvals than people hold the role for any one project the rule applies to.
A rule that becomes unsatisfiable later (people removed) stays saved and is flagged on its orders."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import update

from sovcloud.access.roles import Role
from sovcloud.errors import ValidationFailed
from sovcloud.identity.models import User, UserStatus
from sovcloud.orders import approvers, policies
from sovcloud.orders.choices import RuleOutcome
from tests.factories import actor_for, login, make_user

# (approver role, approvals, organisations named by the rule, extra holders {name: (role, where)}, refused field)
# the world: MINA (admin.a) ⊃ MINA-DIR ⊃ "Projet A"; MINB (admin.b) ⊃ "Projet B"; one platform operator
A, B, DIR = "A", "B", "A1"
CASES = {
    "a viewer cannot approve": ("viewer", 1, None, {}, "approver_role"),
    "a project member cannot approve": ("project_member", 1, None, {}, "approver_role"),
    "a security officer cannot approve": ("security_officer", 1, None, {}, "approver_role"),
    "one organisation admin above each project": ("organisation_admin", 1, None, {}, None),
    "two organisation admins where each has one": ("organisation_admin", 2, None, {}, "approvals_required"),
    "a second admin below, in the rule's organisation": (
        "organisation_admin", 2, [A], {"dir": ("organisation_admin", DIR)}, None),
    "a second admin, but in another organisation": (
        "organisation_admin", 2, [B], {"dir": ("organisation_admin", DIR)}, "approvals_required"),
    "no project admin anywhere": ("project_admin", 1, None, {}, "approvals_required"),
    "two project admins, one per project": (
        "project_admin", 2, None, {"pa": ("project_admin", "a"), "pb": ("project_admin", "b")}, "approvals_required"),
    "two project admins of one project": (
        "project_admin", 2, None, {"pa": ("project_admin", "a"), "pa2": ("project_admin", "a")}, None),
    "a suspended project admin does not count": (
        "project_admin", 1, None, {"gone": ("project_admin", "a!")}, "approvals_required"),
    "finance held on an organisation": ("finance", 1, [A], {"fin": ("finance", A)}, None),
    "finance held on the platform covers every project": ("finance", 1, [B], {"fin": ("finance", "")}, None),
    "one platform operator": ("platform_operator", 1, None, {}, None),
    "two platform operators where there is one": ("platform_operator", 2, None, {}, "approvals_required"),
}


def _holder(db, settings, world, name, role, where):
    suspended = where.endswith("!")
    where = where.rstrip("!")
    person = make_user(db, settings, f"extra.{name}", Role(role), org=world.orgs.get(where) if where in world.orgs
                       else None, project=world.projects.get(where) if where in world.projects else None)
    if suspended:
        db.execute(update(User).where(User.id == person.id).values(status=UserStatus.SUSPENDED))


def _check(db, world, operator, case) -> str | None:
    """What went wrong with one case (None: as expected). Everything is rolled back by the caller."""
    role, required, orgs, _extra, refused = CASES[case]
    conditions = {"organisation_ids": [str(world.orgs[o].id) for o in orgs]} if orgs else {}
    args = {"actor": operator, "outcome": RuleOutcome.REQUIRE_APPROVAL, "approver_role": role,
            "approvals_required": required, "conditions": conditions}
    try:
        policies.create_rule(db, name="r", position=1, **args)
    except ValidationFailed as exc:
        if refused is None:
            return f"refused: {exc.detail}"
        if exc.errors[0]["field"] != refused or role not in exc.detail:
            return f"refused on {exc.errors[0]['field']}: {exc.detail}"
        return _enabling_is_refused_too(db, args)
    return None if refused is None else "accepted"


def _enabling_is_refused_too(db, args) -> str | None:
    # disabled, it may be kept (it decides nothing); enabling it is a save, refused the same way
    rule = policies.create_rule(db, name="off", position=2, enabled=False, **args)
    try:
        policies.update_rule(db, actor=args["actor"], rule_id=rule.id, enabled=True)
    except ValidationFailed:
        return None
    return "enabled"


def test_a_rule_is_refused_at_save_when_no_order_could_meet_it(world, sessions, settings):
    wrong = {}
    for case, (_role, _required, _orgs, extra, _refused) in CASES.items():
        with sessions() as db:
            try:
                for name, (holder_role, where) in extra.items():
                    _holder(db, settings, world, name, holder_role, where)
                db.flush()
                problem = _check(db, world, actor_for(db, world.people["operator"]), case)
                if problem:
                    wrong[case] = problem
            finally:
                db.rollback()
    assert wrong == {}


@pytest.mark.usefixtures("sqlite_only")  # the doors over services tested on both
def test_api_and_portal_name_why_and_a_rule_broken_later_is_flagged_on_its_order(client_factory, world, catalog,
                                                                                 sessions, settings):
    from sovcloud.orders.models import Order
    from tests.web.helpers import csrf_of, portal_login

    with sessions() as db, db.begin():
        chef = make_user(db, settings, "chef.a", Role.PROJECT_ADMIN, project=world.projects["a"])
        ops2 = make_user(db, settings, "ops2", Role.PLATFORM_OPERATOR)  # one TOTP code logs in once
    operator = login(client_factory(), world.people["operator"])
    rule = {"name": "Deux chefs", "position": 1, "outcome": "require_approval", "approver_role": "project_admin",
            "approvals_required": 2}
    r = operator.post("/api/v1/approval-rules", json=rule)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "approvals_required", r.text
    assert "1 personne(s) au plus" in r.json()["detail"]
    ok = operator.post("/api/v1/approval-rules", json={**rule, "name": "Un chef", "approvals_required": 1})
    assert ok.status_code == 201, ok.text
    r = operator.patch(f"/api/v1/approval-rules/{ok.json()['id']}", json={"approvals_required": 2})
    assert r.status_code == 422 and "personne ne pourrait l'approuver" in r.json()["detail"]

    portal = portal_login(client_factory(), ops2)
    token = csrf_of(portal, "/operator/rules")
    page = portal.post("/operator/rules", data={**{k: str(v) for k, v in rule.items()}, "csrf_token": token})
    assert page.status_code == 422 and ("fr-input-group--error" in page.text or "fr-select-group--error" in page.text)
    assert "personne ne pourrait l&#39;approuver" in page.text and 'value="Deux chefs"' in page.text

    # the saved rule becomes unsatisfiable when its only approver is suspended: kept, and flagged per order
    with sessions() as db, db.begin():
        db.execute(update(User).where(User.id == chef.id).values(status=UserStatus.SUSPENDED))
    agent = login(client_factory(), world.people["member_a"])
    item = {"plan_id": str(catalog["vm/s1.small"]), "name": "web", "parameters": {"image": "debian-12"}}
    order = agent.post("/api/v1/orders", json={"project_id": str(world.projects["a"].id), "items": [item]}).json()
    assert order["status"] == "pending_approval" and order["rule_name"] == "Un chef"
    with sessions() as db:
        found = approvers.progress(db, db.get(Order, uuid.UUID(order["id"])))
        assert found is not None and not found.satisfiable and found.eligible_count == 0
