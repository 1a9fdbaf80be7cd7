"""OpenStack's notification bus, read into provider-neutral :class:`CloudEvent` values.

OpenStack services publish notifications on their RabbitMQ through oslo.messaging (``messagingv2``): Nova
its *versioned* notifications on the exchange ``nova`` with the routing key ``versioned_notifications.info``,
Cinder (exchange ``openstack``) and Neutron (exchange ``neutron``) their notifications on
``notifications.info``. The feed consumes one queue of its own, bound to those keys: it is not exclusive and
outlives a consumer's restart (events are kept meanwhile), and it expires after a day without any consumer so
a removed deployment does not leave a growing queue behind. Several consumers of it split the events.

Events kept: ``instance.delete.end`` (and soft delete), ``volume.delete.end``, ``network.delete.end``,
``security_group.delete.end``, ``floatingip.delete.end`` (gone), and a finished Nova action
(``instance.power_off.end``, ``instance.update`` with no task running...) with the status it settled in.
"""

from __future__ import annotations

import contextlib
import json
import threading
from typing import Any

from sovcloud.logs import get_logger
from sovcloud.providers.events import CloudEvent, EventHandler

log = get_logger("sovcloud.notifications")
QUEUE_EXPIRES_MS = 24 * 3600 * 1000  #: the queue goes away after a day without consumers

#: Neutron objects whose delete event says that an inventory resource is gone (payload key → resource kind)
_NEUTRON = {"network": "network", "security_group": "security_group", "floatingip": "public_ip"}
#: Nova ``vm_state`` → the API status (``Server.raw_status``)
_VM_STATUS = {"active": "ACTIVE", "stopped": "SHUTOFF", "paused": "PAUSED", "suspended": "SUSPENDED",
              "error": "ERROR", "rescued": "RESCUE", "resized": "VERIFY_RESIZE", "shelved": "SHELVED",
              "shelved_offloaded": "SHELVED_OFFLOADED", "soft-delete": "SOFT_DELETED"}
#: Nova events that say nothing about the server's own status
_NOVA_SKIP = ("instance.create.", "instance.delete.", "instance.shutdown.", "instance.volume_",
              "instance.interface_", "instance.exists")


def parse(envelope: dict[str, Any]) -> CloudEvent | None:
    """The event an oslo.messaging notification carries, or None when it says nothing sovcloud follows."""
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
            return CloudEvent(event_type, "server", str(uuid), gone=True)
        if event_type.startswith(_NOVA_SKIP) or data.get("task_state"):
            return None
        if event_type != "instance.update" and not event_type.endswith(".end"):
            return None
        status = _VM_STATUS.get(str(data.get("state") or ""))
        return CloudEvent(event_type, "server", str(uuid), gone=False, status=status) if status else None
    if event_type == "volume.delete.end" and payload.get("volume_id"):
        return CloudEvent(event_type, "volume", str(payload["volume_id"]), gone=True)
    for key, kind in _NEUTRON.items():
        if event_type == f"{key}.delete.end":
            obj = payload.get(key)
            ident = payload.get(f"{key}_id") or (obj.get("id") if isinstance(obj, dict) else None)
            return CloudEvent(event_type, kind, str(ident), gone=True) if ident else None
    return None


def amqp_url(url: str) -> str:
    """oslo.messaging's ``rabbit://`` transport URLs are accepted as they are written in nova.conf."""
    return "amqp://" + url[len("rabbit://"):] if url.startswith("rabbit://") else url


class NotificationFeed:
    """Consumes the bus until stopped and hands each event it parses to ``handler``; a message it cannot
    use is acknowledged and counted as ``skipped`` (``failed`` when the handler raised: the next reconcile
    catches up). Reconnects with a backoff when the connection drops."""

    def __init__(self, *, url: str, queue: str, bindings: list[tuple[str, str]], handler: EventHandler,
                 on_outcome: Any = None) -> None:  # fmt: skip
        self.url = amqp_url(url)
        self.queue = queue
        self.bindings = bindings
        self.handler = handler
        self.on_outcome = on_outcome  #: called with (event or None, outcome) after each message
        self.ready = threading.Event()  #: set once the queue is bound and consumed
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

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
        event: CloudEvent | None = None
        try:
            envelope = json.loads(body) if isinstance(body, str | bytes) else body
            event = parse(envelope) if isinstance(envelope, dict) else None
            outcome = self.handler(event) if event else "skipped"
        except Exception:  # a malformed message or a database hiccup: the next reconcile catches up
            log.exception("notification not applied")
            outcome, event = "failed", None
        message.ack()
        if self.on_outcome is not None:
            self.on_outcome(event, outcome)
