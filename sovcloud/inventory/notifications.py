"""Inventory sync from the cloud's notification bus: a change made outside sovcloud (a server deleted with the
openstack CLI, a server powered off from Horizon) shows in the inventory within seconds instead of at the
next full reconcile.

OpenStack services publish notifications on their RabbitMQ through oslo.messaging (``messagingv2``): Nova
its *versioned* notifications on the exchange ``nova`` with the routing key ``versioned_notifications.info``,
Cinder (exchange ``openstack``) and Neutron (exchange ``neutron``) their notifications on
``notifications.info``. sovcloud's workers share one queue of their own, bound to those keys: it is not
exclusive and outlives a worker restart (events are kept meanwhile), and it expires after a day without any
consumer so a removed deployment does not leave a growing queue behind. Several workers consuming it split
the events between them.

What an event does, for a resource the inventory holds in a settled state (active or error, no step working
on it, no compensation of its order under way):

* ``instance.delete.end``, ``volume.delete.end``, ``network.delete.end``, ``security_group.delete.end``,
  ``floatingip.delete.end`` → state GONE, drift "missing", audit ``resource.gone`` (as the reconcile does);
* a finished Nova action (``instance.power_off.end``, ``instance.update`` with no task running...) → the
  observed status is compared with the expected one: drift "changed" or cleared (as the reconcile does).

Deletes sovcloud started itself find the resource DELETING or DELETED and are ignored. A lost event (the
bus or the database briefly away) is caught by the periodic full reconcile, which stays the safety net.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from sovcloud.access.actor import Actor
from sovcloud.db import transaction
from sovcloud.inventory.models import Resource
from sovcloud.inventory.sync import SETTLED, mark_missing, observe_status
from sovcloud.logs import get_logger
from sovcloud.provisioning.models import Step, StepKind, StepStatus
from sovcloud.provisioning.runtime import Runtime

log = get_logger("sovcloud.notifications")
SYSTEM = Actor.system("notifications")
QUEUE_EXPIRES_MS = 24 * 3600 * 1000  #: the queue goes away after a day without consumers

#: Neutron objects whose delete event says that an inventory resource is gone (payload key → inventory kind)
_NEUTRON = {"network": "network", "security_group": "security_group", "floatingip": "public_ip"}
#: Nova ``vm_state`` → the API status sovcloud stores in ``Resource.status``
_VM_STATUS = {"active": "ACTIVE", "stopped": "SHUTOFF", "paused": "PAUSED", "suspended": "SUSPENDED",
              "error": "ERROR", "rescued": "RESCUE", "resized": "VERIFY_RESIZE", "shelved": "SHELVED",
              "shelved_offloaded": "SHELVED_OFFLOADED", "soft-delete": "SOFT_DELETED"}
#: Nova events that say nothing about the server's own status
_NOVA_SKIP = ("instance.create.", "instance.delete.", "instance.shutdown.", "instance.volume_",
              "instance.interface_", "instance.exists")


@dataclass(frozen=True)
class Event:
    """What one notification says about one cloud object."""

    event_type: str
    kind: str  #: inventory kind: server, volume, network, security_group, public_ip
    provider_id: str
    gone: bool  #: the object was deleted
    status: str | None = None  #: the status it settled in (servers)


def parse(envelope: dict[str, Any]) -> Event | None:
    """The event an oslo.messaging notification carries, or None when it is of no interest to the inventory."""
    message = envelope.get("oslo.message")
    notification = json.loads(message) if isinstance(message, str) else envelope
    event_type = str(notification.get("event_type") or "")
    payload = notification.get("payload") or {}
    if not isinstance(payload, dict):
        return None
    if event_type.startswith("instance."):
        data = payload.get("nova_object.data") or {}
        uuid = data.get("uuid")
        if not uuid:
            return None
        if event_type in ("instance.delete.end", "instance.soft_delete.end"):
            return Event(event_type, "server", str(uuid), gone=True)
        if event_type.startswith(_NOVA_SKIP) or data.get("task_state"):
            return None
        if event_type != "instance.update" and not event_type.endswith(".end"):
            return None
        status = _VM_STATUS.get(str(data.get("state") or ""))
        return Event(event_type, "server", str(uuid), gone=False, status=status) if status else None
    if event_type == "volume.delete.end" and payload.get("volume_id"):
        return Event(event_type, "volume", str(payload["volume_id"]), gone=True)
    for key, kind in _NEUTRON.items():
        if event_type == f"{key}.delete.end":
            obj = payload.get(key)
            ident = payload.get(f"{key}_id") or (obj.get("id") if isinstance(obj, dict) else None)
            return Event(event_type, kind, str(ident), gone=True) if ident else None
    return None


def apply(rt: Runtime, event: Event) -> str:
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


def _amqp_url(url: str) -> str:
    """oslo.messaging's ``rabbit://`` transport URLs are accepted as they are written in nova.conf."""
    return "amqp://" + url[len("rabbit://"):] if url.startswith("rabbit://") else url


