"""Supervision fixtures: the browser ones of the portal tests, and a worker runtime on the simulated cloud."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import browser, live_server  # noqa: F401  (fixtures)


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
