"""The inventory rows an order item will become, written before any provider call so nothing the cloud
creates can go unknown."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud.catalog.models import Plan
from sovcloud.errors import ValidationFailed
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.orders.models import Order, OrderItem
from sovcloud.provisioning.models import Step

KIND_OF_OFFERING = {"vm": "server", "volume": "volume", "network": "network", "security_group": "security_group",
                    "public_ip": "public_ip"}


def _network_refs(session: Session, order: Order, item: OrderItem) -> dict[str, list[str]]:
    """Provider ids of the project's network and security groups a vm names (by inventory id or name)."""
    refs: dict[str, list[str]] = {"network_ids": [], "security_group_ids": []}
    wanted = [("network", item.parameters.get("network_id"))] if item.parameters.get("network_id") else []
    wanted += [("security_group", sg) for sg in item.parameters.get("security_groups", [])]
    for kind, ref in wanted:
        found = session.scalars(select(Resource).where(
            Resource.project_id == order.project_id, Resource.kind == kind, Resource.state == ResourceState.ACTIVE,
            (Resource.name == ref) | (Resource.provider_id == ref))).first()
        if found is None:
            try:
                import uuid

                found = session.get(Resource, uuid.UUID(str(ref)))
            except ValueError:
                found = None
        if found is None or found.project_id != order.project_id or found.provider_id is None:
            raise ValidationFailed(f"{kind} « {ref} » introuvable dans le projet.")
        refs["network_ids" if kind == "network" else "security_group_ids"].append(found.provider_id)
    return refs


def ensure_rows(session: Session, step: Step) -> list[Resource]:
    """The resource rows of a CREATE step (created on first run), in creation order."""
    existing = list(session.scalars(select(Resource).where(Resource.idempotency_key.startswith(f"{step.id}:"))
                                    .order_by(Resource.idempotency_key)))
    if existing:
        return existing
    item = session.get(OrderItem, step.item_id)
    order = session.get(Order, step.order_id)
    assert item is not None and order is not None
    plan = session.get(Plan, item.plan_id)
    assert plan is not None
    kind = KIND_OF_OFFERING[str(plan.offering.kind)]
    refs = _network_refs(session, order, item) if kind == "server" else {}
    rows: list[Resource] = []
    for i in range(item.count):
        name = item.name if item.count == 1 else f"{item.name}-{i + 1}"
        common = {"project_id": order.project_id, "order_id": order.id, "site": order.site_preference,
                  "plan_id": plan.id, "state": ResourceState.CREATING, "end_date": order.end_date}
        if kind == "server":
            main = Resource(kind=kind, name=name, idempotency_key=f"{step.id}:{i:03d}", flavor=plan.code,
                            vcpus=plan.vcpus, ram_mb=plan.ram_mb, storage_gb=plan.disk_gb, instances=1,
                            public_ips=plan.public_ips, attributes={"image": item.parameters.get("image"), **refs},
                            **common)
            rows.append(main)
            data_gb = int(item.parameters.get("data_volume_gb") or 0)
            if data_gb:
                session.add(main)
                session.flush()
                rows.append(Resource(kind="volume", name=f"{name}-data", idempotency_key=f"{step.id}:{i:03d}:vol",
                                     storage_gb=data_gb, attributes={"attach_to": str(main.id), "size_gb": data_gb},
                                     **common))
        else:
            storage = int(item.parameters.get("size_gb") or 0) if kind == "volume" else 0
            rows.append(Resource(kind=kind, name=name, idempotency_key=f"{step.id}:{i:03d}", storage_gb=storage,
                                 public_ips=1 if kind == "public_ip" else 0,
                                 attributes={"size_gb": storage} if storage else {}, **common))
    session.add_all(rows)
    session.flush()
    return rows
