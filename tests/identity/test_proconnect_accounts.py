"""Which account a ProConnect login opens: reconciled, created just in time where the organisation allows it
(found by SIRET, then e-mail domain), or refused with a page that says what to do; and the operators' mappings."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from sovcloud.audit.models import AuditEvent
from sovcloud.config import get_settings
from sovcloud.identity import federation
from sovcloud.identity.models import OidcLink, User, UserStatus
from sovcloud.tenancy.models import Membership
from tests.factories import SYSTEM
from tests.identity.peer import agent, back, refusals, start, through_provider

SIRET_A, SIRET_B = "11000001500016", "13000000000002"


def log_in(client, who):  # type: ignore[no-untyped-def]
    return back(client, through_provider(start(client), who))


def test_an_agent_of_an_unknown_organisation_is_refused_with_what_to_do(pc_client, agents, sessions):
    r = log_in(pc_client, agent("s-1", "nouvel.agent@inconnu.gouv.fr", siret=SIRET_A))
    assert r.status_code == 403 and "pas encore raccord" in r.text and "no_organisation" in r.text
    assert refusals(sessions, "no_organisation")
    with sessions() as db:
        assert db.scalar(select(User).where(User.email == "nouvel.agent@inconnu.gouv.fr")) is None


def test_no_account_is_created_where_the_organisation_does_not_allow_it(pc_client, agents, sessions):
    with sessions() as db, db.begin():
        federation.add_mapping(db, actor=SYSTEM, kind="domain", value="MINA.gouv.fr",
                               organisation_id=agents.orgs["A"].id)
    r = log_in(pc_client, agent("s-2", "paul@mina.gouv.fr", siret=SIRET_A))
    assert r.status_code == 403 and "jit_not_allowed" in r.text
    assert refusals(sessions, "jit_not_allowed")


def test_just_in_time_account_with_the_role_the_organisation_names(pc_client, agents, sessions):
    with sessions() as db, db.begin():
        federation.add_mapping(db, actor=SYSTEM, kind="domain", value="mina.gouv.fr",
                               organisation_id=agents.orgs["A"].id)
        federation.add_mapping(db, actor=SYSTEM, kind="siret", value=SIRET_B, organisation_id=agents.orgs["B"].id)
        for org in agents.orgs.values():
            federation.set_jit_policy(db, actor=SYSTEM, organisation_id=org.id, allowed=True)
    r = log_in(pc_client, agent("s-3", "Jeanne.Martin@mina.gouv.fr", siret=SIRET_B, given_name="Jeanne",
                                usual_name="Martin"))
    assert r.status_code == 200, r.text
    me = pc_client.get("/api/v1/me").json()
    assert me["username"] == "jeanne.martin"
    with sessions() as db:
        user = db.scalar(select(User).where(User.username == "jeanne.martin"))
        assert user.full_name == "Jeanne Martin" and user.email == "jeanne.martin@mina.gouv.fr"
        [membership] = db.scalars(select(Membership).where(Membership.user_id == user.id)).all()
        # the SIRET is looked up before the e-mail domain
        assert (membership.role, membership.organisation_id) == ("viewer", agents.orgs["B"].id)
        assert db.scalar(select(OidcLink.linked_by).where(OidcLink.user_id == user.id)) == "created_just_in_time"
        created = db.scalar(select(AuditEvent).where(AuditEvent.action == "user.created",
                                                     AuditEvent.target_id == str(user.id)))
        assert created.details["via"] == "proconnect_just_in_time"


def test_a_suspended_account_is_not_reconciled(pc_client, agents, sessions):
    with sessions() as db, db.begin():
        db.get(User, agents.people["viewer"].id).status = UserStatus.SUSPENDED
    r = log_in(pc_client, agent("s-4", "lecteur.a@test.gouv.fr"))
    assert r.status_code == 403 and "suspendu" in r.text
    with sessions() as db:
        assert db.scalar(select(OidcLink)) is None


def test_mappings_are_managed_by_operators_through_the_api(pc_client, pc_app, agents):
    from fastapi.testclient import TestClient

    log_in(pc_client, agent("s-ops", "ops@test.gouv.fr", acr="eidas2"))
    org = str(agents.orgs["A"].id)
    r = pc_client.post("/api/v1/sso/mappings", json={"kind": "siret", "value": SIRET_A, "organisation_id": org})
    assert r.status_code == 201, r.text
    assert pc_client.post("/api/v1/sso/mappings", json={"kind": "siret", "value": SIRET_A,
                                                        "organisation_id": org}).status_code == 409
    bad = pc_client.post("/api/v1/sso/mappings", json={"kind": "siret", "value": "123", "organisation_id": org})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "value"
    jit = pc_client.put(f"/api/v1/sso/organisations/{org}", json={"allowed": True, "role": "finance"})
    assert jit.json() == {"organisation_id": org, "allowed": True, "role": "finance"}
    assert [m["value"] for m in pc_client.get("/api/v1/sso/mappings").json()] == [SIRET_A]
    with TestClient(pc_app) as viewer:
        log_in(viewer, agent("s-viewer", "lecteur.a@test.gouv.fr"))
        assert viewer.get("/api/v1/sso/mappings").status_code == 403
    assert pc_client.delete(f"/api/v1/sso/mappings/{r.json()['id']}").status_code == 204


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_mappings_from_the_cli(agents, settings, sessions, monkeypatch):
    from typer.testing import CliRunner

    from sovcloud.cli.main import app

    monkeypatch.setenv("SOVCLOUD_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SOVCLOUD_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("SOVCLOUD_AUDIT_ANCHOR_PATH", str(settings.audit_anchor_path))
    get_settings.cache_clear()
    glass = ["--break-glass", "raccordement du ministère A"]
    run = CliRunner().invoke
    try:
        added = run(app, [*glass, "sso", "map", "domain", "mina.gouv.fr", "--organisation",
                          str(agents.orgs["A"].id), "-o", "json"], catch_exceptions=False)
        assert added.exit_code == 0, added.output
        assert json.loads(added.output)[0]["value"] == "mina.gouv.fr"
        jit = run(app, [*glass, "sso", "jit", str(agents.orgs["A"].id), "--allow"], catch_exceptions=False)
        assert jit.exit_code == 0, jit.output
        listed = run(app, [*glass, "sso", "list", "-o", "json"], catch_exceptions=False)
        assert [m["value"] for m in json.loads(listed.output)] == ["mina.gouv.fr"]
    finally:
        get_settings.cache_clear()
