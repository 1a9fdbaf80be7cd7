"""Price lists: which list applies to whom and when, immutability, overlaps, and estimates in Decimal."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from sovcloud.catalog import pricing, service
from sovcloud.catalog.errors import PriceUnavailable
from sovcloud.catalog.models import PriceList, PriceListStatus
from sovcloud.errors import Conflict, ValidationFailed
from sovcloud.tenancy.quotas import Limits
from tests.catalog.conftest import T0, default_list, plan_id, publish
from tests.factories import SYSTEM, make_org

US = timedelta(microseconds=1)


def _group(db, name, *orgs):  # type: ignore[no-untyped-def]
    group = service.create_group(db, actor=SYSTEM, name=name)
    service.set_group_members(db, actor=SYSTEM, group_id=group.id, organisation_ids=[o.id for o in orgs])
    return group


def _hourly(db, org, ref, at=T0):  # type: ignore[no-untyped-def]
    return pricing.price_for(db, organisation_id=org.id, plan_id=plan_id(db, ref), at=at).per_hour


def test_default_list_applies_to_everyone(catalog):
    org = make_org(catalog, "MINX")
    price = pricing.price_for(catalog, organisation_id=org.id, plan_id=plan_id(catalog, "vm/s1.small"), at=T0)
    assert price.per_hour == Decimal("0.020000") and price.group_id is None and price.version == 1
    assert isinstance(price.per_hour, Decimal)


def test_group_list_overrides_default_only_for_its_members(catalog):
    interior, culture = make_org(catalog, "MINI"), make_org(catalog, "MINC")
    group = _group(catalog, "Régaliens", interior)
    publish(catalog, "Régaliens 2027", {"vm/s1.small": ("0.015", "0.03")}, group_id=group.id)
    assert _hourly(catalog, interior, "vm/s1.small") == Decimal("0.015")
    assert _hourly(catalog, culture, "vm/s1.small") == Decimal("0.02")
    # plans the group list copies keep the default amounts, but come from the group's list
    price = pricing.price_for(catalog, organisation_id=interior.id, plan_id=plan_id(catalog, "vm/s1.large"), at=T0)
    assert price.group_id == group.id and price.per_hour == Decimal("0.08")


def test_ancestor_group_applies_to_sub_organisation_and_nearest_group_wins(catalog):
    ministry = make_org(catalog, "MINI")
    directorate = make_org(catalog, "MINI-DNUM", parent=ministry)
    service_ = make_org(catalog, "MINI-DNUM-SI", parent=directorate)
    outer = _group(catalog, "Ministère", ministry)
    publish(catalog, "Ministère", {"vm/s1.small": ("0.018", "0.04")}, group_id=outer.id)
    assert _hourly(catalog, service_, "vm/s1.small") == Decimal("0.018")
    inner = _group(catalog, "Zone direction", directorate)  # name sorts after the outer group
    publish(catalog, "Direction", {"vm/s1.small": ("0.011", "0.04")}, group_id=inner.id)
    assert _hourly(catalog, service_, "vm/s1.small") == Decimal("0.011")
    assert _hourly(catalog, ministry, "vm/s1.small") == Decimal("0.018")


def test_validity_boundaries_and_new_version_closes_the_open_one(catalog, frozen):
    org = make_org(catalog, "MINX")
    v1 = default_list(catalog)
    assert v1.valid_from == T0 and v1.valid_until is None
    with pytest.raises(PriceUnavailable):
        _hourly(catalog, org, "vm/s1.small", at=T0 - US)
    switch = T0 + timedelta(days=30)
    v2 = publish(catalog, "Tarifs 2027-04", {"vm/s1.small": ("0.025", "0.04")}, valid_from=switch)
    assert v2.version == 2 and v1.valid_until == switch
    assert _hourly(catalog, org, "vm/s1.small", at=T0) == Decimal("0.02")
    assert _hourly(catalog, org, "vm/s1.small", at=switch - US) == Decimal("0.02")
    assert _hourly(catalog, org, "vm/s1.small", at=switch) == Decimal("0.025")
    assert _hourly(catalog, org, "vm/s1.small", at=switch + timedelta(days=999)) == Decimal("0.025")


def test_group_list_with_an_end_falls_back_to_default_after_it(catalog):
    org = make_org(catalog, "MINI")
    group = _group(catalog, "Pilote", org)
    end = T0 + timedelta(days=10)
    publish(catalog, "Pilote", {"vm/s1.small": ("0.001", "0")}, group_id=group.id, valid_until=end)
    assert _hourly(catalog, org, "vm/s1.small", at=end - US) == Decimal("0.001")
    assert _hourly(catalog, org, "vm/s1.small", at=end) == Decimal("0.02")


def test_published_list_is_immutable(catalog):
    published = default_list(catalog)
    with pytest.raises(Conflict, match="nouvelle version"):
        pricing.set_prices(catalog, actor=SYSTEM, price_list_id=published.id,
                           prices=[pricing.PriceInput(plan_id(catalog, "vm/s1.small"), Decimal("9"))])
    with pytest.raises(Conflict):
        pricing.publish_price_list(catalog, actor=SYSTEM, price_list_id=published.id)
    assert {p.per_hour for p in published.prices if p.plan_id == plan_id(catalog, "vm/s1.small")} == {Decimal("0.02")}


def test_overlapping_validity_is_refused(catalog):
    org = make_org(catalog, "MINI")
    group = _group(catalog, "Régaliens", org)
    publish(catalog, "Été", {}, group_id=group.id, valid_from=T0 + timedelta(days=10),
            valid_until=T0 + timedelta(days=20))
    with pytest.raises(Conflict, match="chevauchement"):
        publish(catalog, "Chevauche", {}, group_id=group.id, valid_from=T0 + timedelta(days=15))
    with pytest.raises(Conflict, match="chevauchement"):  # open-ended, starting before a later list
        publish(catalog, "Avant", {}, group_id=group.id, valid_from=T0 + timedelta(days=1))
    # back to back is fine, and so is another group over the same dates
    publish(catalog, "Ensuite", {}, group_id=group.id, valid_from=T0 + timedelta(days=20))
    other = _group(catalog, "Autres", make_org(catalog, "MINC"))
    publish(catalog, "Autres", {}, group_id=other.id, valid_from=T0 + timedelta(days=15))
    published = catalog.scalars(select(PriceList).where(PriceList.status == PriceListStatus.PUBLISHED)).all()
    assert len(published) == 4


def test_validity_cannot_start_in_the_past(catalog, frozen):
    frozen.advance(days=1)
    draft = pricing.create_price_list(catalog, actor=SYSTEM, name="Rétroactive", valid_from=T0,
                                      copy_from=default_list(catalog).id)
    with pytest.raises(ValidationFailed, match="passé"):
        pricing.publish_price_list(catalog, actor=SYSTEM, price_list_id=draft.id)
    assert draft.status == PriceListStatus.DRAFT


def test_every_active_plan_must_be_priced(catalog):
    offering = service.create_offering(catalog, actor=SYSTEM, code="vm-gpu", name="GPU", kind="vm")
    service.add_plan(catalog, actor=SYSTEM, offering_id=offering.id, code="g1.large", name="GPU large", vcpus=8,
                     ram_mb=65536, disk_gb=100)
    draft = pricing.create_price_list(catalog, actor=SYSTEM, name="v2", valid_from=T0 + timedelta(days=1),
                                      copy_from=default_list(catalog).id)
    with pytest.raises(ValidationFailed, match=r"vm-gpu/g1\.large"):
        pricing.publish_price_list(catalog, actor=SYSTEM, price_list_id=draft.id)
    service.retire_offering(catalog, actor=SYSTEM, offering_id=offering.id)
    assert pricing.publish_price_list(catalog, actor=SYSTEM, price_list_id=draft.id).is_published


@pytest.mark.parametrize("amount", [0.1, "0.1234567", "-1", "NaN", "abc"])
def test_amounts_are_exact_decimals(catalog, amount):
    draft = pricing.create_price_list(catalog, actor=SYSTEM, name="v2", copy_from=default_list(catalog).id)
    with pytest.raises(ValidationFailed):
        pricing.set_prices(catalog, actor=SYSTEM, price_list_id=draft.id,
                           prices=[pricing.PriceInput(plan_id(catalog, "vm/s1.small"), amount)])  # type: ignore[arg-type]


def test_estimate_vm_with_data_volume(catalog):
    org = make_org(catalog, "MINX")
    est = pricing.estimate(catalog, organisation_id=org.id, plan_id=plan_id(catalog, "vm/s1.medium"),
                           parameters={"image": "debian-12", "data_volume_gb": 50, "ssh_key": "ssh-ed25519 AAAA"})
    # 0.04 €/h × 730 h + 50 GB × 0.04 €/GB-month = 29.20 + 2.00
    assert est.monthly == Decimal("31.20") and isinstance(est.monthly, Decimal)
    assert est.hourly == Decimal("0.04")  # 0.04 + 2.00 / 730 = 0.04274
    assert est.storage_gb == 50
    assert est.footprint == Limits(vcpus=2, ram_mb=4096, storage_gb=40 + 50, instances=1, public_ips=0)


def test_estimate_rounds_half_up_to_the_cent(catalog):
    org = make_org(catalog, "MINX")
    ip = pricing.estimate(catalog, organisation_id=org.id, plan_id=plan_id(catalog, "public_ip/standard"))
    assert (ip.hourly, ip.monthly) == (Decimal("0.01"), Decimal("3.65"))  # 0.005 → 0.01 (half even would give 0.00)
    assert ip.footprint == Limits(public_ips=1)
    group = _group(catalog, "Demi-cent", org)
    publish(catalog, "Demi-cent", {"volume/standard": ("0", "0.125")}, group_id=group.id)
    vol = pricing.estimate(catalog, organisation_id=org.id, plan_id=plan_id(catalog, "volume/standard"),
                           parameters={"size_gb": 1})
    assert vol.monthly == Decimal("0.13") and vol.footprint == Limits(storage_gb=1)
    big = pricing.estimate(catalog, organisation_id=make_org(catalog, "MINY").id,
                           plan_id=plan_id(catalog, "volume/performance"), parameters={"size_gb": 333})
    assert big.monthly == Decimal("33.30") and big.hourly == Decimal("0.05")  # 33.3 / 730 = 0.0456


@pytest.mark.parametrize(("ref", "params"), [
    ("volume/standard", {}),
    ("volume/standard", {"size_gb": 0}),
    ("vm/s1.small", {"image": "debian", "data_volume_gb": -5}),
    ("vm/s1.small", {"image": "debian", "colour": "blue"}),
    ("network/standard", {"cidr": "8.8.8.0/24"}),
])
def test_estimate_refuses_bad_parameters(catalog, ref, params):
    org = make_org(catalog, "MINX")
    with pytest.raises(ValidationFailed, match="Paramètre"):
        pricing.estimate(catalog, organisation_id=org.id, plan_id=plan_id(catalog, ref), parameters=params)
