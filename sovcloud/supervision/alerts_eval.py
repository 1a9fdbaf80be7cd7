"""One evaluation round of the alert rules: each enabled rule looks at the platform's state and names the
subjects its condition holds for; an alert opens for a new subject, stays open (last seen now) while the
condition holds, and is resolved when it clears. Run by the periodic job ``alerts`` under its lease, so one
evaluator runs at a time across every worker; the unique ``open_key`` keeps one open alert per rule and
subject even so.

A rule whose stored parameters no longer parse fails closed: it raises an alert on the subject ``rule``
saying so. A rule whose observation fails (the provider does not answer) leaves its alerts as they are."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.clock import now
from sovcloud.config import Settings
from sovcloud.errors import ValidationFailed
from sovcloud.logs import get_logger
from sovcloud.providers.base import CloudProvider
from sovcloud.supervision import alerts_rules as R
from sovcloud.supervision.models import Alert, AlertRule

log = get_logger("sovcloud.alerts")
MAX_SUBJECTS = 200  #: subjects one rule may report in a round (the rest wait for the next rounds)


@dataclass(frozen=True)
class Finding:
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    organisation_ids: tuple[str, ...] | None = None  #: when the subject is an organisation


@dataclass(frozen=True)
class Context:
    session: Session
    provider: CloudProvider
    settings: Settings


@dataclass
class Round:
    """What one round did."""

    raised: list[str] = field(default_factory=list)  #: "rule|subject" of the alerts opened
    resolved: list[str] = field(default_factory=list)
    invalid_rules: list[str] = field(default_factory=list)
    failed_rules: list[str] = field(default_factory=list)


Observer = Callable[[Context, Any], dict[str, Finding]]


def _in(sites: list[str] | None, name: str) -> bool:
    return sites is None or name in sites


def _site_down(ctx: Context, p: R.SiteDown) -> dict[str, Finding]:
    return {f"site:{s.name}": Finding(f"Site {s.name} indisponible.", {"site": s.name})
            for s in ctx.provider.sites() if not s.available and _in(p.sites, s.name)}


def _hypervisors(ctx: Context) -> list[Any]:
    listing = getattr(ctx.provider, "hypervisors", None)
    return list(listing()) if listing is not None else []


def _hypervisor_down(ctx: Context, p: R.HypervisorDown) -> dict[str, Finding]:
    return {f"hypervisor:{h.name}": Finding(f"Hyperviseur {h.name} ({h.site}) indisponible.",
                                            {"hypervisor": h.name, "site": h.site})
            for h in _hypervisors(ctx) if not h.up and _in(p.sites, h.site)}


def _site_capacity(ctx: Context, p: R.SiteCapacity) -> dict[str, Finding]:
    totals: dict[str, list[float]] = {}
    for h in _hypervisors(ctx):
        used, total = ((h.vcpus_used, h.cores * ctx.settings.simulator_cpu_ratio) if p.resource == "vcpus"
                       else (h.ram_used_mib, h.ram_mib))
        acc = totals.setdefault(h.site, [0.0, 0.0])
        acc[0] += used
        acc[1] += total
    found = {}
    for site, (used, total) in totals.items():
        pct = 100.0 * used / total if total > 0 else 0.0
        if pct > p.percent and _in(p.sites, site):
            label = "vCPU" if p.resource == "vcpus" else "mémoire"
            found[f"site:{site}"] = Finding(f"Site {site} : {pct:.0f} % de la capacité {label} allouée "
                                            f"(seuil {p.percent:g} %).", {"site": site, "percent": round(pct, 1)})
    return found


def _step_stuck(ctx: Context, p: R.StepStuck) -> dict[str, Finding]:
    from sovcloud.provisioning.models import Step, StepStatus

    since = now() - timedelta(minutes=p.minutes)
    rows = ctx.session.execute(select(Step.id, Step.kind, Step.status, Step.created_at).where(
        Step.status.in_((StepStatus.PENDING, StepStatus.RUNNING)), Step.created_at < since)
        .order_by(Step.created_at).limit(MAX_SUBJECTS)).all()
    return {f"step:{sid}": Finding(f"Étape {kind} {sid} « {status} » depuis plus de {p.minutes} min.",
                                   {"step_id": str(sid), "since": created.isoformat()})
            for sid, kind, status, created in rows}


def _order_failure_rate(ctx: Context, p: R.OrderFailureRate) -> dict[str, Finding]:
    from sovcloud.orders.models import Order, OrderStatus

    since = now() - timedelta(hours=1)
    rows = dict(ctx.session.execute(select(Order.status, func.count()).where(
        Order.completed_at >= since, Order.status.in_((OrderStatus.COMPLETED, OrderStatus.FAILED)))
        .group_by(Order.status)).all())
    failed, done = int(rows.get(OrderStatus.FAILED, 0)), sum(int(v) for v in rows.values())
    if done < p.min_orders or done == 0:
        return {}
    rate = 100.0 * failed / done
    if rate <= p.percent:
        return {}
    return {"orders": Finding(f"{rate:.0f} % des commandes terminées dans l'heure ont échoué ({failed} sur {done} ; "
                              f"seuil {p.percent:g} %).", {"failed": failed, "finished": done})}


def _worker_heartbeat(ctx: Context, p: R.WorkerHeartbeat) -> dict[str, Finding]:
    from sovcloud.provisioning import heartbeats

    states = heartbeats.workers(ctx.session, beat_s=ctx.settings.worker_heartbeat_s)
    found = {f"worker:{w.worker}": Finding(f"Le worker {w.worker} ne bat plus depuis le "
                                           f"{w.seen_at:%Y-%m-%d %H:%M:%S} UTC.",
                                           {"worker": w.worker, "seen_at": w.seen_at.isoformat()})
             for w in states if not w.alive}
    if p.require_one and not any(w.alive for w in states):
        found["workers"] = Finding("Aucun worker ne bat : les étapes ne sont plus exécutées.")
    return found


def _audit_chain(ctx: Context, p: R.AuditChain) -> dict[str, Finding]:
    """The sealed head checked now (truncation, a rewritten head); an entry edited in the middle as the last
    walk of the whole chain by the ``audit-verify`` job found it (the walk reads every entry: not at each round)."""
    from sovcloud.audit import verifications

    if not audit.service.head_intact(ctx.session):
        return {"audit": Finding("La tête scellée du journal d'audit ne correspond plus à sa dernière entrée "
                                 "(journal tronqué ou tête réécrite).")}
    last = verifications.newest(ctx.session)
    if last is None or last.ok:
        return {}
    found = list(last.problems.get("found", []))
    return {"audit": Finding(f"La chaîne du journal d'audit ne se vérifie pas (vérification du "
                             f"{last.verified_at:%Y-%m-%d %H:%M:%S} UTC) : {found[0] if found else '?'}",
                             {"problems": found, "entries": last.entries,
                              "verified_at": last.verified_at.isoformat()})}


def _drift(ctx: Context, p: R.Drift) -> dict[str, Finding]:
    from sovcloud.inventory.models import Resource, UnknownResource

    drifted = int(ctx.session.scalar(select(func.count()).select_from(Resource).where(Resource.drift.is_not(None)))
                  or 0)
    unknown = int(ctx.session.scalar(select(func.count()).select_from(UnknownResource)) or 0)
    if not drifted and not unknown:
        return {}
    return {"inventory": Finding(f"Dérive : {drifted} ressource(s) différente(s) ou disparue(s), {unknown} objet(s) "
                                 "inconnu(s) de l'inventaire.", {"drifted": drifted, "unknown": unknown})}


def _org_quota(ctx: Context, p: R.OrgQuota, organisation_ids: list[str]) -> dict[str, Finding]:
    from dataclasses import fields

    from sovcloud.orders.usage import usage_by_project
    from sovcloud.tenancy.models import Organisation, Project, Quota
    from sovcloud.tenancy.quotas import Limits

    query = select(Organisation, Quota).join(Quota, Quota.organisation_id == Organisation.id)
    if organisation_ids:
        query = query.where(Organisation.id.in_([uuid.UUID(i) for i in organisation_ids]))
    found: dict[str, Finding] = {}
    for org, quota in ctx.session.execute(query.limit(MAX_SUBJECTS)).all():
        projects = list(ctx.session.scalars(select(Project.id).join(Organisation).where(
            Organisation.path.startswith(org.path))))
        used = Limits()
        for limits in usage_by_project(ctx.session, projects).values():
            used = used + limits
        cap = Limits.of(quota)
        pcts = {f.name: 100.0 * getattr(used, f.name) / getattr(cap, f.name) for f in fields(Limits)
                if getattr(cap, f.name) > 0}
        worst = max(pcts.items(), key=lambda kv: kv[1], default=None)
        if worst is not None and worst[1] > p.percent:
            found[f"org:{org.id}"] = Finding(
                f"Organisation {org.code} : {worst[1]:.0f} % du quota « {worst[0]} » utilisé (seuil {p.percent:g} %).",
                {"organisation": org.code, "resource": worst[0], "percent": round(worst[1], 1)}, (str(org.id),))
    return found


OBSERVERS: dict[R.AlertKind, Observer] = {
    R.AlertKind.SITE_DOWN: _site_down, R.AlertKind.HYPERVISOR_DOWN: _hypervisor_down,
    R.AlertKind.SITE_CAPACITY: _site_capacity, R.AlertKind.STEP_STUCK: _step_stuck,
    R.AlertKind.ORDER_FAILURE_RATE: _order_failure_rate, R.AlertKind.WORKER_HEARTBEAT: _worker_heartbeat,
    R.AlertKind.AUDIT_CHAIN: _audit_chain, R.AlertKind.DRIFT: _drift,
}


def _observe(ctx: Context, rule: AlertRule) -> dict[str, Finding]:
    params = R.parse_params(rule.kind, rule.params)
    if rule.kind == R.AlertKind.ORG_QUOTA:
        return _org_quota(ctx, params, list(rule.organisation_ids))  # type: ignore[arg-type]
    return OBSERVERS[R.AlertKind(rule.kind)](ctx, params)


def _open(session: Session, actor: Actor, rule: AlertRule, subject: str, finding: Finding) -> bool:
    at = now()
    alert = Alert(rule_id=rule.id, rule_name=rule.name, kind=rule.kind, severity=rule.severity, subject=subject,
                  summary=finding.summary[:500], details=finding.details,
                  organisation_ids=list(finding.organisation_ids or rule.organisation_ids),
                  status="open", open_key=f"{rule.id}|{subject}"[:240], raised_at=at, last_seen_at=at)
    try:
        with session.begin_nested():
            session.add(alert)
            session.flush()
    except IntegrityError:  # another evaluator opened it first: still one open alert
        return False
    audit.record(session, actor=actor, action="alert.raised", target=alert,
                 details={"rule": rule.name, "subject": subject, "severity": rule.severity,
                          "summary": alert.summary})
    return True


def _reconcile(session: Session, actor: Actor, rule: AlertRule, seen: dict[str, Finding], done: Round) -> None:
    open_alerts = {a.subject: a for a in session.scalars(
        select(Alert).where(Alert.rule_id == rule.id, Alert.status == "open"))}
    at = now()
    for subject, finding in list(seen.items())[:MAX_SUBJECTS]:
        alert = open_alerts.get(subject)
        if alert is not None:
            alert.last_seen_at, alert.summary, alert.details = at, finding.summary[:500], finding.details
        elif _open(session, actor, rule, subject, finding):
            done.raised.append(f"{rule.name}|{subject}")
    for subject, alert in open_alerts.items():
        if subject not in seen:
            alert.status, alert.open_key, alert.resolved_at = "resolved", None, at
            audit.record(session, actor=actor, action="alert.resolved", target=alert,
                         details={"rule": rule.name, "subject": subject})
            done.resolved.append(f"{rule.name}|{subject}")


def evaluate(session: Session, *, provider: CloudProvider, settings: Settings) -> Round:
    """One round over every enabled rule, in the caller's transaction."""
    actor = Actor.system("alerts")
    ctx = Context(session, provider, settings)
    done = Round()
    for rule in session.scalars(select(AlertRule).where(AlertRule.enabled).order_by(AlertRule.name)):
        try:
            seen = _observe(ctx, rule)
        except ValidationFailed as exc:  # stored before a stricter model: fail closed, say which rule
            log.error("alerts.rule_invalid", rule=rule.name, error=exc.detail)
            done.invalid_rules.append(rule.name)
            seen = {"rule": Finding(f"Règle « {rule.name} » invalide, non évaluée : {exc.detail}",
                                    {"errors": getattr(exc, "errors", [])})}
        except Exception as exc:  # the provider or a table is away: keep the alerts as they are
            log.warning("alerts.rule_failed", rule=rule.name, error=str(exc)[:300])
            done.failed_rules.append(rule.name)
            continue
        _reconcile(session, actor, rule, seen, done)
    if done.raised or done.resolved:
        log.info("alerts.round", raised=len(done.raised), resolved=len(done.resolved))
    return done
