"""What a worker needs to run steps: settings, database sessions, the provider, and the queue."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from sovcloud.config import Settings
from sovcloud.db import make_engine, make_sessionmaker
from sovcloud.providers import build_provider
from sovcloud.providers.base import CloudProvider

Enqueue = Callable[[str, float], None]


@dataclass
class Runtime:
    """Everything ``run_step`` uses; built once per worker process."""

    settings: Settings
    sessions: sessionmaker[Session]
    provider: CloudProvider
    enqueue: Enqueue  #: (step id, delay in seconds) → put on the queue
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")


def make_provider(settings: Settings) -> CloudProvider:
    """The configured cloud provider."""
    if settings.provider == "simulator":
        return build_provider("simulator", database_url=settings.simulator_database_url,
                              build_delay_s=settings.simulator_build_delay_s,
                              action_delay_s=min(settings.simulator_build_delay_s, 1.0),
                              cpu_ratio=settings.simulator_cpu_ratio)
    if settings.provider == "openstack":
        return build_provider("openstack", **openstack_config(settings))
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


def make_runtime(settings: Settings, enqueue: Enqueue, provider: CloudProvider | None = None) -> Runtime:
    return Runtime(settings=settings, sessions=make_sessionmaker(make_engine(settings.database_url)),
                   provider=provider or make_provider(settings), enqueue=enqueue)
