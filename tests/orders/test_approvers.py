"""An order waiting for approval says who still has to approve ("1 approbation sur 2", the eligible people),
flags a rule that cannot be met instead of waiting in silence, tells its approvers, and the menu of each
approver counts the orders waiting for them."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from sovcloud.orders import approvers
from sovcloud.orders.models import Order
from sovcloud.supervision.models import Notification
from tests.factories import login
from tests.web.helpers import portal_login


def _restricted(client, world, catalog):
    item = {"plan_id": str(catalog["vm/s1.small"]), "name": "web", "parameters": {"image": "debian-12"}}
    r = client.post("/api/v1/orders", json={"project_id": str(world.projects["a"].id), "items": [item],
                                            "classification": "restricted", "title": "Données DR"})
    assert r.status_code == 201, r.text
    return r.json()


def test_a_rule_no_one_can_meet_is_flagged_and_approvers_are_told(client_factory, world, catalog, sessions):
    agent = login(client_factory(), world.people["member_a"])
    order = _restricted(agent, world, catalog)  # two distinct organisation admins; MINA has one
    assert order["status"] == "pending_approval" and order["approvals_required"] == 2
    with sessions() as db:
        found = db.get(Order, uuid.UUID(order["id"]))
        assert found is not None
        progress = approvers.progress(db, found)
        assert progress is not None and (progress.given, progress.required) == (0, 2)
        assert progress.eligible == ["admin.a"] and not progress.satisfiable
        told = {n.user_id: n.message for n in db.scalars(select(Notification).where(
            Notification.subject_id == found.id))}
    assert "à approuver" in told[world.people["admin_a"].id]
    assert "1 personne(s) seulement" in told[world.people["member_a"].id]
    page = portal_login(client_factory(), world.people["member_a"]).get(f"/orders/{order['id']}").text
    assert "0 approbation sur 2" in page and "admin.a" in page and 'id="approval-unsatisfiable"' in page
    admin = portal_login(client_factory(), world.people["admin_a"])
    menu = admin.get("/").text
    waiting = re.search(r'id="approvals-waiting">(\d+)<', menu)
    assert waiting and waiting.group(1) == "1"


def test_progress_counts_the_approvals_given(client_factory, world, catalog, sessions, settings):
    from sovcloud.access.roles import Role
    from tests.factories import make_user

    with sessions() as db, db.begin():
        make_user(db, settings, "admin2.a", Role.ORGANISATION_ADMIN, org=world.orgs["A"])
    order = _restricted(login(client_factory(), world.people["member_a"]), world, catalog)
    admin = login(client_factory(), world.people["admin_a"])
    assert admin.post(f"/api/v1/orders/{order['id']}/decision", json={"decision": "approve"}).status_code == 200
    page = portal_login(client_factory(), world.people["member_a"]).get(f"/orders/{order['id']}").text
    assert "1 approbation sur 2" in page and 'id="approval-unsatisfiable"' not in page
    eligible = re.search(r'id="eligible-approvers">([^<]*)<', page)
    assert eligible and "admin2.a" in eligible.group(1) and "admin.a," not in eligible.group(1)


def test_an_automatic_approval_is_the_policys_and_the_journal_reads_in_words(client_factory, world, catalog,
                                                                              sessions):
    from sovcloud.audit.models import AuditEvent
    from sovcloud.orders.service import POLICY_ACTOR

    agent = login(client_factory(), world.people["member_a"])
    item = {"plan_id": str(catalog["vm/s1.small"]), "name": "web", "parameters": {"image": "debian-12"}}
    order = agent.post("/api/v1/orders", json={"project_id": str(world.projects["a"].id), "items": [item]}).json()
    assert order["status"] == "provisioning"
    with sessions() as db:
        by = {e.action: e.actor_name for e in db.scalars(select(AuditEvent).where(AuditEvent.target_id == order["id"]))}
    assert by["order.created"] == "agent.a" and by["order.approved"] == POLICY_ACTOR
    page = portal_login(client_factory(), world.people["security"]).get(f"/audit?target_id={order['id']}").text
    row = next(r for r in page.split("<tr>") if "order.approved" in r)
    assert "Commande : approuvée" in row and POLICY_ACTOR.replace("'", "&#39;") in row and "Réussi" in row
    assert ">success<" not in page
