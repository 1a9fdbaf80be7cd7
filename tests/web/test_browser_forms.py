"""Forms in a real browser (headless Debian chromium): the order form's estimate follows every field before
the name is typed, changing the offering keeps what was typed, a refused form comes back with its values and
the error next to the field; on a phone the estimate comes before the submit button; axe-core (WCAG 2.1 A/AA
and best practices) finds nothing in error states, at 320 px and in English."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import AXE
from tests.factories import Person
from tests.web.test_browser import _login, _watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.slow]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_violations(page: Any) -> list[str]:
    """axe-core's violations on the page as it is now, with the issue's tags."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})).violations", AXE_TAGS)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['target']})" for v in violations]


def _plan(page: Any, label: str) -> str:
    return next(t for t in page.locator("#f-plan option").all_inner_texts() if t.startswith(label))


def _offering(page: Any, name: str) -> None:
    page.get_by_label("Offre", exact=True).select_option(label=name)
    page.wait_for_load_state("networkidle")


def test_estimate_follows_every_field_before_the_name_is_typed(browser, live_server, world, catalog):
    page = browser.new_page()
    errors = _watch_csp(page)
    _login(page, live_server, world.people["member_a"])
    page.goto(f"{live_server}/orders/new")
    assert page.get_by_label("Nom de la ressource").input_value() == ""
    page.locator("#estimate-monthly", has_text="14,60").wait_for()
    page.get_by_label("Gabarit").select_option(label=_plan(page, "M1 2xlarge"))  # name still empty
    expect(page.locator("#estimate-monthly")).not_to_contain_text("14,60")
    page.get_by_label("Quantité", exact=True).fill("4")  # typed, not even left: the estimate follows
    page.locator("#quota-verdict", has_text="Quota insuffisant").wait_for()
    assert not [e for e in errors if "Content Security Policy" in e], errors
    page.close()


def test_changing_the_offering_keeps_what_was_typed_and_a_refusal_keeps_it_too(browser, live_server, world,
                                                                               catalog):
    page = browser.new_page()
    _login(page, live_server, world.people["member_a"])
    page.goto(f"{live_server}/orders/new")
    page.get_by_label("Nom de la ressource").fill("Mauvais Nom")
    page.get_by_label("Objet de la commande").fill("Projet de recette")
    page.get_by_label("Site", exact=True).select_option("site-b")
    _offering(page, "Volume bloc")
    page.get_by_label("Taille (Go)").wait_for()
    assert page.get_by_label("Nom de la ressource").input_value() == "Mauvais Nom"
    assert page.get_by_label("Objet de la commande").input_value() == "Projet de recette"
    assert page.get_by_label("Site", exact=True).input_value() == "site-b"
    page.get_by_role("button", name="Passer la commande").click()
    page.wait_for_load_state("networkidle")
    group = page.locator(".fr-input-group--error")
    assert group.count() == 1 and "lettres, chiffres et tirets" in group.inner_text()
    assert page.get_by_label("Objet de la commande").input_value() == "Projet de recette"
    assert page.locator("#f-name").get_attribute("aria-describedby") == "f-name-error"
    page.close()


def _phone(browser: Any, base: str, person: Person, *, lang: str = "fr") -> Any:
    context = browser.new_context(viewport={"width": 320, "height": 640}, bypass_csp=True)
    page = context.new_page()
    _login(page, base, person)
    if lang != "fr":
        page.goto(f"{base}/lang/{lang}?next=/")
    return page


def test_on_a_phone_the_estimate_comes_before_the_submit_button(browser, live_server, world, catalog):
    page = _phone(browser, live_server, world.people["member_a"])
    page.goto(f"{live_server}/orders/new")
    estimate = page.locator("#estimate").bounding_box()
    button = page.get_by_role("button", name="Passer la commande").bounding_box()
    assert estimate and button and estimate["y"] + estimate["height"] <= button["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_axe_on_error_states_at_320_px(browser, live_server, world, catalog, lang):
    admin = _phone(browser, live_server, world.people["admin_a"], lang=lang)
    project = world.projects["a"].id
    found: dict[str, list[str]] = {}
    admin.goto(f"{live_server}/projects/{project}")
    admin.locator("#quota summary").click()
    admin.locator("#quota-vcpus").fill("-1")
    admin.evaluate("document.querySelector('#quota form').noValidate = true")  # the server's answer, not the bubble
    admin.locator("#quota button[type=submit]").click()
    admin.locator(".fr-input-group--error").first.wait_for()
    found["quota refused"] = axe_violations(admin)
    admin.goto(f"{live_server}/no-such-page")
    found["404"] = axe_violations(admin)
    admin.context.close()
    member = _phone(browser, live_server, world.people["member_a"], lang=lang)
    member.goto(f"{live_server}/orders/new")
    found["order form"] = axe_violations(member)
    member.locator("#f-name").fill("Pas Bon")
    member.locator("button[form=order-form]:not([formmethod])").click()
    member.locator(".fr-input-group--error").first.wait_for()
    found["order refused"] = axe_violations(member)
    for path in ("/", "/orders", "/resources", "/notifications", "/account"):
        member.goto(live_server + path)
        found[path] = axe_violations(member)
    member.context.close()
    assert {k: v for k, v in found.items() if v} == {}


def test_long_titles_and_names_do_not_stretch_the_tables(browser, live_server, world, catalog, sessions):
    from sovcloud.orders import service as orders
    from tests.factories import actor_for

    title = "T" * 200  # the longest title the services accept, in one unbroken word
    with sessions() as db, db.begin():
        actor = actor_for(db, world.people["member_a"])
        orders.create_order(db, actor=actor, project_id=world.projects["a"].id, title=title, submit=False,
                            items=[orders.ItemIn(plan_id=catalog["vm/s1.small"], name="n" * 56,
                                                 parameters={"image": "debian-12"})])
    for width in (1280, 320):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        _login(page, live_server, world.people["member_a"])
        page.goto(f"{live_server}/orders")
        table = page.locator(".fr-table__container").first
        assert table.evaluate("e => e.scrollWidth <= e.clientWidth + 1") or width == 320, width
        cell = page.locator(f'.sc-cut[title="{title}"]').first.bounding_box()
        assert cell and cell["width"] <= 28 * 16 + 1, cell  # cut, the whole title in its tooltip
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.goto(f"{live_server}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        context.close()
