"""Inventory sync from the cloud's notification bus: a change made outside sovcloud (a server deleted with the
openstack CLI, a server powered off from Horizon) shows in the inventory within seconds instead of at the
next full reconcile.

The provider reads its bus and hands over provider-neutral :class:`~sovcloud.providers.events.CloudEvent`
values (OpenStack's feed: ``sovcloud/providers/openstack/notifications.py``); this module only decides
what an event means for the inventory, for a resource it holds in a settled state (active or error, no
step working on it, no compensation of its order under way):

* an object deleted → state GONE, drift "missing", audit ``resource.gone`` (as the reconcile does);
* a server settled in a status → compared with the expected one: drift "changed" or cleared (as the
  reconcile does).

Deletes sovcloud started itself find the resource DELETING or DELETED and are ignored. A lost event (the
bus or the database briefly away) is caught by the periodic full reconcile, which stays the safety net.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque

from sqlalchemy import select

from sovcloud.access.actor import Actor
from sovcloud.db import transaction
from sovcloud.inventory.models import Resource
from sovcloud.inventory.sync import SETTLED, mark_missing, observe_status
from sovcloud.logs import get_logger
from sovcloud.providers.events import CloudEvent
from sovcloud.provisioning.models import Step, StepKind, StepStatus
from sovcloud.provisioning.runtime import Runtime

log = get_logger("sovcloud.notifications")
SYSTEM = Actor.system("notifications")


def apply(rt: Runtime, event: CloudEvent) -> str:
    """Write what ``event`` means into the inventory; returns the outcome: gone, changed, agreed, ignored."""
    with transaction(rt.sessions) as session:
        r = session.scalars(select(Resource).where(Resource.provider_id == event.provider_id,
                                                   Resource.kind == event.kind).limit(1)).first()
        if r is None or r.state not in SETTLED:
            return "ignored"  # unknown to us (the reconcile reports strangers), or a step of ours works on it
        if r.order_id is not None and session.scalar(select(Step.id).where(
                Step.order_id == r.order_id, Step.kind == StepKind.COMPENSATE,
                Step.status.in_([StepStatus.PENDING, StepStatus.RUNNING])).limit(1)) is not None:
            return "ignored"  # our own compensation is deleting it
        if event.gone:
            mark_missing(session, r, actor=SYSTEM, source=event.event_type)
            return "gone"
        if event.status and r.kind == "server":
            return "changed" if observe_status(session, r, event.status, actor=SYSTEM,
                                               source=event.event_type) else "agreed"
        return "ignored"


class NotificationListener:
    """Runs the cloud's notification feed in a daemon thread and applies its events to the inventory."""

    def __init__(self, rt: Runtime, *, url: str | None = None, queue: str | None = None,
                 bindings: list[str] | None = None) -> None:
        from sovcloud.providers.openstack.notifications import NotificationFeed  # the one cloud with a bus

        settings = rt.settings
        self.rt = rt
        self.counts: Counter[str] = Counter()  #: outcomes so far
        self.recent: deque[tuple[float, CloudEvent, str]] = deque(maxlen=200)  #: (monotonic time, event, outcome)
        self.feed = NotificationFeed(
            url=url or settings.notifications_url or "", queue=queue or settings.notifications_queue,
            bindings=[(b.split(":", 1)[0], b.split(":", 1)[1]) for b in bindings or settings.notifications_bindings],
            handler=lambda event: apply(rt, event), on_outcome=self._seen)  # fmt: skip
        self.ready = self.feed.ready  #: set once the feed's queue is bound and consumed
        self._thread: threading.Thread | None = None

    def start(self) -> NotificationListener:
        if not self.feed.url:
            raise ValueError("no notifications_url configured")
        self._thread = threading.Thread(target=self.feed.run, name="notifications", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self.feed.stop()
        if self._thread is not None:
            self._thread.join(timeout)

    def _seen(self, event: CloudEvent | None, outcome: str) -> None:
        self.counts[outcome] += 1
        if event is not None:
            self.recent.append((time.monotonic(), event, outcome))
            if outcome in ("gone", "changed"):
                log.info("cloud change seen", event_type=event.event_type, kind=event.kind,
                         provider_id=event.provider_id, outcome=outcome)


def start_listener(rt: Runtime) -> NotificationListener | None:
    """Start the listener when ``notifications_url`` is set (workers call this); None when it is off."""
    if not rt.settings.notifications_url:
        return None
    return NotificationListener(rt).start()
