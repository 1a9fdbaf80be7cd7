"""What a worker needs to run steps: settings, database sessions, the provider, and the queue."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

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
    return build_provider(settings.provider)


def make_runtime(settings: Settings, enqueue: Enqueue, provider: CloudProvider | None = None) -> Runtime:
    return Runtime(settings=settings, sessions=make_sessionmaker(make_engine(settings.database_url)),
                   provider=provider or make_provider(settings), enqueue=enqueue)
