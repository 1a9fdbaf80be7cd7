"""Fixtures for applications: a project administrator of ministry A who registers an application with a
production environment, and ministry A's own security officer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from sovcloud.access.roles import Role
from sovcloud.applications import homologation, service
from sovcloud.applications.choices import Decision, EnvironmentKind, Stage, StepKind
from tests.factories import Person, actor_for, make_user


@dataclass
class Registry:
    """Ministry A's application and the people around it."""

    application_id: object
    production_id: object
    recette_id: object
    owner: Person  #: project admin of Projet A, the business owner
    officer: Person  #: ministry A's security officer


@pytest.fixture
def registry(world, sessions, settings) -> Registry:  # type: ignore[no-untyped-def]
    with sessions() as db, db.begin():
        owner = make_user(db, settings, "chef.a", Role.PROJECT_ADMIN, project=world.projects["a"])
        officer = make_user(db, settings, "rssi.a", Role.SECURITY_OFFICER, org=world.orgs["A"])
        actor = actor_for(db, owner)
        app = service.create_application(db, actor=actor, project_id=world.projects["a"].id, data=service.ApplicationIn(
            name="Système RH", code="sirh", contacts=[service.Contact("Léa Tech", "lea@test.gouv.fr")]))
        prod = service.set_environment(db, actor=actor, application_id=app.id, kind=EnvironmentKind.PRODUCTION)
        recette = service.set_environment(db, actor=actor, application_id=app.id, kind=EnvironmentKind.RECETTE)
        return Registry(app.id, prod.id, recette.id, owner, officer)


def homologate(db, registry: Registry, *, decided_on: date, months: int = 12, stage: bool = True):  # type: ignore[no-untyped-def]
    """Take the application through its dossier to a granted homologation (and to conformity tests)."""
    owner, officer = actor_for(db, registry.owner), actor_for(db, registry.officer)
    app = service.get_application(db, actor=owner, application_id=registry.application_id)
    if app.stage == Stage.CANDIDATE:
        service.change_stage(db, actor=owner, application_id=app.id, to=Stage.SECURITY_VALIDATION)
    dossier = service.latest_dossier(db, app.id)
    assert dossier is not None and dossier.decision is None
    for step in dossier.steps:
        if step.kind != StepKind.DECISION and step.done_at is None:
            homologation.complete_step(db, actor=owner, application_id=app.id, homologation_id=dossier.id,
                                       step=StepKind(step.kind))
    homologation.decide(db, actor=officer, application_id=app.id, homologation_id=dossier.id, decision=Decision.GRANTED,
                        authority_name="Mme la Directrice", authority_function="Directrice du numérique",
                        decided_on=decided_on, validity_months=months)
    if stage:
        service.change_stage(db, actor=owner, application_id=app.id, to=Stage.CONFORMITY_TESTS)
    return dossier


from tests.orders.conftest import catalog, runtime  # noqa: E402,F401  (the default catalogue and a worker runtime)
