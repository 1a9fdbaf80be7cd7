"""Order routes: place, read, decide, cancel; the approvals inbox; the approval policy."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status

from sovcloud.api.deps import CurrentActor, DbSession
from sovcloud.orders import policies, quotes, resize, service
from sovcloud.orders.choices import OrderStatus
from sovcloud.orders.schemas import (
    DecisionIn,
    ItemOutcomeRead,
    OrderCreate,
    OrderRead,
    QuoteIn,
    QuoteRead,
    ResizeIn,
    ResizeQuoteRead,
    RuleIn,
    RuleRead,
    RuleUpdate,
)
from sovcloud.pagination import MAX_LIMIT, CursorQuery, Page, decode_cursor, page_of

router = APIRouter(tags=["orders"])


@router.post("/orders", response_model=OrderRead, status_code=status.HTTP_201_CREATED)
def place_order(body: OrderCreate, session: DbSession, actor: CurrentActor) -> OrderRead:
    """Place an order (submitted at once unless ``submit`` is false)."""
    items = [service.ItemIn(**i.model_dump()) for i in body.items]
    order = service.create_order(session, actor=actor, items=items, **body.model_dump(exclude={"items"}))
    return OrderRead.model_validate(order)


@router.post("/orders/quote", response_model=QuoteRead)
def quote_order(body: QuoteIn, session: DbSession, actor: CurrentActor) -> QuoteRead:
    """Estimate an order before placing it, and check it fits in the project's quota (nothing is recorded)."""
    return QuoteRead.model_validate(quotes.quote(session, actor=actor, **body.model_dump()))


@router.get("/resources/{resource_id}/resize", response_model=list[ResizeQuoteRead])
def resize_options(resource_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> list[ResizeQuoteRead]:
    """The plans a server may be resized to: price difference, quota, the approval the policy would ask."""
    return [ResizeQuoteRead.of(q) for q in resize.resize_options(session, actor=actor, resource_id=resource_id)]


@router.post("/resources/{resource_id}/resize", response_model=OrderRead, status_code=status.HTTP_201_CREATED)
def resize_server(resource_id: uuid.UUID, body: ResizeIn, session: DbSession, actor: CurrentActor) -> OrderRead:
    """Order a server's resize: an order priced by the difference, checked against the quota and judged by the
    approval policy; the resize runs once it is approved."""
    return OrderRead.model_validate(resize.request_resize(session, actor=actor, resource_id=resource_id,
                                                          plan_id=body.plan_id, title=body.title))


@router.get("/orders", response_model=Page[OrderRead])
def list_orders(
    session: DbSession, actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = 50,
    cursor: CursorQuery = None,
    project_id: Annotated[uuid.UUID | None, Query(description="Only this project")] = None,
    status_: Annotated[OrderStatus | None, Query(alias="status", description="Only in this state")] = None,
    mine: Annotated[bool, Query(description="Only my orders")] = False,
) -> Page[OrderRead]:
    """Orders visible to the caller, newest first."""
    before = decode_cursor(cursor, datetime, uuid.UUID)
    query = service.orders_query(actor, project_id=project_id, status=status_, mine=mine, before=before)
    rows = session.scalars(query.limit(limit + 1)).all()
    items, nxt = page_of(rows, limit, lambda o: [o.created_at.isoformat(), o.id])
    return Page(items=[OrderRead.model_validate(o) for o in items], next_cursor=nxt)


@router.get("/orders/inbox", response_model=list[OrderRead])
def approvals_inbox(session: DbSession, actor: CurrentActor) -> list[OrderRead]:
    """Orders waiting for the caller's decision."""
    return [OrderRead.model_validate(o) for o in service.inbox(session, actor=actor)]


@router.get("/orders/{order_id}", response_model=OrderRead)
def get_order(order_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> OrderRead:
    """One order with its approval trail and what provisioning did with each item."""
    from sovcloud.provisioning.outcomes import order_outcomes

    order, outcomes = order_outcomes(session, actor=actor, order_id=order_id)
    read = OrderRead.model_validate(order)
    for item in read.items:
        item.outcome = ItemOutcomeRead.model_validate(outcomes[item.id]) if item.id in outcomes else None
    return read


@router.post("/orders/{order_id}/submit", response_model=OrderRead)
def submit_order(order_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> OrderRead:
    """Submit a draft."""
    return OrderRead.model_validate(service.submit_order(session, actor=actor, order_id=order_id))


@router.post("/orders/{order_id}/decision", response_model=OrderRead)
def decide(order_id: uuid.UUID, body: DecisionIn, session: DbSession, actor: CurrentActor) -> OrderRead:
    """Approve or reject a pending order (a rejection needs a comment)."""
    return OrderRead.model_validate(service.decide(session, actor=actor, order_id=order_id, decision=body.decision,
                                                   comment=body.comment))


@router.post("/orders/{order_id}/cancel", response_model=OrderRead)
def cancel(order_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> OrderRead:
    """Cancel an order before provisioning starts."""
    return OrderRead.model_validate(service.cancel_order(session, actor=actor, order_id=order_id))


@router.get("/approval-rules", response_model=list[RuleRead])
def list_rules(session: DbSession, actor: CurrentActor) -> list[RuleRead]:
    """The approval policy, in evaluation order."""
    return [RuleRead.model_validate(r) for r in policies.list_rules(session, actor=actor)]


@router.post("/approval-rules", response_model=RuleRead, status_code=status.HTTP_201_CREATED)
def create_rule(body: RuleIn, session: DbSession, actor: CurrentActor) -> RuleRead:
    """Add a rule (operators)."""
    return RuleRead.model_validate(policies.create_rule(session, actor=actor, **body.model_dump()))


@router.patch("/approval-rules/{rule_id}", response_model=RuleRead)
def update_rule(rule_id: uuid.UUID, body: RuleUpdate, session: DbSession, actor: CurrentActor) -> RuleRead:
    """Change a rule (operators)."""
    return RuleRead.model_validate(policies.update_rule(session, actor=actor, rule_id=rule_id,
                                                        **body.model_dump(exclude_none=True)))


@router.delete("/approval-rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(rule_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> None:
    """Remove a rule (operators)."""
    policies.delete_rule(session, actor=actor, rule_id=rule_id)
