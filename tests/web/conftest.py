"""Portal test fixtures: the default catalogue, a worker runtime, the approvers. The browser and the served
app are ``tests/browser.py``'s, for the whole suite."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def catalog(world: Any, sessions: Any) -> dict[str, Any]:
    """The default catalogue, approval policy and demo sites; plan ids by "offering/plan" code."""
    from sqlalchemy import select

    from sovcloud.catalog.models import Plan
    from sovcloud.catalog.seed import seed_catalog
    from sovcloud.orders.policies import seed_rules
    from sovcloud.resilience.seed import seed_demo_sites
    from tests.factories import SYSTEM

    with sessions() as db, db.begin():
        seed_catalog(db, actor=SYSTEM)
        seed_rules(db, actor=SYSTEM)
        seed_demo_sites(db, actor=SYSTEM)
        return {f"{p.offering.kind}/{p.code}": p.id for p in db.scalars(select(Plan))}


@pytest.fixture
def runtime(settings: Any) -> Iterator[Any]:
    """A worker runtime on the app's simulated cloud; steps run when the test calls ``drain``."""
    from sovcloud.provisioning import dispatch
    from sovcloud.provisioning.runtime import make_runtime

    dispatch.set_dispatcher(None)
    rt = make_runtime(settings, lambda step_id, delay: None)
    yield rt
    rt.provider.close()


@pytest.fixture
def chef(world: Any, sessions: Any, settings: Any) -> Any:
    """A project administrator of Projet A (TOTP enrolled): the approver of its costly orders."""
    from sovcloud.access.roles import Role
    from tests.factories import make_user

    with sessions() as db, db.begin():
        return make_user(db, settings, "chef.a", Role.PROJECT_ADMIN, project=world.projects["a"])
