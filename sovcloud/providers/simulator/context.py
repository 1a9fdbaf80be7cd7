"""State shared by the simulator's operation modules: configuration, database, clock, caches, and the
decorator every public call goes through (fault injection and error conversion)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ParamSpec, Protocol, TypeVar, cast

from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from sovcloud.clock import Clock
from sovcloud.providers.errors import (
    BadInputError,
    ConflictError,
    NotFoundError,
    ProviderError,
    TransientError,
)
from sovcloud.providers.simulator.config import SimulatorConfig
from sovcloud.providers.simulator.db import SimDatabase
from sovcloud.providers.simulator.faults import FaultController
from sovcloud.providers.simulator.models import SimFlavor, SimHost, SimImage, SimSite, TenantOwned

P = ParamSpec("P")
R = TypeVar("R")
RowT = TypeVar("RowT", bound=TenantOwned)
OutT = TypeVar("OutT")


class SimContext:
    """Everything an operation needs; one per provider instance (i.e. per process)."""

    def __init__(self, config: SimulatorConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.db = SimDatabase(config)
        self.db.initialise(clock())
        self.faults = FaultController(self.db, config)
        with self.db.read() as session:
            self.flavors: dict[str, SimFlavor] = {f.id: f for f in session.scalars(select(SimFlavor))}
            self.public_images: dict[str, SimImage] = {
                i.id: i for i in session.scalars(select(SimImage).where(SimImage.tenant == ""))
            }
            self.site_names: tuple[str, ...] = tuple(session.scalars(select(SimSite.name).order_by(SimSite.name)))
            self.host_names: dict[int, str] = {i: n for i, n in session.execute(select(SimHost.id, SimHost.name))}

    def now(self) -> datetime:
        """The current time from the injected clock."""
        return self.clock()

    def after(self, seconds: float) -> datetime:
        """The time ``seconds`` from now."""
        return self.clock() + timedelta(seconds=seconds)

    def flavor(self, flavor_id: str) -> SimFlavor:
        """A flavor by id. Raises: BadInputError."""
        try:
            return self.flavors[flavor_id]
        except KeyError:
            raise BadInputError(f"unknown flavor {flavor_id!r}") from None


def new_id() -> str:
    """A fresh resource id."""
    return str(uuid.uuid4())


def owned(session: Session, model: type[RowT], tenant: str, object_id: str, *, lock: bool = False) -> RowT:
    """The tenant's object of this kind. Raises: NotFoundError (absent, or another tenant's)."""
    query = select(model).where(model.id == object_id)
    if lock:
        query = query.with_for_update()
    row = session.scalar(query)
    if row is None or row.tenant != tenant:
        raise NotFoundError(f"{getattr(model, '__tablename__', 'object').removeprefix('sim_')} {object_id} not found")
    return row


_BY_KEY: dict[type[Any], Select[Any]] = {}


def _by_key(model: type[Any]) -> Select[Any]:
    """The look-up of an object by idempotency key, built once per kind."""
    if model not in _BY_KEY:
        _BY_KEY[model] = select(model).where(model.idempotency_key == bindparam("key"))
    return _BY_KEY[model]


def create_once(
    ctx: SimContext,
    model: type[RowT],
    tenant: str,
    key: str,
    build: Callable[[Session], RowT],
    present: Callable[[Session, RowT], OutT],
    *,
    optimistic: bool = False,
) -> OutT:
    """Run ``build`` once per idempotency key; a repeat (even a concurrent one) returns the first object.

    ``optimistic`` skips the look-up before building (one query less on a hot path): a repeat then fails
    on the unique key, its transaction is rolled back, and the first object is read back.
    """
    if not key:
        raise BadInputError("an idempotency key is required")

    def existing(session: Session) -> RowT | None:
        row = session.scalar(_by_key(model), {"key": key})
        if row is not None and row.tenant != tenant:
            raise ConflictError(f"idempotency key {key!r} already used by another tenant")
        return row

    try:
        with ctx.db.write() as session:
            row = None if optimistic else existing(session)
            if row is None:
                row = build(session)
                session.flush()
            return present(session, row)
    except IntegrityError:
        with ctx.db.read() as session:  # a concurrent create with the same key won the race
            row = existing(session)
            if row is None:
                raise
            return present(session, row)


class _HasContext(Protocol):
    _ctx: SimContext


def api_call(fn: Callable[P, R]) -> Callable[P, R]:
    """Wrap a public provider method: inject faults, convert database failures to provider errors."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        ctx = cast(_HasContext, args[0])._ctx
        ctx.faults.before_call(fn.__name__)
        try:
            result = fn(*args, **kwargs)
        except ProviderError:
            raise
        except OperationalError as exc:
            raise TransientError(f"simulator database unavailable: {exc.orig}") from exc
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise TransientError(f"simulator database connection lost: {exc.orig}") from exc
            raise ProviderError(f"simulator database error: {exc.orig}") from exc
        ctx.faults.after_call(fn.__name__)
        return result

    return wrapper


def as_list(value: Any) -> tuple[str, ...]:
    """A JSON list column as a tuple of strings."""
    return tuple(str(v) for v in (value or ()))
