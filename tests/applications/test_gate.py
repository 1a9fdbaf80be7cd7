"""The homologation gate of the order policy: a production order without a valid homologation is refused
(or waits) with the explanation on the order; with one it passes; after expiry it is blocked again, the
owner and the security officer are told once, and nothing running is deleted."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from sovcloud.applications import portfolio, service
from sovcloud.applications.choices import HomologationStatus
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.orders import policies
from sovcloud.orders.models import ApprovalRule
from sovcloud.provisioning import periodic
from sovcloud.provisioning.models import Step, StepKind
from sovcloud.provisioning.reaper import drain
from sovcloud.supervision.models import Notification
from tests.applications.conftest import homologate
from tests.factories import SYSTEM, actor_for, login


def _order(client, world, catalog, env_id, name="web"):  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/orders", json={
        "project_id": str(world.projects["a"].id), "application_environment_id": str(env_id),
        "items": [{"plan_id": str(catalog["vm/s1.small"]), "name": name, "parameters": {"image": "debian-12"}}]})
    assert r.status_code == 201, r.text
    return r.json()


def _notes(sessions, person, word):  # type: ignore[no-untyped-def]
    with sessions() as db:
        return list(db.scalars(select(Notification.message).where(Notification.user_id == person.id,
                                                                  Notification.message.contains(word))))


def test_production_orders_need_a_valid_homologation(client, world, registry, catalog, runtime, sessions, clock):
    agent = login(client, world.people["member_a"])
    refused = _order(agent, world, catalog, registry.production_id)
    assert refused["status"] == "rejected" and refused["rule_name"] == "Production sans homologation"
    assert refused["rule_reason"] == ("environnement production de l'application « Système RH » sans homologation "
                                      "valide (elle n'a pas de dossier d'homologation)")
    assert refused["application_environment_id"] == str(registry.production_id)
    assert _order(agent, world, catalog, registry.recette_id)["status"] == "provisioning"  # recette: no gate
    # the environment is checked at draft time: one of another project is refused, naming the field
    r = agent.post("/api/v1/orders", json={"project_id": str(world.projects["a"].id), "submit": False,
                                           "application_environment_id": str(registry.application_id),
                                           "items": [{"plan_id": str(catalog["vm/s1.small"]), "name": "x",
                                                      "parameters": {"image": "debian-12"}}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "application_environment_id", r.text

    with sessions() as db, db.begin():  # the policy may say "wait" instead of "refuse": the same explanation
        rule = db.scalar(select(ApprovalRule).where(ApprovalRule.name == "Production sans homologation"))
        policies.update_rule(db, actor=SYSTEM, rule_id=rule.id, outcome="require_approval",
                             approver_role="organisation_admin", approvals_required=1)
    waiting = _order(agent, world, catalog, registry.production_id, name="attente")
    assert waiting["status"] == "pending_approval" and waiting["rule_reason"] == refused["rule_reason"]

    with sessions() as db, db.begin():
        dossier = homologate(db, registry, decided_on=clock().date(), months=6)
        expires_at, remind_at = dossier.expires_at, dossier.remind_at
    passed = _order(agent, world, catalog, registry.production_id)
    assert passed["status"] == "provisioning" and passed["rule_name"] == "Petites commandes"
    drain(runtime)
    assert (expires_at - remind_at).days in range(59, 63)  # 6 months of validity: reminded 2 months before
    with sessions() as db, db.begin():  # the portfolio: the resource serving production and its monthly cost
        owner = actor_for(db, registry.owner)
        vm = db.scalar(select(Resource.id).where(Resource.order_id == uuid.UUID(passed["id"])))
        service.link_resources(db, actor=owner, application_id=registry.application_id,
                               environment_id=registry.production_id, resource_ids=[vm])
        line = portfolio.portfolio(db, actor=owner).lines[0]
    assert (line.resources, line.unpriced, line.monthly_cost) == (1, 0, Decimal(passed["estimate_monthly"]))
    assert line.homologation == HomologationStatus.VALID and line.monthly_cost > 0

    reminders = next(j for j in periodic.jobs(runtime) if j.name == "homologation-reminders")
    clock.current = remind_at + timedelta(hours=1)
    assert periodic.run_round(runtime, reminders)
    assert not periodic.run_round(runtime, reminders)  # same period: the lease holds, no second round
    clock.advance(seconds=reminders.period_s + 1)
    assert periodic.run_round(runtime, reminders)  # a later round finds nothing left to send
    for person in (registry.owner, registry.officer):
        assert len(_notes(sessions, person, "expire le")) == 1, person
    assert _notes(sessions, world.people["security"], "expire le") == []  # the ministry's officer, not the platform's

    clock.current = expires_at + timedelta(minutes=5)
    agent = login(client, world.people["member_a"])  # months later: a new session
    blocked = _order(agent, world, catalog, registry.production_id, name="web2")
    assert blocked["status"] == "pending_approval"  # the rule now asks for approval, with its explanation
    assert blocked["rule_reason"].endswith(f"(l'homologation a expiré le {expires_at:%d/%m/%Y})")
    assert periodic.run_round(runtime, reminders)
    clock.advance(seconds=reminders.period_s + 1)
    assert periodic.run_round(runtime, reminders)
    for person in (registry.owner, registry.officer):
        assert len(_notes(sessions, person, "a expiré")) == 1, person
    with sessions() as db:  # nothing running was touched
        live = db.scalar(select(func.count()).select_from(Resource).where(Resource.state == ResourceState.ACTIVE))
        deletions = db.scalar(select(func.count()).select_from(Step).where(Step.kind == StepKind.DELETE))
    assert live == 2 and deletions == 0
