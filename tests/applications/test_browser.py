"""The application pages in a real browser: from the list to an application's page and the portfolio,
and axe-core finds no violation on any of them."""

from __future__ import annotations

import uuid

import pytest

from sovcloud.applications import service
from sovcloud.clock import now
from sovcloud.inventory.models import Resource, ResourceState
from tests.applications.conftest import homologate
from tests.factories import actor_for
from tests.web.test_browser import _axe, _login, _watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # pages are the same on both: render them once
def test_application_pages_read_well_and_pass_axe(browser, live_server, world, registry, sessions):
    with sessions() as db, db.begin():
        homologate(db, registry, decided_on=now().date(), months=6)
        server = Resource(project_id=world.projects["a"].id, kind="server", name="sirh-web-1",
                          state=ResourceState.ACTIVE, status="ACTIVE", idempotency_key=f"t:{uuid.uuid4()}")
        db.add(server)
        db.flush()
        service.link_resources(db, actor=actor_for(db, registry.owner), application_id=registry.application_id,
                               environment_id=registry.production_id, resource_ids=[server.id])
    context = browser.new_context()
    page = context.new_page()
    errors = _watch_csp(page)
    _login(page, live_server, world.people["member_a"])  # a reader (each TOTP code logs in once: admins below)
    page.get_by_role("link", name="Applications").first.click()
    page.get_by_role("link", name="Système RH").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Système RH")
    assert page.get_by_text("Homologuée").first.is_visible()
    assert page.get_by_role("link", name="sirh-web-1").is_visible()  # the production environment's resource
    page.get_by_role("link", name="Applications").first.click()
    page.get_by_role("link", name="Portefeuille").click()
    assert page.get_by_role("table", name="Nombre d’applications à chaque étape, par organisation").is_visible()
    assert errors == []
    context.close()
    app = registry.application_id
    pages = ["/applications", f"/applications/{app}", "/applications/new", f"/applications/{app}/edit",
             "/applications/portfolio"]
    assert _axe(browser, live_server, registry.owner, pages) == {}  # the manager's forms
    assert _axe(browser, live_server, registry.officer, [f"/applications/{app}"]) == {}  # its review forms
