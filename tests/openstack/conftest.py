"""Fixtures of the OpenStack tests: the devcloud (session), its provider settings, and sovcloud on it
(settings with ``provider="openstack"``, the default catalogue, a worker runtime, an admin SDK connection)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openstack
import pytest
from sqlalchemy import select

from sovcloud.config import Settings
from tests.openstack.devcloud_fixture import CLOUD, devcloud, openstack_settings

__all__ = ["admin_conn", "catalog", "devcloud", "openstack_settings", "runtime", "settings"]


@pytest.fixture
def settings(database_url: str, tmp_path: Path, devcloud: Path) -> Settings:
    """The test settings of tests/conftest.py, on the devcloud."""
    from pydantic import SecretStr

    return Settings(database_url=database_url, secret_key=SecretStr("test-secret-" + "x" * 40),
                    queue_path=tmp_path / "queue.db", log_json=False, provider="openstack",
                    openstack_cloud=CLOUD, openstack_config_file=devcloud, poll_interval_s=0.2)


@pytest.fixture
def catalog(world, sessions):  # type: ignore[no-untyped-def]
    """The default catalogue, approval policy and demo sites; plan ids by "offering/plan" code."""
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
def runtime(settings):  # type: ignore[no-untyped-def]
    """A worker runtime on the devcloud; steps run when the test calls ``drain``."""
    from sovcloud.provisioning import dispatch
    from sovcloud.provisioning.runtime import make_runtime

    dispatch.set_dispatcher(None)
    rt = make_runtime(settings, lambda step_id, delay: None)
    yield rt
    rt.provider.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def admin_conn(devcloud: Path) -> Iterator[Any]:
    """A plain openstacksdk admin connection, independent of sovcloud's provider."""
    from openstack import config as os_config

    region = os_config.OpenStackConfig(config_files=[str(devcloud)], load_envvars=False).get_one(CLOUD)
    conn = openstack.connection.Connection(config=region)
    yield conn
    conn.close()
