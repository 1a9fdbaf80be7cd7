"""Invoices and credit notes: issued once, frozen (refused and journaled through any writer), numbered without
gaps, corrected by credit notes that reconcile, regularised when late usage arrives, closed monthly."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from sovcloud.access.actor import Actor, Grant
from sovcloud.access.roles import Role
from sovcloud.audit.models import AuditEvent
from sovcloud.billing import capture, close, metering, service
from sovcloud.billing.errors import AlreadyInvoiced, InvoiceFrozen, MonthNotOver
from sovcloud.billing.models import BillableState, Invoice, InvoiceLine, InvoiceStatus
from sovcloud.billing.periods import Month
from sovcloud.db import transaction
from sovcloud.errors import PermissionDenied, ValidationFailed
from sovcloud.tenancy.models import Organisation
from tests.billing.conftest import Env
from tests.factories import make_org, make_project

FEB = datetime(2027, 2, 10, tzinfo=UTC)


_FINANCE: dict[uuid.UUID, Actor] = {}


def finance(env: Env) -> Actor:
    """Finance of the organisation (built once, outside any open transaction)."""
    if env.org_id in _FINANCE:
        return _FINANCE[env.org_id]
    with env.sessions() as s:
        org = s.get(Organisation, env.org_id)
        assert org is not None
        _FINANCE[env.org_id] = Actor(user_id=None, username="compta", mfa_verified=True,
                                     grants=(Grant(Role.FINANCE, org_id=org.id, org_path=org.path),))
        return _FINANCE[env.org_id]


def operator() -> Actor:
    return Actor.system("operator")


def _january(env: Env) -> None:
    finance(env)
    vm = env.create("web")
    env.create("vol", plan="volume/standard", kind="volume", gb=50)
    env.clock.advance(days=3)
    env.stop(vm)
    env.clock.current = FEB


def _issue(env: Env, actor: Actor, month: str = "2027-01") -> Invoice:
    with transaction(env.sessions) as s:
        metering.meter(s)
        return service.issue_invoice(s, actor=actor, organisation_id=env.org_id, month=month)


def test_issue_freezes_lines_hash_and_number_and_only_finance_may(env: Env) -> None:
    _january(env)
    with pytest.raises(PermissionDenied):
        _issue(env, operator())  # separation of duties: the operator sets prices, finance bills
    with transaction(env.sessions) as s:
        metering.meter(s)
        draft = service.draft(s, actor=finance(env), organisation_id=env.org_id, month="2027-01")
    invoice = _issue(env, finance(env))
    assert invoice.number == "SC-2027-000001" and invoice.total == draft.total > 0
    assert len(invoice.content_hash) == 64
    with env.sessions() as s:
        stored = s.get(Invoice, invoice.id)
        assert stored is not None and service.content_hash(stored, stored.lines) == invoice.content_hash
        assert {ln.budget_code for ln in stored.lines} == {""}
    with pytest.raises(AlreadyInvoiced):
        _issue(env, finance(env))
    with pytest.raises(MonthNotOver):
        _issue(env, finance(env), "2027-02")


def test_an_issued_invoice_cannot_be_changed_by_any_writer(env: Env) -> None:
    _january(env)
    invoice = _issue(env, finance(env))
    attempts = [
        lambda s: setattr(s.get(Invoice, invoice.id), "total", Decimal("1.00")),
        lambda s: setattr(s.get(Invoice, invoice.id).lines[0], "amount", Decimal("0")),
        lambda s: s.delete(s.get(Invoice, invoice.id).lines[0]),
        lambda s: s.add(InvoiceLine(invoice_id=invoice.id, position=99, category="usage", period="2027-01",
                                    amount=Decimal("5"))),
        lambda s: s.execute(update(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id).values(amount=0)),
        lambda s: s.execute(InvoiceLine.__table__.delete()),  # Core statements too
        lambda s: s.execute(InvoiceLine.__table__.insert(), [{"id": uuid.uuid4(), "invoice_id": invoice.id,
                                                             "position": 98, "category": "usage", "amount": 1}]),
    ]
    for attempt in attempts:
        with pytest.raises(InvoiceFrozen), transaction(env.sessions) as s:
            attempt(s)
            s.flush()
    with transaction(env.sessions) as s:
        service.settle_invoice(s, actor=finance(env), number=invoice.number, status=InvoiceStatus.PAID)
    with pytest.raises(InvoiceFrozen), transaction(env.sessions) as s:
        service.settle_invoice(s, actor=finance(env), number=invoice.number, status=InvoiceStatus.CANCELLED)
    with env.sessions() as s:
        stored = s.get(Invoice, invoice.id)
        assert stored is not None and stored.total == invoice.total and stored.status == InvoiceStatus.PAID
        assert service.content_hash(stored, stored.lines) == invoice.content_hash


def test_a_refused_change_through_the_api_is_journaled(env: Env, app, client) -> None:  # type: ignore[no-untyped-def]
    """The API's refusal path journals InvoiceFrozen like every refusal (it is a PermissionDenied)."""
    assert issubclass(InvoiceFrozen, PermissionDenied)
    from sovcloud.access.refusals import journal_refusal

    _january(env)
    invoice = _issue(env, finance(env))
    try:
        with transaction(env.sessions) as s:
            s.get(Invoice, invoice.id).total = Decimal(0)  # type: ignore[union-attr]
            s.flush()
    except InvoiceFrozen as exc:
        journal_refusal(env.sessions, actor=finance(env), exc=exc, where="test")
    with env.sessions() as s:
        denied = s.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert [e.details["code"] for e in denied] == ["invoice-frozen"]


