"""Ordering in a real browser (headless Debian chromium) against the real server with provisioning running:
an agent orders, a project administrator approves, the agent sees the servers ACTIVE, stops one, deletes it;
another ministry cannot reach those pages; axe-core finds no violation on the new pages."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from sovcloud.orders import service as orders
from sovcloud.orders.choices import OrderStatus
from sovcloud.orders.models import Order
from tests.factories import actor_for
from tests.live import free_port
from tests.web.test_browser import _axe, _login, _watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WAIT_MS = 30_000


@pytest.fixture
def cloud_server(settings: Any, sessions: Any, browser: Any, catalog: Any) -> Iterator[str]:
    """The app served by uvicorn, with provisioning running beside it: a thread drains the steps the way a
    worker would, on a simulated cloud whose servers build in 0.2 s."""
    import uvicorn

    from sovcloud.api.app import create_app
    from sovcloud.provisioning import dispatch
    from sovcloud.provisioning.reaper import drain
    from sovcloud.provisioning.runtime import make_runtime

    fast = settings.model_copy(update={"simulator_build_delay_s": 0.2, "poll_interval_s": 0.1})
    app = create_app(fast, install_queue=False)
    dispatch.set_dispatcher(None)
    runtime = make_runtime(fast, lambda step_id, delay: None, provider=app.state.provider)
    stop = threading.Event()

    def worker() -> None:
        while not stop.is_set():
            drain(runtime, max_rounds=50)
            stop.wait(0.1)

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    threads = [threading.Thread(target=server.run, daemon=True), threading.Thread(target=worker, daemon=True)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    stop.set()
    for thread in threads:
        thread.join(timeout=10)


def test_order_approve_deliver_stop_delete(browser, cloud_server, world, chef):
    base = cloud_server
    agent_context = browser.new_context()
    page = agent_context.new_page()
    errors = _watch_csp(page)
    _login(page, base, world.people["member_a"])  # a project member: password only
    page.get_by_role("link", name="Commander").first.click()
    page.wait_for_url(f"{base}/orders/new")
    estimate = page.locator("#estimate-monthly")
    assert "14,60" in estimate.inner_text()  # one s1.small by default
    page.get_by_label("Gabarit").select_option(label=_option(page, "S1 large"))
    page.get_by_label("Nom de la ressource").fill("app")
    page.get_by_label("Quantité", exact=True).fill("4")
    page.get_by_label("Quantité", exact=True).press("Tab")  # change → the estimate follows
    page.locator("#estimate-monthly", has_text="233,60").wait_for()
    assert page.locator("#quota-verdict").text_content() == "Quota suffisant"
    page.get_by_role("button", name="Passer la commande").click()
    page.wait_for_url(re.compile(r"/orders/[0-9a-f-]{36}\?done=created$"))
    order_url = page.url.split("?")[0]
    assert page.locator("#order-status").text_content().strip() == "En attente d'approbation"
    assert page.get_by_text("Coût modéré").count() > 0

    approver = browser.new_context().new_page()
    _login(approver, base, chef)  # a project administrator: password and TOTP
    approver.get_by_role("link", name="Approbations").first.click()
    approver.get_by_label("Commentaire").fill("Budget validé")
    approver.get_by_role("button", name="Approuver").click()
    approver.get_by_text("Décision enregistrée : approuvée.").wait_for()
    approver.context.close()

    page.goto(order_url)  # polls while provisioning, stops once delivered
    page.locator("#order-status", has_text="Livrée").wait_for(timeout=WAIT_MS)
    assert page.get_by_text("Budget validé").is_visible()
    page.get_by_role("link", name="app-1").click()
    page.locator("#resource-state", has_text="Active").wait_for(timeout=WAIT_MS)
    assert "Démarré" in (page.locator("#resource-state").text_content() or "")
    page.get_by_role("button", name="Arrêter").click()
    page.locator("#resource-state", has_text="Arrêté").wait_for(timeout=WAIT_MS)
    page.get_by_role("button", name="Supprimer", exact=True).click()
    page.locator("#confirm-modal-text", has_text="Supprimer définitivement app-1 ?").wait_for()  # DSFR modal
    page.get_by_role("button", name="Supprimer app-1").click()
    page.locator("#resource-state", has_text="Supprimée").wait_for(timeout=WAIT_MS)
    page.goto(f"{base}/resources")
    assert page.get_by_role("link", name="app-1").count() == 0 and page.get_by_role("link", name="app-2").count() == 1
    assert not [e for e in errors if "Content Security Policy" in e], errors
    agent_context.close()


def _option(page: Any, label: str) -> str:
    """The full label of the plan option that starts with ``label``."""
    texts = page.locator("#f-plan option").all_inner_texts()
    return next(t for t in texts if t.startswith(label))


def _seed_orders(sessions: Any, world: Any, catalog: Any) -> tuple[str, str]:
    """A delivered small order and a costly one awaiting approval, placed as agent.a; returns their ids."""
    with sessions() as db, db.begin():
        actor = actor_for(db, world.people["member_a"])
        item = orders.ItemIn(plan_id=catalog["vm/s1.small"], name="web", parameters={"image": "debian-12"})
        small = orders.create_order(db, actor=actor, project_id=world.projects["a"].id, items=[item], title="Site")
        big = orders.create_order(db, actor=actor, project_id=world.projects["a"].id, title="Calcul", items=[
            orders.ItemIn(plan_id=catalog["vm/s1.large"], name="calc", count=4, parameters={"image": "rocky-9"})])
        ids = small.id, big.id
    deadline = time.monotonic() + 30
    while True:
        with sessions() as db:
            if db.get(Order, ids[0]).status == OrderStatus.COMPLETED:  # type: ignore[union-attr]
                return str(ids[0]), str(ids[1])
        assert time.monotonic() < deadline, "the small order was never delivered"
        time.sleep(0.1)


def _resource_id(sessions: Any, order_id: str) -> str:
    from sqlalchemy import select

    from sovcloud.inventory.models import Resource

    with sessions() as db:
        return str(db.scalar(select(Resource.id).where(Resource.order_id == uuid.UUID(order_id))))


def test_another_ministry_cannot_reach_the_order_or_resource(browser, cloud_server, world, catalog, sessions):
    small, _big = _seed_orders(sessions, world, catalog)
    resource = _resource_id(sessions, small)
    page = browser.new_page()
    _login(page, cloud_server, world.people["member_b"])
    for path in (f"/orders/{small}", f"/resources/{resource}"):
        response = page.goto(cloud_server + path)
        assert response is not None and response.status == 404, path
        assert page.get_by_role("heading", level=1).inner_text() == "Introuvable"
    page.goto(f"{cloud_server}/resources?q=web")
    assert page.get_by_role("link", name="web").count() == 0
    page.close()


def test_axe_finds_no_violation_on_ordering_pages(browser, cloud_server, world, catalog, sessions, chef):
    small, big = _seed_orders(sessions, world, catalog)
    resource = _resource_id(sessions, small)
    assert _axe(browser, cloud_server, world.people["member_a"],
                ["/orders/new", "/orders", f"/orders/{small}", f"/orders/{big}", "/resources",
                 f"/resources/{resource}", "/notifications", "/"]) == {}
    assert _axe(browser, cloud_server, chef, ["/approvals"]) == {}
    assert _axe(browser, cloud_server, world.people["operator"],
                ["/operator", "/operator/rules", "/operator/catalogue", "/operator/cleanups",
                 "/orders?scope=all"]) == {}
