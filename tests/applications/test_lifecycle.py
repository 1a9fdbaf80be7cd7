"""The life cycle is a state machine in the service: allowed moves only, each journaled; the guards
(a valid homologation to leave security validation, a passed checklist to reach production) hold."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from sovcloud import audit
from sovcloud.applications import conformity, homologation, service
from sovcloud.applications.choices import TRANSITIONS, Decision, Stage, StepKind, Verdict
from sovcloud.applications.errors import InvalidStage
from sovcloud.applications.homologation import add_months
from sovcloud.audit.models import AuditEvent
from sovcloud.catalog.models import Offering
from sovcloud.catalog.seed import seed_catalog
from sovcloud.clock import now
from sovcloud.errors import Conflict, PermissionDenied, ValidationFailed
from tests.applications.conftest import homologate
from tests.factories import SYSTEM, actor_for

S = Stage
#: every (from, to) pair: allowed by the table or refused
PAIRS = [(a, b) for a in Stage for b in Stage if a != b]


def test_the_transition_table_is_the_one_of_the_issue():
    assert TRANSITIONS[S.CANDIDATE] == {S.SECURITY_VALIDATION, S.RETIRED}
    assert TRANSITIONS[S.SECURITY_VALIDATION] == {S.CONFORMITY_TESTS, S.RETIRED}
    assert TRANSITIONS[S.CONFORMITY_TESTS] == {S.PRODUCTION, S.SECURITY_VALIDATION, S.RETIRED}
    assert TRANSITIONS[S.PRODUCTION] == {S.RETIRED} and TRANSITIONS[S.RETIRED] == frozenset()


def _force(db, app_id, stage):  # type: ignore[no-untyped-def]
    app = service.get_application(db, actor=SYSTEM, application_id=app_id)
    app.stage = stage
    db.flush()


#: the same service paths (row locks included) run on PostgreSQL in the gate and document tests
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_life_cycle_refuses_illegal_moves_and_guards_and_journals_the_path(db, registry):
    owner, officer = actor_for(db, registry.owner), actor_for(db, registry.officer)
    app_id = registry.application_id
    refused = 0
    for start, to in PAIRS:  # the table of cases: every move the table does not allow is refused
        if to in TRANSITIONS[start]:
            continue
        _force(db, app_id, start)
        with pytest.raises(InvalidStage) as caught:
            service.change_stage(db, actor=owner, application_id=app_id, to=to)
        assert "impossible de passer" in caught.value.detail, (start, to)
        assert service.get_application(db, actor=owner, application_id=app_id).stage == start
        refused += 1
    assert refused == len(PAIRS) - sum(len(v) for v in TRANSITIONS.values()) == 12
    _force(db, app_id, S.CANDIDATE)
    with pytest.raises(PermissionDenied):  # a security officer reads applications, it does not manage them
        service.change_stage(db, actor=officer, application_id=app_id, to=S.SECURITY_VALIDATION)
    service.change_stage(db, actor=owner, application_id=app_id, to=S.SECURITY_VALIDATION)
    with pytest.raises(InvalidStage, match="homologation accordée"):  # the guard: no decision yet
        service.change_stage(db, actor=owner, application_id=app_id, to=S.CONFORMITY_TESTS)
    dossier = service.latest_dossier(db, app_id)
    decision = {"actor": officer, "application_id": app_id, "homologation_id": dossier.id,
                "decision": Decision.GRANTED, "authority_name": "M. le Préfet", "authority_function": "Préfet",
                "decided_on": now().date()}
    with pytest.raises(ValidationFailed, match="Étapes à terminer"):  # the steps come first
        homologation.decide(db, **decision, validity_months=12)
    homologation.complete_step(db, actor=owner, application_id=app_id, homologation_id=dossier.id,
                               step=StepKind.RISK_ANALYSIS, note="EBIOS RM")
    with pytest.raises(Conflict):
        homologation.complete_step(db, actor=owner, application_id=app_id, homologation_id=dossier.id,
                                   step=StepKind.RISK_ANALYSIS)
    for step in (StepKind.SECURITY_TESTS, StepKind.ACTION_PLAN):
        homologation.complete_step(db, actor=owner, application_id=app_id, homologation_id=dossier.id, step=step)
    with pytest.raises(PermissionDenied):  # the team does not record its own homologation
        homologation.decide(db, **{**decision, "actor": owner}, validity_months=12)
    for months, day in ((5, now().date()), (37, now().date()), (12, now().date() + timedelta(days=1))):
        with pytest.raises(ValidationFailed) as caught:  # validity 6 months to 3 years, a date not in the future
            homologation.decide(db, **{**decision, "decided_on": day}, validity_months=months)
        assert caught.value.errors[0]["field"] in ("validity_months", "decided_on")
    homologate(db, registry, decided_on=now().date(), months=12)  # → conformity tests
    dossier = service.latest_dossier(db, app_id)
    assert dossier.validity_months == 12 and dossier.expires_at.date() == add_months(now().date(), 12)
    assert dossier.remind_at.date() == add_months(now().date(), 8)  # longer than 6 months: 4 months before
    seed_catalog(db, SYSTEM)
    vm = db.scalar(select(Offering).where(Offering.code == "vm"))
    check = conformity.add_check(db, actor=owner, application_id=app_id, offering_id=vm.id,
                                 criterion="Sauvegardes restaurées", evidence_url="https://forge.test/pipelines/42")
    with pytest.raises(InvalidStage, match="tous conformes"):  # a check still pending
        service.change_stage(db, actor=owner, application_id=app_id, to=S.PRODUCTION)
    with pytest.raises(PermissionDenied):  # the owner does not review its own checks
        conformity.review(db, actor=owner, application_id=app_id, check_id=check.id, verdict=Verdict.PASSED)
    conformity.review(db, actor=officer, application_id=app_id, check_id=check.id, verdict=Verdict.PASSED)
    service.change_stage(db, actor=owner, application_id=app_id, to=S.PRODUCTION)
    service.change_stage(db, actor=owner, application_id=app_id, to=S.RETIRED, comment="fin")
    audit.service.chain_pending(db)  # the journal entries of this transaction, chained before the commit
    moves = [(e.details["from"], e.details["to"]) for e in db.scalars(
        select(AuditEvent).where(AuditEvent.action == "application.stage_changed").order_by(AuditEvent.seq))]
    assert moves == [("candidate", "security_validation"), ("security_validation", "conformity_tests"),
                     ("conformity_tests", "production"), ("production", "retired")]


def test_labels_are_translated_and_classifications_match_the_orders():
    from sovcloud.applications import choices, web
    from sovcloud.orders.choices import Classification
    from sovcloud.web.i18n_en import MESSAGES

    assert {c.value for c in choices.DataClassification} == {c.value for c in Classification}
    labels = {*web.DONE.values()}
    for table in (choices.STAGE_LABELS, choices.ENVIRONMENT_LABELS, choices.CRITICALITY_LABELS,
                  choices.HOMOLOGATION_LABELS, choices.STEP_LABELS, choices.VERDICT_LABELS):
        labels |= set(table.values())
    assert sorted(labels - MESSAGES.keys()) == []


def test_months_are_added_as_a_calendar_does():
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2028, 2, 29), -12) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 1), 36) == date(2029, 12, 1)
    assert add_months(date(2027, 1, 15), -2) == date(2026, 11, 15)
