"""Provider-neutral events: what a cloud's own notification bus says about one of its objects, once the
provider has parsed its wire format (OpenStack's in ``providers/openstack/notifications.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CloudEvent:
    """One change the cloud reports about one object, whoever made it."""

    event_type: str  #: the cloud's own name of the event, kept for the audit trail ("instance.delete.end")
    kind: str  #: a ``ResourceKind`` value: server, volume, network, security_group, public_ip
    provider_id: str  #: the object's id in the cloud
    gone: bool  #: the object was deleted
    status: str | None = None  #: the status it settled in (servers), as ``Server.raw_status`` spells it


#: what a consumer does with one event; returns a short outcome word for counters and logs
EventHandler = Callable[[CloudEvent], str]
