"""`sovcloud order …`, `sovcloud policy …` and `sovcloud resource …` commands."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

import typer

from sovcloud.cli.common import LimitOpt, Output, OutputOpt, acting, json_option, render
from sovcloud.inventory import service as inventory
from sovcloud.inventory.models import Resource
from sovcloud.orders import policies, resize, service
from sovcloud.orders.choices import Classification, Decision, OrderStatus, RuleOutcome
from sovcloud.orders.models import ApprovalRule, Order

orders = typer.Typer(help="Commandes.", no_args_is_help=True)
policy = typer.Typer(help="Politique d'approbation.", no_args_is_help=True)
resources = typer.Typer(help="Inventaire.", no_args_is_help=True)


def _row(o: Order) -> dict[str, object]:
    return {"id": o.id, "title": o.title, "project": o.project.name, "status": o.status,
            "monthly_eur": o.estimate_monthly, "rule": o.rule_name, "requester": o.requester_name}


@orders.command("place")
def place(project: Annotated[uuid.UUID, typer.Argument(help="Id du projet")],
          plan: Annotated[uuid.UUID, typer.Option(help="Id du plan du catalogue")],
          name: Annotated[str, typer.Option(help="Nom de la ressource")],
          count: Annotated[int, typer.Option(min=1, max=100, help="Nombre de ressources")] = 1,
          parameters: Annotated[dict, typer.Option(parser=json_option, metavar="JSON",
                                                   help='Paramètres JSON, ex. {"image": "debian-12"}')] = "{}",  # type: ignore[assignment]
          classification: Classification = Classification.STANDARD,
          site: Annotated[str | None, typer.Option(help="Nom d'un site ouvert (sovcloud site list)")] = None,
          output: OutputOpt = Output.table) -> None:
    """Place an order as the authenticated user."""
    with acting() as (session, _, actor):
        order = service.create_order(session, actor=actor, project_id=project,
                                     items=[service.ItemIn(plan_id=plan, name=name, count=count,
                                                           parameters=parameters)],
                                     classification=classification, site_preference=site)
        render([_row(order)], output)


@orders.command("quote")
def quote(project: Annotated[uuid.UUID, typer.Argument(help="Id du projet")],
          plan: Annotated[uuid.UUID, typer.Option(help="Id du plan du catalogue")],
          count: Annotated[int, typer.Option(min=1, max=50, help="Nombre de ressources")] = 1,
          parameters: Annotated[dict, typer.Option(parser=json_option, metavar="JSON",
                                                   help='Paramètres JSON, ex. {"image": "debian-12"}')] = "{}",  # type: ignore[assignment]
          output: OutputOpt = Output.table) -> None:
    """Estimate an order and check it fits in the project's quota, as the authenticated user (nothing is
    recorded)."""
    from sovcloud.orders import quotes

    with acting() as (session, _, actor):
        found = quotes.quote(session, actor=actor, project_id=project, plan_id=plan, parameters=parameters,
                             count=count)
        render([{"resource": line.key, "needed": line.needed, "left": line.left, "ok": line.ok}
                for line in found.lines] + [{"resource": "EUR/mois", "needed": found.monthly, "left": "",
                                             "ok": found.fits}], output)


@orders.command("list")
def list_(status: Annotated[OrderStatus | None, typer.Option(help="État")] = None, limit: LimitOpt = 50,
          output: OutputOpt = Output.table) -> None:
    """Latest orders."""
    with acting() as (session, _, actor):
        query = service.orders_query(actor, status=status)
        render([_row(o) for o in session.scalars(query.limit(limit))], output)


@orders.command("decide")
def decide(order: uuid.UUID, decision: Decision, comment: str = "", output: OutputOpt = Output.table) -> None:
    """Approve or reject an order as the authenticated user (who must hold the approver's role)."""
    with acting() as (session, _, actor):
        render([_row(service.decide(session, actor=actor, order_id=order, decision=decision,
                                    comment=comment))], output)


def _rule_row(r: ApprovalRule) -> dict[str, object]:
    return {"id": r.id, "position": r.position, "name": r.name, "outcome": r.outcome, "approver": r.approver_role,
            "approvals": r.approvals_required, "conditions": json.dumps(r.conditions, ensure_ascii=False),
            "enabled": r.enabled}


@policy.command("list")
def policy_list(output: OutputOpt = Output.table) -> None:
    """The approval rules in evaluation order."""
    with acting() as (session, _, actor):
        render([_rule_row(r) for r in policies.list_rules(session, actor=actor)], output)


@policy.command("add")
def policy_add(name: str, position: Annotated[int, typer.Argument(min=0, max=10_000)], outcome: RuleOutcome,
               conditions: Annotated[dict, typer.Option(parser=json_option, metavar="JSON",
                                                        help='JSON, ex. {"min_monthly_cost": "500"}')] = "{}",  # type: ignore[assignment]
               approver_role: str | None = None,
               approvals: Annotated[int, typer.Option(min=1, max=10)] = 1, output: OutputOpt = Output.table) -> None:
    """Add an approval rule."""
    with acting() as (session, _, actor):
        rule = policies.create_rule(session, actor=actor, name=name, position=position, outcome=outcome,
                                    conditions=conditions, approver_role=approver_role,
                                    approvals_required=approvals)
        render([_rule_row(rule)], output)


@policy.command("remove")
def policy_remove(rule_id: uuid.UUID) -> None:
    """Remove an approval rule."""
    with acting() as (session, _, actor):
        policies.delete_rule(session, actor=actor, rule_id=rule_id)


def _res_row(r: Resource) -> dict[str, object]:
    return {"id": r.id, "name": r.name, "kind": r.kind, "project": r.project.name, "site": r.site, "state": r.state,
            "status": r.status, "address": r.address}


@resources.command("list")
def resource_list(search: str | None = None, kind: str | None = None, limit: LimitOpt = 100,
                  output: OutputOpt = Output.table) -> None:
    """Resources, by name."""
    with acting() as (session, _, actor):
        query = inventory.resources_query(actor, search=search, kind=kind)
        render([_res_row(r) for r in session.scalars(query.limit(limit))], output)


@resources.command("action")
def resource_action(resource: uuid.UUID, action: str,
                    params: Annotated[dict, typer.Option(parser=json_option, metavar="JSON",
                                                         help="Paramètres JSON")] = "{}") -> None:  # type: ignore[assignment]
    """Queue a day-2 action (start, stop, reboot, snapshot, attach, detach; a resize: ``resource resize``)."""
    with acting() as (session, _, actor):
        step = inventory.request_action(session, actor=actor, resource_id=resource, action=action,
                                        params=params)
        print(f"Action mise en file : étape {step.id}.")


@resources.command("resize")
def resource_resize(resource: uuid.UUID,
                    plan: Annotated[uuid.UUID, typer.Option(help="Id du nouveau plan (même offre)")]) -> None:
    """Order a server's resize: priced, checked against the quota and put to the approval policy."""
    with acting() as (session, _, actor):
        order = resize.request_resize(session, actor=actor, resource_id=resource, plan_id=plan)
        print(f"Commande {order.id} : {order.status} (différence {order.estimate_monthly} €/mois, "
              f"règle « {order.rule_name} »).")


@resources.command("delete")
def resource_delete(resource: uuid.UUID) -> None:
    """Queue the deletion of a resource."""
    with acting() as (session, _, actor):
        step = inventory.delete_resource(session, actor=actor, resource_id=resource)
        print(f"Suppression mise en file : étape {step.id}.")
