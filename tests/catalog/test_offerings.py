"""Offerings and plans: visibility by group, retirement, operator-only writes, audit, the seed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sovcloud.audit import service as audit_service
from sovcloud.audit.models import AuditEvent
from sovcloud.catalog import pricing, service
from sovcloud.catalog.errors import NotOrderable
from sovcloud.catalog.models import Offering, Plan, PriceList
from sovcloud.catalog.parameters import footprint
from sovcloud.catalog.seed import seed_catalog
from sovcloud.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sovcloud.tenancy.quotas import Limits
from tests.catalog.conftest import plan_id
from tests.factories import SYSTEM, actor_for


def _restricted(db, world, *orgs):  # type: ignore[no-untyped-def]
    group = service.create_group(db, actor=SYSTEM, name="Réservé A")
    service.set_group_members(db, actor=SYSTEM, group_id=group.id, organisation_ids=[o.id for o in orgs])
    offering = service.create_offering(db, actor=SYSTEM, code="vm-classified", name="VM Diffusion restreinte",
                                       kind="vm", restricted_to=[group.id])
    plan = service.add_plan(db, actor=SYSTEM, offering_id=offering.id, code="dr.small", name="DR small", vcpus=2,
                            ram_mb=4096, disk_gb=40)
    return offering, plan


def test_restricted_offering_only_for_its_group_and_subtree(world, catalog):
    offering, plan = _restricted(catalog, world, world.orgs["A"])
    for_a1 = service.offerings_for(catalog, actor=SYSTEM, organisation_id=world.orgs["A1"].id)
    for_b = service.offerings_for(catalog, actor=SYSTEM, organisation_id=world.orgs["B"].id)
    assert offering.code in [o.code for o in for_a1]
    assert offering.code not in [o.code for o in for_b]
    assert {"vm", "volume", "network", "security_group", "public_ip"} <= {o.code for o in for_b}
    with pytest.raises(NotFound):
        pricing.orderable_plan(catalog, organisation_id=world.orgs["B"].id, plan_id=plan.id)
    member_b = actor_for(catalog, world.people["member_b"])
    with pytest.raises(NotFound):
        service.get_offering(catalog, actor=member_b, offering_id=offering.id)
    assert offering.code not in [o.code for o in service.list_offerings(catalog, actor=member_b)]
    member_a = actor_for(catalog, world.people["member_a"])  # in a project of A's directorate
    assert service.get_offering(catalog, actor=member_a, offering_id=offering.id).id == offering.id


def test_offerings_for_checks_the_reader(world, catalog):
    member_b = actor_for(catalog, world.people["member_b"])
    with pytest.raises(NotFound):  # another ministry's organisation is not even visible
        service.offerings_for(catalog, actor=member_b, organisation_id=world.orgs["A"].id)
    assert service.offerings_for(catalog, actor=member_b, organisation_id=world.orgs["B"].id)


def test_retired_offering_and_plan_are_not_orderable(world, catalog):
    volume = catalog.scalar(select(Offering).where(Offering.code == "volume"))
    service.retire_plan(catalog, actor=SYSTEM, plan_id=plan_id(catalog, "vm/s1.small"))
    service.retire_offering(catalog, actor=SYSTEM, offering_id=volume.id)
    codes = [o.code for o in service.offerings_for(catalog, actor=SYSTEM, organisation_id=world.orgs["B"].id)]
    assert "volume" not in codes
    vm = next(o for o in service.offerings_for(catalog, actor=SYSTEM, organisation_id=world.orgs["B"].id)
              if o.code == "vm")
    assert "s1.small" not in [p.code for p in vm.active_plans]
    for ref, params in [("volume/standard", {"size_gb": 10}), ("vm/s1.small", {"image": "debian"})]:
        with pytest.raises(NotOrderable):
            pricing.estimate(catalog, organisation_id=world.orgs["B"].id, plan_id=plan_id(catalog, ref),
                             parameters=params)
    with pytest.raises(Conflict):
        service.retire_offering(catalog, actor=SYSTEM, offering_id=volume.id)


@pytest.mark.parametrize("who", ["member_a", "admin_a", "viewer_a", "security"])
def test_only_catalogue_managers_write(world, catalog, who):
    actor = actor_for(catalog, world.people[who])
    offering = catalog.scalar(select(Offering).where(Offering.code == "vm"))
    draft_list = catalog.scalar(select(PriceList))
    attempts = [
        lambda: service.create_offering(catalog, actor=actor, code="x1", name="X", kind="vm"),
        lambda: service.add_plan(catalog, actor=actor, offering_id=offering.id, code="x.small", name="X",
                                 vcpus=1, ram_mb=512, disk_gb=10),
        lambda: service.retire_offering(catalog, actor=actor, offering_id=offering.id),
        lambda: service.create_group(catalog, actor=actor, name="G"),
        lambda: service.list_groups(catalog, actor=actor),
        lambda: pricing.create_price_list(catalog, actor=actor, name="L"),
        lambda: pricing.publish_price_list(catalog, actor=actor, price_list_id=draft_list.id),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()


def test_every_change_is_journaled(world, catalog, frozen):
    audit_service.chain_pending(catalog)  # entries are chained at commit; this test counts them before
    before = catalog.scalar(select(func.count()).select_from(AuditEvent))
    offering, plan = _restricted(catalog, world, world.orgs["A"])
    service.update_offering(catalog, actor=SYSTEM, offering_id=offering.id, name="VM DR", restricted_to=[])
    draft = pricing.create_price_list(catalog, actor=SYSTEM, name="v2",
                                      copy_from=catalog.scalar(select(PriceList.id)))
    pricing.set_prices(catalog, actor=SYSTEM, price_list_id=draft.id,
                       prices=[pricing.PriceInput(plan.id, per_hour=pricing.Decimal("0.05"))])
    frozen.advance(hours=1)
    pricing.publish_price_list(catalog, actor=SYSTEM, price_list_id=draft.id)
    audit_service.chain_pending(catalog)
    actions = list(catalog.scalars(select(AuditEvent.action).order_by(AuditEvent.seq).offset(before)))
    assert actions == ["catalog.group.created", "catalog.group.members_set", "catalog.offering.created",
                       "catalog.plan.created", "catalog.offering.updated", "catalog.price_list.created",
                       "catalog.price_list.prices_set", "catalog.price_list.superseded",
                       "catalog.price_list.published"]
    event = catalog.scalar(select(AuditEvent).where(AuditEvent.action == "catalog.price_list.prices_set",
                                               AuditEvent.target_id == str(draft.id)))
    assert event.details["prices"]["vm-classified/dr.small"]["per_hour"] == "0.050000"
    assert event.actor_name == "tests" and event.target_type == "catalog_price_list"


def test_seed_is_idempotent(catalog):
    counts = (catalog.scalar(select(func.count()).select_from(Offering)),
              catalog.scalar(select(func.count()).select_from(Plan)),
              catalog.scalar(select(func.count()).select_from(PriceList)))
    assert counts == (5, 10, 1)
    report = seed_catalog(catalog, SYSTEM)
    assert (report.offerings, report.plans, report.price_list_published) == ([], [], False)
    assert catalog.scalar(select(func.count()).select_from(Plan)) == 10


def test_plan_sizes_follow_the_kind(catalog):
    network = catalog.scalar(select(Offering).where(Offering.code == "network"))
    vm = catalog.scalar(select(Offering).where(Offering.code == "vm"))
    with pytest.raises(ValidationFailed):
        service.add_plan(catalog, actor=SYSTEM, offering_id=network.id, code="big", name="Big", vcpus=4)
    with pytest.raises(ValidationFailed):
        service.add_plan(catalog, actor=SYSTEM, offering_id=vm.id, code="empty", name="Empty")
    with pytest.raises(Conflict):
        service.add_plan(catalog, actor=SYSTEM, offering_id=vm.id, code="s1.small", name="Again", vcpus=1,
                         ram_mb=2048, disk_gb=20)
    with pytest.raises(Conflict):
        service.create_offering(catalog, actor=SYSTEM, code="vm", name="VM bis", kind="vm")
    with pytest.raises(ValidationFailed):
        service.create_offering(catalog, actor=SYSTEM, code="db", name="Base", kind="dbaas")


def test_footprints(catalog):
    def plan(ref):  # type: ignore[no-untyped-def]
        return catalog.get(Plan, plan_id(catalog, ref))

    assert footprint(plan("m1.2xlarge" and "vm/m1.2xlarge"), {"image": "rhel"}) == Limits(16, 65536, 160, 1, 0)
    assert footprint(plan("volume/performance"), {"size_gb": 500}) == Limits(storage_gb=500)
    assert footprint(plan("network/standard"), {"cidr": "10.1.0.0/24"}) == Limits()
    assert footprint(plan("security_group/standard"), {"rules": [{"protocol": "tcp", "port_min": 22,
                                                                  "port_max": 22}]}) == Limits()
    assert footprint(plan("public_ip/standard"), None) == Limits(public_ips=1)
