"""The default catalogue: vm flavours, volume classes, networks, security groups and public IPs, with a
default price list. Idempotent: what exists is left alone, what is missing is created."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud.access.actor import Actor
from sovcloud.catalog import pricing, service
from sovcloud.catalog.models import Offering, OfferingKind, PriceList, PriceListStatus

D = Decimal

#: offering code, kind, name, description, plans: (code, name, vcpus, ram MiB, disk GB, €/h, €/GB-month)
CATALOGUE: list[tuple[str, OfferingKind, str, str, list[tuple[str, str, int, int, int, Decimal, Decimal]]]] = [
    ("vm", OfferingKind.VM, "Machine virtuelle",
     "Serveur virtuel : gabarit, image, réseau, groupes de sécurité, volume de données, clé SSH, cloud-init.", [
         ("s1.small", "S1 small — 1 vCPU, 2 Gio", 1, 2048, 20, D("0.02"), D("0.04")),
         ("s1.medium", "S1 medium — 2 vCPU, 4 Gio", 2, 4096, 40, D("0.04"), D("0.04")),
         ("s1.large", "S1 large — 4 vCPU, 8 Gio", 4, 8192, 80, D("0.08"), D("0.04")),
         ("s1.xlarge", "S1 xlarge — 8 vCPU, 16 Gio", 8, 16384, 160, D("0.16"), D("0.04")),
         ("m1.2xlarge", "M1 2xlarge — 16 vCPU, 64 Gio", 16, 65536, 160, D("0.45"), D("0.04")),
     ]),
    ("volume", OfferingKind.VOLUME, "Volume bloc", "Stockage bloc persistant, facturé au Go-mois.", [
        ("standard", "Standard", 0, 0, 0, D(0), D("0.04")),
        ("performance", "Performance (SSD)", 0, 0, 0, D(0), D("0.10")),
    ]),
    ("network", OfferingKind.NETWORK, "Réseau privé", "Réseau privé avec un sous-réseau IPv4.", [
        ("standard", "Réseau privé", 0, 0, 0, D(0), D(0)),
    ]),
    ("security_group", OfferingKind.SECURITY_GROUP, "Groupe de sécurité", "Règles de filtrage réseau.", [
        ("standard", "Groupe de sécurité", 0, 0, 0, D(0), D(0)),
    ]),
    ("public_ip", OfferingKind.PUBLIC_IP, "Adresse IP publique", "Adresse IPv4 publique flottante.", [
        ("standard", "IP publique", 0, 0, 0, D("0.005"), D(0)),
    ]),
]
DEFAULT_LIST_NAME = "Tarifs publics"


@dataclass
class SeedReport:
    """What :func:`seed_catalog` created (empty lists and False: everything was already there)."""

    offerings: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)
    price_list_published: bool = False


def seed_catalog(session: Session, actor: Actor) -> SeedReport:
    """Create the default catalogue and, when no default list was ever published, a default price list
    valid from now. Runs through the services, so it is authorized and journaled.

    Raises:
        PermissionDenied: the actor is not a catalogue manager.
    """
    report = SeedReport()
    prices: list[pricing.PriceInput] = []
    for code, kind, name, description, plans in CATALOGUE:
        offering = session.scalar(select(Offering).where(Offering.code == code))
        if offering is None:
            offering = service.create_offering(session, actor=actor, code=code, name=name, kind=kind,
                                               description=description)
            report.offerings.append(code)
        for plan_code, plan_name, vcpus, ram_mb, disk_gb, per_hour, per_gb in plans:
            plan = next((p for p in offering.plans if p.code == plan_code), None)
            if plan is None:
                plan = service.add_plan(session, actor=actor, offering_id=offering.id, code=plan_code,
                                        name=plan_name, vcpus=vcpus, ram_mb=ram_mb, disk_gb=disk_gb)
                report.plans.append(f"{code}/{plan_code}")
            prices.append(pricing.PriceInput(plan.id, per_hour, per_gb))
    published = session.scalar(select(PriceList.id).where(PriceList.group_id.is_(None),
                                                          PriceList.status == PriceListStatus.PUBLISHED).limit(1))
    if published is None:
        draft = pricing.create_price_list(session, actor=actor, name=DEFAULT_LIST_NAME)
        pricing.set_prices(session, actor=actor, price_list_id=draft.id, prices=prices)
        pricing.publish_price_list(session, actor=actor, price_list_id=draft.id)
        report.price_list_published = True
    return report
