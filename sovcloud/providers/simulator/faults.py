"""Fault injection, stored in the simulator database so that every process sharing it misbehaves alike.

The model:

* **error rate** p: each provider call fails *before* doing anything with :class:`TransientError`
  ("HTTP 503"), with probability p drawn from a seeded generator (same seed, same sequence per process).
* **timeout rate** p: each call is *carried out*, then reports :class:`OperationTimedOutError` with
  probability p, as when the answer is lost on the way back: the caller must repeat it with the same
  idempotency key and get the object that was created.
* **host down**: the scheduler skips the host; its servers read UNKNOWN and refuse actions
  (:class:`ConflictError`) but can be deleted; they come back in their former state.
* **site down**: the same for every host of the site, plus its storage: no new server, volume or public
  IP is placed there (:class:`CapacityError` when the site is asked for explicitly).

Settings are re-read from the database at most every ``fault_refresh_s`` seconds per process (the
process that changes them sees the change at once); host and site state are read on every call that
needs them.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import InstrumentedAttribute

from sovcloud.providers.errors import NotFoundError, OperationTimedOutError, TransientError
from sovcloud.providers.simulator.config import SimulatorConfig
from sovcloud.providers.simulator.db import SimDatabase
from sovcloud.providers.simulator.models import SimFaultState, SimHost, SimSite


@dataclass(frozen=True, kw_only=True)
class FaultState:
    """The fault settings in force."""

    error_rate: float  #: probability (0-1) that a call fails before acting
    timeout_rate: float  #: probability (0-1) that a call acts, then times out
    hosts_down: tuple[str, ...]  #: names of hosts switched off
    sites_down: tuple[str, ...]  #: names of sites switched off


class FaultController:
    """Switches faults on and off (``provider.faults``) and applies them to each call."""

    def __init__(self, db: SimDatabase, config: SimulatorConfig) -> None:
        self._db = db
        self._refresh_s = config.fault_refresh_s
        self._rng = random.Random(config.seed)
        self._rates = (0.0, 0.0)
        self._read_at = float("-inf")

    # -- controls -----------------------------------------------------------------------------------
    def set_error_rate(self, rate: float) -> None:
        """Make each call fail with TransientError with probability ``rate`` (0 to 1)."""
        self._set(error_rate=_probability(rate))

    def set_timeout_rate(self, rate: float) -> None:
        """Make each call time out after acting with probability ``rate`` (0 to 1)."""
        self._set(timeout_rate=_probability(rate))

    def host_down(self, name: str) -> None:
        """Switch a hypervisor off. Raises: NotFoundError."""
        self._switch(SimHost, SimHost.name, name, down=True)

    def host_up(self, name: str) -> None:
        """Switch a hypervisor back on. Raises: NotFoundError."""
        self._switch(SimHost, SimHost.name, name, down=False)

    def site_down(self, name: str) -> None:
        """Cut a whole site off. Raises: NotFoundError."""
        self._switch(SimSite, SimSite.name, name, down=True)

    def site_up(self, name: str) -> None:
        """Bring a site back. Raises: NotFoundError."""
        self._switch(SimSite, SimSite.name, name, down=False)

    def clear(self) -> None:
        """Remove every fault: rates to 0, all hosts and sites up."""
        with self._db.write() as session:
            session.execute(update(SimFaultState).values(error_rate=0.0, timeout_rate=0.0))
            session.execute(update(SimHost).where(SimHost.down.is_(True)).values(down=False))
            session.execute(update(SimSite).where(SimSite.down.is_(True)).values(down=False))
        self._rates, self._read_at = (0.0, 0.0), time.monotonic()

    def state(self) -> FaultState:
        """The faults currently in force."""
        with self._db.read() as session:
            row = session.get_one(SimFaultState, 1)
            hosts = session.scalars(select(SimHost.name).where(SimHost.down.is_(True)).order_by(SimHost.name))
            sites = session.scalars(select(SimSite.name).where(SimSite.down.is_(True)).order_by(SimSite.name))
            return FaultState(
                error_rate=row.error_rate,
                timeout_rate=row.timeout_rate,
                hosts_down=tuple(hosts),
                sites_down=tuple(sites),
            )

    # -- application --------------------------------------------------------------------------------
    def before_call(self, operation: str) -> None:
        """Maybe fail a call before it acts. Raises: TransientError."""
        error_rate, _ = self._current()
        if error_rate and self._rng.random() < error_rate:
            raise TransientError(f"{operation}: injected fault (HTTP 503 Service Unavailable)")

    def after_call(self, operation: str) -> None:
        """Maybe lose the answer of a call that acted. Raises: OperationTimedOutError."""
        _, timeout_rate = self._rates
        if timeout_rate and self._rng.random() < timeout_rate:
            raise OperationTimedOutError(f"{operation}: injected timeout (the operation was applied)")

    def _current(self) -> tuple[float, float]:
        clock = time.monotonic()
        if clock - self._read_at >= self._refresh_s:
            with self._db.read() as session:
                row = session.get_one(SimFaultState, 1)
                self._rates = (row.error_rate, row.timeout_rate)
            self._read_at = clock
        return self._rates

    def _set(self, **values: float) -> None:
        with self._db.write() as session:
            session.execute(update(SimFaultState).where(SimFaultState.id == 1).values(**values))
        self._read_at = float("-inf")

    def _switch(
        self, model: type[SimHost] | type[SimSite], column: InstrumentedAttribute[str], name: str, *, down: bool
    ) -> None:
        with self._db.write() as session:
            result = session.execute(update(model).where(column == name).values(down=down))
            if getattr(result, "rowcount", 0) == 0:
                raise NotFoundError(f"no {model.__tablename__.removeprefix('sim_')} named {name!r}")


def _probability(rate: float) -> float:
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"a probability is between 0 and 1, not {rate}")
    return float(rate)
