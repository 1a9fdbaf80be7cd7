"""Supervision fixtures: the browser ones of the portal tests, and a worker runtime on the simulated cloud."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def rt(settings: Any) -> Iterator[Any]:
    """A worker runtime on the simulated cloud (faults cleared at the end)."""
    from sovcloud.provisioning.runtime import make_runtime

    runtime = make_runtime(settings, lambda step_id, delay: None)
    yield runtime
    runtime.provider.faults.clear()
    runtime.provider.close()


def evaluation_round(rt: Any) -> Any:
    """One evaluation round of the alert rules, committed."""
    from sovcloud.supervision.alerts_eval import evaluate

    with rt.sessions() as db, db.begin():
        return evaluate(db, provider=rt.provider, settings=rt.settings)


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Any]:
    """A real SMTP server (aiosmtpd) on a free loopback port, for the whole session."""
    from aiosmtpd.controller import Controller

    from tests.live import free_port
    from tests.supervision.peers import Mailbox

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    yield box
    controller.stop()


@pytest.fixture(scope="session")
def receiver() -> Iterator[Any]:
    """A real HTTP server receiving the webhooks, for the whole session."""
    from tests.supervision.peers import Receiver

    peer = Receiver()
    yield peer
    peer.close()


@pytest.fixture
def settings(settings: Any, mailbox: Any, receiver: Any) -> Any:
    """The test settings, sending e-mail to the test's SMTP server and webhooks to loopback receivers."""
    mailbox.messages.clear()
    receiver.clear()
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": mailbox.port,
                                       "webhook_allow_http_loopback": True, "delivery_retry_base_s": 10.0,
                                       "delivery_max_attempts": 3, "delivery_timeout_s": 5.0})
