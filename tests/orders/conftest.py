"""Fixtures for ordering: the default catalogue and policy, and a runtime on the simulated cloud."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sovcloud.catalog.models import Plan
from sovcloud.catalog.seed import seed_catalog
from sovcloud.orders.policies import seed_rules
from sovcloud.provisioning import dispatch
from sovcloud.provisioning.runtime import make_runtime
from sovcloud.resilience.seed import seed_demo_sites
from tests.factories import SYSTEM


@pytest.fixture
def catalog(world, sessions):  # type: ignore[no-untyped-def]
    """The default catalogue, approval policy and demo sites; returns plan ids by "offering/plan" code."""
    with sessions() as db, db.begin():
        seed_catalog(db, actor=SYSTEM)
        seed_rules(db, actor=SYSTEM)
        seed_demo_sites(db, actor=SYSTEM)
        return {f"{p.offering.kind}/{p.code}": p.id for p in db.scalars(select(Plan))}


@pytest.fixture
def runtime(settings):  # type: ignore[no-untyped-def]
    """A worker runtime on a fresh simulated cloud; steps run when the test calls ``drain``."""
    dispatch.set_dispatcher(None)
    queued: list[tuple[str, float]] = []
    rt = make_runtime(settings, lambda step_id, delay: queued.append((step_id, delay)))
    yield rt
    rt.provider.close()  # type: ignore[attr-defined]