class NotificationListener:
    """Consumes the notification bus in a daemon thread and reconnects (with backoff) when it drops."""

    def __init__(self, rt: Runtime, *, url: str | None = None, queue: str | None = None,
                 bindings: list[str] | None = None) -> None:
        settings = rt.settings
        self.rt = rt
        self.url = _amqp_url(url or settings.notifications_url or "")
        self.queue = queue or settings.notifications_queue
        self.bindings = [tuple(b.split(":", 1)) for b in (bindings or settings.notifications_bindings)]
        self.ready = threading.Event()  #: set once the queue is bound and consumed
        self.counts: Counter[str] = Counter()  #: outcomes so far
        self.recent: deque[tuple[float, Event, str]] = deque(maxlen=200)  #: (monotonic time, event, outcome)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> NotificationListener:
        if not self.url:
            raise ValueError("no notifications_url configured")
        self._thread = threading.Thread(target=self.run, name="notifications", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        """Consume until ``stop``; a dropped connection is retried after 1, 2, 4... up to 30 s."""
        delay = 1.0
        while not self._stop.is_set():
            try:
                self._consume()
                delay = 1.0
            except Exception as exc:  # the broker is away or refused us: try again later
                self.ready.clear()
                log.warning("notification bus unavailable", error=f"{type(exc).__name__}: {exc}", retry_s=delay)
                self._stop.wait(delay)
                delay = min(delay * 2, 30.0)

    def _consume(self) -> None:
        from kombu import Connection, Consumer, Queue, binding

        with Connection(self.url, connect_timeout=5, heartbeat=30) as conn:
            conn.ensure_connection(max_retries=1)
            channel = conn.channel()
            exchanges = [self._exchange(conn, name) for name, _ in self.bindings]
            queue = Queue(self.queue, bindings=[binding(exchange, routing_key=key) for exchange, (_, key)
                                                in zip(exchanges, self.bindings, strict=True)],
                          durable=True, auto_delete=False, queue_arguments={"x-expires": QUEUE_EXPIRES_MS})
            with Consumer(channel, queues=[queue], callbacks=[self._on_message], accept=["json", "text/plain"],
                          prefetch_count=50, no_ack=False):
                self.ready.set()
                log.info("listening to cloud notifications", queue=self.queue, bindings=[":".join(b) for b in
                                                                                        self.bindings])
                while not self._stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        conn.drain_events(timeout=1.0)
                    conn.heartbeat_check()

    @staticmethod
    def _exchange(conn: Any, name: str) -> Any:
        """The service's exchange as it exists (oslo.messaging declares it, durable or not as configured);
        declared the oslo.messaging default way (transient topic) when the service has not published yet."""
        from kombu import Exchange

        passive = Exchange(name, type="topic", passive=True)
        channel = conn.channel()
        try:
            passive(channel).declare()
            return Exchange(name, type="topic", no_declare=True)
        except conn.channel_errors:  # 404: not there yet
            exchange = Exchange(name, type="topic", durable=False, auto_delete=False)
            exchange(conn.channel()).declare()
            return Exchange(name, type="topic", no_declare=True)
        finally:
            with contextlib.suppress(Exception):
                channel.close()

    def _on_message(self, body: Any, message: Any) -> None:
        try:
            envelope = json.loads(body) if isinstance(body, str | bytes) else body
            event = parse(envelope) if isinstance(envelope, dict) else None
            outcome = apply(self.rt, event) if event else "skipped"
        except Exception:  # a malformed message or a database hiccup: the next reconcile catches up
            log.exception("notification not applied")
            outcome, event = "failed", None
        message.ack()
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
