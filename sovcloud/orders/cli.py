"""`sovcloud order …`, `sovcloud policy …` and `sovcloud resource …` commands."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

import typer

from sovcloud.access.actor import Actor
from sovcloud.cli.common import Output, OutputOpt, cli_actor, render, unit_of_work
from sovcloud.inventory import service as inventory
from sovcloud.inventory.models import Resource
from sovcloud.orders import policies, service
from sovcloud.orders.choices import Classification, Decision, RuleOutcome
from sovcloud.orders.models import ApprovalRule, Order

orders = typer.Typer(help="Commandes.", no_args_is_help=True)
policy = typer.Typer(help="Politique d'approbation.", no_args_is_help=True)
resources = typer.Typer(help="Inventaire.", no_args_is_help=True)


def _row(o: Order) -> dict[str, object]:
    return {"id": o.id, "title": o.title, "project": o.project.name, "status": o.status,
            "monthly_eur": o.estimate_monthly, "rule": o.rule_name, "requester": o.requester_name}


@orders.command("place")
def place(project: Annotated[str, typer.Argument(help="Id du projet")],
          plan: Annotated[str, typer.Option(help="Id du plan du catalogue")],
          name: Annotated[str, typer.Option(help="Nom de la ressource")],
          count: int = 1,
          parameters: Annotated[str, typer.Option(help='Paramètres JSON, ex. {"image": "debian-12"}')] = "{}",
          classification: Classification = Classification.STANDARD,
          site: Annotated[str | None, typer.Option(help="site-a | site-b")] = None,
          output: OutputOpt = Output.table) -> None:
    """Place an order on behalf of the platform."""
    try:
        params = json.loads(parameters)
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"JSON invalide : {exc}") from None
    with unit_of_work() as (session, _):
        order = service.create_order(session, actor=cli_actor(), project_id=uuid.UUID(project),
                                     items=[service.ItemIn(plan_id=uuid.UUID(plan), name=name, count=count,
                                                           parameters=params)],
                                     classification=classification, site_preference=site)
        render([_row(order)], output)


@orders.command("list")
def list_(status: Annotated[str | None, typer.Option(help="État")] = None, limit: int = 50,
          output: OutputOpt = Output.table) -> None:
    """Latest orders."""
    from sovcloud.orders.choices import OrderStatus

    with unit_of_work() as (session, _):
        query = service.orders_query(cli_actor(), status=OrderStatus(status) if status else None)
        render([_row(o) for o in session.scalars(query.limit(limit))], output)


@orders.command("decide")
def decide(order: str, decision: Decision, comment: str = "", as_user: Annotated[str, typer.Option(
        "--as", help="Identifiant de l'approbateur")] = "", output: OutputOpt = Output.table) -> None:
    """Approve or reject an order as a named approver (who must hold the role)."""
    from sovcloud.identity.users import find_user, grants_of

    with unit_of_work() as (session, _):
        user = find_user(session, as_user)
        actor = Actor(user_id=user.id, username=user.username, grants=grants_of(session, user.id),
                      mfa_verified=True, source_ip="cli")
        render([_row(service.decide(session, actor=actor, order_id=uuid.UUID(order), decision=decision,
                                    comment=comment))], output)


def _rule_row(r: ApprovalRule) -> dict[str, object]:
    return {"id": r.id, "position": r.position, "name": r.name, "outcome": r.outcome, "approver": r.approver_role,
            "approvals": r.approvals_required, "conditions": json.dumps(r.conditions, ensure_ascii=False),
            "enabled": r.enabled}


@policy.command("list")
def policy_list(output: OutputOpt = Output.table) -> None:
    """The approval rules in evaluation order."""
    with unit_of_work() as (session, _):
        render([_rule_row(r) for r in policies.list_rules(session, actor=cli_actor())], output)


@policy.command("add")
def policy_add(name: str, position: int, outcome: RuleOutcome,
               conditions: Annotated[str, typer.Option(help='JSON, ex. {"min_monthly_cost": "500"}')] = "{}",
               approver_role: str | None = None, approvals: int = 1, output: OutputOpt = Output.table) -> None:
    """Add an approval rule."""
    with unit_of_work() as (session, _):
        rule = policies.create_rule(session, actor=cli_actor(), name=name, position=position, outcome=outcome,
                                    conditions=json.loads(conditions), approver_role=approver_role,
                                    approvals_required=approvals)
        render([_rule_row(rule)], output)


@policy.command("remove")
def policy_remove(rule_id: str) -> None:
    """Remove an approval rule."""
    with unit_of_work() as (session, _):
        policies.delete_rule(session, actor=cli_actor(), rule_id=uuid.UUID(rule_id))


def _res_row(r: Resource) -> dict[str, object]:
    return {"id": r.id, "name": r.name, "kind": r.kind, "project": r.project.name, "site": r.site, "state": r.state,
            "status": r.status, "address": r.address}


@resources.command("list")
def resource_list(search: str | None = None, kind: str | None = None, limit: int = 100,
                  output: OutputOpt = Output.table) -> None:
    """Resources, by name."""
    with unit_of_work() as (session, _):
        query = inventory.resources_query(cli_actor(), search=search, kind=kind)
        render([_res_row(r) for r in session.scalars(query.limit(limit))], output)


@resources.command("action")
def resource_action(resource: str, action: str,
                    params: Annotated[str, typer.Option(help="Paramètres JSON")] = "{}") -> None:
    """Queue a day-2 action (start, stop, reboot, resize, snapshot, attach, detach)."""
    with unit_of_work() as (session, _):
        step = inventory.request_action(session, actor=cli_actor(), resource_id=uuid.UUID(resource), action=action,
                                        params=json.loads(params))
        print(f"Action mise en file : étape {step.id}.")


@resources.command("delete")
def resource_delete(resource: str) -> None:
    """Queue the deletion of a resource."""
    with unit_of_work() as (session, _):
        step = inventory.delete_resource(session, actor=cli_actor(), resource_id=uuid.UUID(resource))
        print(f"Suppression mise en file : étape {step.id}.")
