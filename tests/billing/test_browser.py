"""The billing pages in a real browser: a finance user opens the ministry's invoices, one invoice, downloads its
PDF and CSV; axe-core reports no violation on the new pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from sovcloud import clock as clock_module
from sovcloud.access.actor import Actor, Grant
from sovcloud.access.roles import Role
from sovcloud.billing import metering, service
from sovcloud.catalog.models import Plan
from sovcloud.catalog.seed import seed_catalog
from sovcloud.db import transaction
from sovcloud.inventory.models import Resource, ResourceState
from tests.browser import AXE
from tests.factories import SYSTEM, make_user
from tests.web.test_browser import _login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_finance_reads_an_invoice_and_downloads_it(browser: Any, live_server: str, world, sessions,
                                                   settings) -> None:  # type: ignore[no-untyped-def]
    if settings.database_url.startswith("postgresql"):
        pytest.skip("the same pages on PostgreSQL: the browser journey runs once, on SQLite")
    clock_module.set_clock(clock_module.FrozenClock(datetime(2026, 10, 20, tzinfo=UTC)))  # a past month, billed now
    try:
        with transaction(sessions) as db:
            seed_catalog(db, SYSTEM)
            db.add(Resource(project_id=world.projects["a"].id, kind="server", name="srv", idempotency_key="k",
                            state=ResourceState.ACTIVE, status="ACTIVE", provider_id="p",
                            plan_id=db.scalar(select(Plan.id).where(Plan.code == "s1.small"))))
    finally:
        clock_module.set_clock(clock_module.system_clock)
    with transaction(sessions) as db:
        fa = make_user(db, settings, "fin_a", Role.FINANCE, org=world.orgs["A"])
        metering.meter(db)
        invoice = service.issue_invoice(db, actor=Actor(user_id=None, username="f", grants=(Grant(Role.FINANCE),),
                                                        mfa_verified=True),
                                        organisation_id=world.orgs["A"].id, month="2026-11")
        number, total = invoice.number, invoice.total
    context = browser.new_context(accept_downloads=True, bypass_csp=True)  # CSP bypassed only to inject axe
    context.set_default_timeout(120_000)  # the machine is shared: pages may be slow, never wrong
    page = context.new_page()
    _login(page, live_server, fa)
    page.get_by_role("link", name="Factures").first.click()
    page.get_by_role("link", name=number).click()
    page.get_by_text(f"Total : {total} €").wait_for()
    for label, head in (("Télécharger le PDF", b"%PDF"), ("Télécharger le CSV", b"number;kind")):
        with page.expect_download() as download:
            page.get_by_role("link", name=label).click()
        with open(download.value.path(), "rb") as f:
            assert f.read().startswith(head)
    found: dict[str, list[str]] = {}
    for path in ("/billing", f"/billing/invoices/{number}"):
        page.goto(live_server + path)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
        found.update({path: [f"{v['id']}: {v['help']} {v['nodes'][0]['target']}" for v in violations]}
                     if violations else {})
    context.close()
    assert found == {}
