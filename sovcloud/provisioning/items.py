"""The inventory rows an order item will become, written before any provider call so nothing the cloud
creates can go unknown."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from sovcloud.catalog.models import Offering, Plan
from sovcloud.errors import ValidationFailed
from sovcloud.inventory.lookup import find_in_project
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.orders.models import Order, OrderItem
from sovcloud.provisioning.models import Step

#: ``attributes`` keys of a resource row written by provisioning
SENT = "sent"  #: its create was (about to be) sent to the provider: it may exist there
OUTCOME = "outcome"  #: how a failed order ended it: one of the values below
NOT_CREATED = "not_created"  #: never created in the cloud (its order failed first)
REMOVED = "removed"  #: created, then deleted when its order failed
CLEANUP_FAILED = "cleanup_failed"  #: its order failed and deleting it failed too: it may still exist

KIND_OF_OFFERING = {"vm": "server", "volume": "volume", "network": "network", "security_group": "security_group",
                    "public_ip": "public_ip"}


@dataclass(frozen=True)
class ItemFacts:
    """What a CREATE step needs of its order item, order and plan — read in one query."""

    name: str
    count: int
    parameters: dict[str, Any]
    order_id: uuid.UUID
    project_id: uuid.UUID
    site: str | None
    end_date: datetime | None
    plan_id: uuid.UUID
    plan_code: str
    vcpus: int
    ram_mb: int
    disk_gb: int
    public_ips: int
    offering_kind: str


def item_facts(session: Session, step: Step) -> ItemFacts:
    row = session.execute(
        select(OrderItem.name, OrderItem.count, OrderItem.parameters, Order.id, Order.project_id,
               Order.site_preference, Order.end_date, Plan.id, Plan.code, Plan.vcpus, Plan.ram_mb, Plan.disk_gb,
               Plan.public_ips, Offering.kind)
        .join(Order, Order.id == OrderItem.order_id).join(Plan, Plan.id == OrderItem.plan_id)
        .join(Offering, Offering.id == Plan.offering_id).where(OrderItem.id == step.item_id)
    ).one()
    name, count, parameters, order_id, project_id, site, end_date, plan_id, code, vcpus, ram_mb, disk, ips, kind = row
    return ItemFacts(name, count, dict(parameters), order_id, project_id, site, end_date, plan_id, code, vcpus,
                     ram_mb, disk, ips, str(kind))


def _network_refs(session: Session, project_id: uuid.UUID, parameters: dict[str, Any]) -> dict[str, list[str]]:
    """Provider ids of the project's network and security groups a vm names (by inventory id or name)."""
    refs: dict[str, list[str]] = {"network_ids": [], "security_group_ids": []}
    wanted = [("network", parameters.get("network_id"))] if parameters.get("network_id") else []
    wanted += [("security_group", sg) for sg in parameters.get("security_groups", [])]
    for kind, ref in wanted:
        found = find_in_project(session, project_id, kind, str(ref))
        if found is None or found.provider_id is None:
            raise ValidationFailed(f"{kind} « {ref} » introuvable dans le projet.")
        refs["network_ids" if kind == "network" else "security_group_ids"].append(found.provider_id)
    return refs


@dataclass(frozen=True)
class Row:
    """What a CREATE step needs of one of its resource rows."""

    id: uuid.UUID
    idempotency_key: str
    kind: str
    name: str
    provider_id: str | None
    site: str | None
    state: ResourceState
    attributes: dict[str, Any]


_ROW_COLUMNS = (Resource.id, Resource.idempotency_key, Resource.kind, Resource.name, Resource.provider_id,
                Resource.site, Resource.state, Resource.attributes)


def ensure_rows(session: Session, step: Step, facts: ItemFacts) -> list[Row]:
    """The resource rows of a CREATE step (inserted on first run, in one statement), in creation order."""
    # by the order (indexed) rather than a LIKE on the key, which PostgreSQL cannot serve from the unique
    # index under a non-C collation (a sequential scan of the whole inventory per step)
    prefix = f"{step.id}:"
    existing = sorted((Row(rid, key, kind, name, pid, site, ResourceState(state), dict(attrs or {}))
                       for rid, key, kind, name, pid, site, state, attrs
                       in session.execute(select(*_ROW_COLUMNS).where(Resource.order_id == step.order_id))
                       if key.startswith(prefix)), key=lambda r: r.idempotency_key)
    if existing:
        return existing
    f = facts
    kind = KIND_OF_OFFERING[f.offering_kind]
    refs = _network_refs(session, f.project_id, f.parameters) if kind == "server" else {}
    common = {"project_id": f.project_id, "order_id": f.order_id, "site": f.site, "plan_id": f.plan_id,
              "state": ResourceState.CREATING, "end_date": f.end_date, "provider_id": None}
    values: list[dict[str, Any]] = []
    for i in range(f.count):
        name = f.name if f.count == 1 else f"{f.name}-{i + 1}"
        main_id = uuid.uuid4()
        if kind == "server":
            values.append({**common, "id": main_id, "kind": kind, "name": name, "idempotency_key": f"{step.id}:{i:03d}",
                           "flavor": f.plan_code, "vcpus": f.vcpus, "ram_mb": f.ram_mb, "storage_gb": f.disk_gb,
                           "instances": 1, "public_ips": f.public_ips,
                           "attributes": {"image": f.parameters.get("image"), **refs}})
            data_gb = int(f.parameters.get("data_volume_gb") or 0)
            if data_gb:
                values.append({**common, "id": uuid.uuid4(), "kind": "volume", "name": f"{name}-data",
                               "idempotency_key": f"{step.id}:{i:03d}:vol", "storage_gb": data_gb,
                               "attributes": {"attach_to": str(main_id), "size_gb": data_gb}})
        else:
            storage = int(f.parameters.get("size_gb") or 0) if kind == "volume" else 0
            values.append({**common, "id": main_id, "kind": kind, "name": name, "idempotency_key": f"{step.id}:{i:03d}",
                           "storage_gb": storage, "public_ips": 1 if kind == "public_ip" else 0,
                           "attributes": {"size_gb": storage} if storage else {}})
    # an ORM bulk INSERT (one statement for the step, Python-side defaults applied): the unit of work would
    # cost several times more per row at 50 rows a step
    session.execute(insert(Resource), values)
    return [Row(v["id"], v["idempotency_key"], v["kind"], v["name"], None, v["site"], ResourceState.CREATING,
                v["attributes"]) for v in values]