def test_credit_notes_have_their_own_numbers_and_reconcile(env: Env) -> None:
    _january(env)
    invoice = _issue(env, finance(env))
    with transaction(env.sessions) as s:
        part = service.credit_invoice(s, actor=finance(env), number=invoice.number, reason="Panne du 2 janvier",
                                      amount=Decimal("0.10"))
    with pytest.raises(ValidationFailed), transaction(env.sessions) as s:
        service.credit_invoice(s, actor=finance(env), number=invoice.number, reason="Trop", amount=invoice.total)
    with transaction(env.sessions) as s:
        rest = service.credit_invoice(s, actor=finance(env), number=invoice.number, reason="Solde")
    assert (part.number, rest.number) == ("AV-2027-000001", "AV-2027-000002")
    assert invoice.total + part.total + rest.total == 0
    with env.sessions() as s:
        stored = s.get(Invoice, invoice.id)
        assert stored is not None and service.content_hash(stored, stored.lines) == invoice.content_hash


def test_late_usage_of_a_closed_month_is_a_regularisation_on_the_next_invoice(env: Env) -> None:
    _january(env)
    invoice = _issue(env, finance(env))
    with transaction(env.sessions) as s:  # a change of January learned late (a replayed history)
        late = datetime(2027, 1, 20, tzinfo=UTC)
        capture.upsert(s, [{"id": uuid.uuid4(), "resource_id": uuid.uuid4(), "project_id": env.project_id,
                            "organisation_id": env.org_id, "kind": "server", "name": "late", "state": "running",
                            "plan_id": env.plans["vm/s1.small"], "gb": 0, "at": late, "at_s": int(late.timestamp()),
                            "source": "active"},
                           {"id": uuid.uuid4(), "resource_id": uuid.uuid4(), "project_id": env.project_id,
                            "organisation_id": env.org_id, "kind": "server", "name": "late2",
                            "state": BillableState.NONE, "plan_id": None, "gb": 0, "at": late,
                            "at_s": int(late.timestamp()), "source": "deleted"}])
        metering.meter(s, compare=False)
    env.clock.current = datetime(2027, 3, 5, tzinfo=UTC)
    february = _issue(env, finance(env), "2027-02")
    regul = [ln for ln in february.lines if ln.category == "regularisation"]
    assert [(ln.period, ln.resource_name) for ln in regul] == [("2027-01", "late")]
    hours = Decimal(Month(2027, 1).end_s - int(late.timestamp())) / 3600
    assert regul[0].amount == (Decimal("0.02") * hours).quantize(Decimal("0.01"))
    with env.sessions() as s:
        assert service.regularisations(s, env.org_id, Month(2027, 3)) == []  # February's own are billed
        assert s.get(Invoice, invoice.id).total == invoice.total  # type: ignore[union-attr]


def test_monthly_close_issues_once_from_its_day(env: Env) -> None:
    _january(env)
    env.clock.current = datetime(2027, 2, 1, 12, tzinfo=UTC)
    assert close.close_month(env.sessions, close_day=3).skipped
    env.clock.current = datetime(2027, 2, 3, 12, tzinfo=UTC)
    assert close.close_month(env.sessions, close_day=3).issued == ["SC-2027-000001"]
    assert close.close_month(env.sessions, close_day=3).issued == []


def test_numbers_have_no_gap_under_concurrent_issuers(env: Env, engine) -> None:  # type: ignore[no-untyped-def]
    """Eight organisations issued at once by eight threads (each its own connection): numbers 1 to 8."""
    with transaction(env.sessions) as s:
        orgs = [make_org(s, f"CONC{i}") for i in range(8)]
        projects = [make_project(s, o, "P") for o in orgs]
    for p in projects:
        env.project_id = p.id
        env.create(f"vm-{p.id.hex[:6]}")
    env.clock.current = FEB
    with transaction(env.sessions) as s:
        metering.meter(s)
    barrier, numbers, errors = threading.Barrier(8), [], []

    def issue(org: Organisation) -> None:
        actor = Actor(user_id=None, username="f", grants=(Grant(Role.FINANCE),), mfa_verified=True)
        barrier.wait()
        try:
            with transaction(env.sessions) as s:
                numbers.append(service.issue_invoice(s, actor=actor, organisation_id=org.id, month="2027-01").number)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(o,)) for o in orgs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == [f"SC-2027-{i:06d}" for i in range(1, 9)]
