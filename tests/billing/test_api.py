"""Billing through the API: finance issues and credits in its scope, an organisation admin reads its own,
nobody reaches another ministry's documents; exports (CSV, JSON, PDF read back with pdftotext)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import select

from sovcloud import clock as clock_module
from sovcloud.access.roles import Role
from sovcloud.billing import metering
from sovcloud.catalog.models import Plan
from sovcloud.catalog.seed import seed_catalog
from sovcloud.db import transaction
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.tenancy.models import Project
from tests.conftest import service_missing
from tests.factories import SYSTEM, login, make_user
from tests.web.helpers import csrf_of


def portal_login(client, person):  # type: ignore[no-untyped-def]
    """Log in through the portal's forms, the TOTP code taken at the (frozen) clock's time, a new time step
    each time (a code is accepted once)."""
    clock_module.set_clock(clock_module.FrozenClock(clock_module.now() + timedelta(seconds=31)))
    r = client.post("/login", data={"username": person.username, "password": person.password,
                                    "csrf_token": csrf_of(client)}, follow_redirects=False)
    if r.headers["location"] == "/login/totp":
        r = client.post("/login/totp", data={"code": pyotp.TOTP(person.seed).at(clock_module.now()),
                                             "csrf_token": csrf_of(client, "/login/totp")}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/", r.text[:300]
    return client


def _bill_world(world, sessions, settings):  # type: ignore[no-untyped-def]
    """A server in each ministry through January 2027, metered; finance users of A and B."""
    frozen = clock_module.FrozenClock(datetime(2026, 12, 20, tzinfo=UTC))
    clock_module.set_clock(frozen)
    with transaction(sessions) as db:
        seed_catalog(db, SYSTEM)
        for code in ("a", "b"):
            project = world.projects[code]
            db.add(Resource(project_id=project.id, kind="server", name=f"srv-{code}", idempotency_key=f"k-{code}",
                            state=ResourceState.ACTIVE, status="ACTIVE", provider_id=f"p-{code}",
                            plan_id=db.scalar(select(Plan.id).where(Plan.code == "s1.small"))))
        fa = make_user(db, settings, "fin_a", Role.FINANCE, org=world.orgs["A"])
        fb = make_user(db, settings, "fin_b", Role.FINANCE, org=world.orgs["B"])
    frozen.current = datetime(2027, 2, 2, tzinfo=UTC)
    with transaction(sessions) as db:
        metering.meter(db)
    return fa, fb


def test_finance_issues_credits_and_exports_only_in_its_scope(client, client_factory, world, sessions,  # type: ignore[no-untyped-def]
                                                              settings):
    try:
        fa, _ = _bill_world(world, sessions, settings)
        a, b = str(world.orgs["A"].id), str(world.orgs["B"].id)
        login(client, world.people["admin_a"])
        draft = client.get(f"/api/v1/billing/organisations/{a}/draft", params={"month": "2027-01"}).json()
        assert draft["total"] == "14.88" and draft["by_offering"] == [{"key": "vm", "amount": "14.88"}]  # 744 h
        r = client.post(f"/api/v1/billing/organisations/{a}/invoices", json={"month": "2027-01"})
        assert r.status_code == 403  # an organisation admin reads, finance issues
        login(client, fa)
        assert client.post(f"/api/v1/billing/organisations/{b}/invoices", json={"month": "2027-01"}).status_code == 404
        r = client.post(f"/api/v1/billing/organisations/{a}/invoices", json={"month": "2027-01"})
        assert r.status_code == 201, r.text
        number = r.json()["number"]
        assert number == "SC-2027-000001" and r.json()["total"] == "14.88"
        r = client.post("/api/v1/billing/credit-notes", json={"number": number, "reason": "Geste", "amount": "4.88"})
        assert r.status_code == 201 and r.json()["total"] == "-4.88" and r.json()["number"] == "AV-2027-000001"
        docs = client.get("/api/v1/billing/invoices").json()
        assert {d["number"] for d in docs} == {number, "AV-2027-000001"}
        assert sum(float(d["total"]) for d in docs) == 10.0
        rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/billing/invoice",
                                                          params={"number": number, "format": "csv"}).text),
                                   delimiter=";"))
        assert [r["amount"] for r in rows] == ["14.88"]
        month = json.loads(client.get("/api/v1/billing/export", params={"month": "2027-01", "format": "json"}).text)
        assert {d["number"] for d in month} == {number, "AV-2027-000001"}
        pdf = client.get("/api/v1/billing/invoice", params={"number": number, "format": "pdf"})
        assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
        if shutil.which("pdftotext") is None:
            service_missing("pdftotext", "poppler-utils is not installed")
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True,
                              check=True).stdout.decode()
        assert "Total : 14.88 €" in text and number in text and "SHA-256" in text
        login(client, world.people["admin_b"])  # an admin of B sees none of A's documents
        assert client.get("/api/v1/billing/invoice", params={"number": number}).status_code == 404
        assert client.get("/api/v1/billing/invoices").json() == []
        # the portal: the list, the document (same template as the PDF), its downloads; nothing for B
        portal = portal_login(client_factory(), fa)
        assert number in portal.get("/billing").text
        page = portal.get(f"/billing/invoices/{number}")
        assert page.status_code == 200 and "Total : 14.88 €" in page.text and "SHA-256" in page.text
        assert portal.get(f"/billing/invoices/{number}/pdf").content.startswith(b"%PDF")
        assert "14.88" in portal.get(f"/billing/invoices/{number}/csv").text
        other = portal_login(client_factory(), world.people["admin_b"])
        assert other.get(f"/billing/invoices/{number}").status_code == 404
        assert other.get(f"/billing/invoices/{number}/pdf").status_code == 404
    finally:
        clock_module.set_clock(clock_module.system_clock)


def test_other_ministry_documents_are_not_found(client, world, sessions, settings):  # type: ignore[no-untyped-def]
    try:
        fa, _ = _bill_world(world, sessions, settings)
        login(client, fa)
        number = client.post(f"/api/v1/billing/organisations/{world.orgs['A'].id}/invoices",
                             json={"month": "2027-01"}).json()["number"]
        login(client, world.people["member_b"])
        assert client.get("/api/v1/billing/invoice", params={"number": number}).status_code == 404
        assert client.get("/api/v1/billing/invoices").json() == []
        assert client.post("/api/v1/billing/credit-notes", json={"number": number, "reason": "x"}).status_code == 404
        assert client.post("/api/v1/billing/settlements",
                           json={"number": number, "status": "paid"}).status_code == 404
        export = client.get("/api/v1/billing/export", params={"month": "2027-01"}).text
        assert number not in export
        with sessions() as db:
            project = db.get(Project, world.projects["a"].id)
            assert project is not None
        r = client.put(f"/api/v1/billing/projects/{project.id}/imputation", json={"bop": "0216-CBOP"})
        assert r.status_code in (403, 404)
    finally:
        clock_module.set_clock(clock_module.system_clock)
