"""What a worker needs to run steps: settings, database sessions, the provider, and the queue."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from sovcloud.config import Settings
from sovcloud.db import make_engine, make_sessionmaker
from sovcloud.providers import build_provider
from sovcloud.providers.base import CloudProvider
from sovcloud.providers.dto import QuotaSet

Enqueue = Callable[[str, float], None]


@dataclass
class Runtime:
    """Everything ``run_step`` uses; built once per worker process."""

    settings: Settings
    sessions: sessionmaker[Session]
    provider: CloudProvider
    enqueue: Enqueue  #: (step id, delay in seconds) → put on the queue
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")


def make_provider(settings: Settings, sessions: sessionmaker[Session] | None = None) -> CloudProvider:
    """The configured cloud provider. With ``sessions``, the OpenStack one pushes each project's sovcloud
    quota to Nova, Cinder and Neutron when it first uses the project."""
    if settings.provider == "simulator":
        return build_provider("simulator", database_url=settings.simulator_database_url,
                              build_delay_s=settings.simulator_build_delay_s,
                              action_delay_s=min(settings.simulator_build_delay_s, 1.0),
                              cpu_ratio=settings.simulator_cpu_ratio)
    if settings.provider == "openstack":
        quota_source = project_quotas(sessions) if sessions is not None else None
        return build_provider("openstack", quota_source=quota_source, **openstack_config(settings))
    return build_provider(settings.provider)


def openstack_config(settings: Settings) -> dict[str, Any]:
    """Keyword settings of the OpenStack provider (``OpenStackConfig``) from the sovcloud settings."""
    config: dict[str, Any] = {"project_name": settings.openstack_project_name, "region_name": settings.openstack_region,
                              "project_prefix": settings.openstack_project_prefix,
                              "member_role": settings.openstack_member_role,
                              "external_network": settings.openstack_external_network,
                              "api_timeout_s": settings.openstack_api_timeout_s}
    if settings.openstack_cloud:
        config["cloud"] = settings.openstack_cloud
        config["clouds_yaml"] = str(settings.openstack_config_file) if settings.openstack_config_file else None
    else:
        config.update(auth_url=settings.openstack_auth_url, username=settings.openstack_username,
                      password=settings.openstack_password.get_secret_value() if settings.openstack_password else None)
    return config


def project_quotas(sessions: sessionmaker[Session]) -> Callable[[str], QuotaSet | None]:
    """sovcloud's quota of a project (a provider tenant) in the provider's terms; None when it has none.
    Block storage gets the whole storage quota (sovcloud also counts server disks in it: an upper bound)."""
    from sqlalchemy import select

    from sovcloud.tenancy.models import Quota

    def limits(tenant: str) -> QuotaSet | None:
        try:
            project_id = uuid.UUID(tenant)
        except ValueError:
            return None
        with sessions() as session:
            quota = session.scalar(select(Quota).where(Quota.project_id == project_id))
            if quota is None:
                return None
            return QuotaSet(instances=quota.instances, cores=quota.vcpus, ram_mib=quota.ram_mb,
                            volume_gb=quota.storage_gb, public_ips=quota.public_ips)

    return limits


def make_runtime(settings: Settings, enqueue: Enqueue, provider: CloudProvider | None = None) -> Runtime:
    sessions = make_sessionmaker(make_engine(settings.database_url))
    return Runtime(settings=settings, sessions=sessions, provider=provider or make_provider(settings, sessions),
                   enqueue=enqueue)
