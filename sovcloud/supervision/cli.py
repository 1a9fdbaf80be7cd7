"""`sovcloud alerts …` commands: alerts, acknowledgement, alert rules, one evaluation round."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

import typer

from sovcloud.cli.common import LimitOpt, Output, OutputOpt, acting, json_option, render
from sovcloud.supervision import alerts as service
from sovcloud.supervision import alerts_rules
from sovcloud.supervision.alerts_rules import AlertKind, Severity
from sovcloud.supervision.models import Alert, AlertRule

app = typer.Typer(help="Alertes et règles d'alerte.", no_args_is_help=True)


def _row(a: Alert) -> dict[str, object]:
    return {"id": a.id, "severity": a.severity, "status": a.status, "rule": a.rule_name, "subject": a.subject,
            "raised_at": a.raised_at, "acknowledged_by": a.acknowledged_by, "summary": a.summary,
            "over_24h": service.is_stale(a)}


def _rule_row(r: AlertRule) -> dict[str, object]:
    return {"id": r.id, "name": r.name, "kind": r.kind, "params": json.dumps(r.params, ensure_ascii=False),
            "severity": r.severity, "organisations": len(r.organisation_ids), "enabled": r.enabled}


@app.command("list")
def list_(status: Annotated[str, typer.Option(help="open | resolved | all")] = "open",
          severity: Annotated[Severity | None, typer.Option(help="Gravité")] = None,
          unacknowledged: Annotated[bool, typer.Option(help="Seulement les non acquittées")] = False,
          limit: LimitOpt = 100, output: OutputOpt = Output.table) -> None:
    """Alerts, unacknowledged for more than 24 h first."""
    with acting() as (session, _, actor):
        rows = service.list_alerts(session, actor=actor, status=status, severity=severity,
                                   acknowledged=False if unacknowledged else None, limit=limit)
        render([_row(a) for a in rows], output)


@app.command("ack")
def ack(alert: uuid.UUID, comment: Annotated[str, typer.Option(help="Commentaire (obligatoire)")],
        output: OutputOpt = Output.table) -> None:
    """Acknowledge an alert with a comment."""
    with acting() as (session, _, actor):
        render([_row(service.acknowledge(session, actor=actor, alert_id=alert, comment=comment))], output)


@app.command("rules")
def rules(output: OutputOpt = Output.table) -> None:
    """The alert rules."""
    with acting() as (session, _, actor):
        render([_rule_row(r) for r in alerts_rules.list_rules(session, actor=actor)], output)


@app.command("rule-add")
def rule_add(name: str, kind: AlertKind, severity: Severity,
             params: Annotated[dict, typer.Option(parser=json_option, metavar="JSON",
                                                  help='JSON, ex. {"percent": 85}')] = "{}",  # type: ignore[assignment]
             organisation: Annotated[list[uuid.UUID] | None, typer.Option(help="Organisation concernée")] = None,
             output: OutputOpt = Output.table) -> None:
    """Add an alert rule."""
    with acting() as (session, _, actor):
        rule = alerts_rules.create_rule(session, actor=actor, name=name, kind=kind, params=params,
                                        severity=severity, organisation_ids=organisation or [])
        render([_rule_row(rule)], output)


@app.command("rule-enable")
def rule_enable(rule: uuid.UUID, enabled: Annotated[bool, typer.Option("--on/--off")] = True) -> None:
    """Enable (--on) or disable (--off) a rule."""
    with acting() as (session, _, actor):
        alerts_rules.update_rule(session, actor=actor, rule_id=rule, enabled=enabled)


@app.command("rule-remove")
def rule_remove(rule: uuid.UUID) -> None:
    """Remove a rule (its alerts stay in the history)."""
    with acting() as (session, _, actor):
        alerts_rules.delete_rule(session, actor=actor, rule_id=rule)


@app.command("seed")
def seed(output: OutputOpt = Output.table) -> None:
    """Install the default alert rules that are not there yet (by name)."""
    with acting() as (session, _, actor):
        render([_rule_row(r) for r in alerts_rules.seed_rules(session, actor=actor)], output)
