"""Append to, verify and export the hash-chained audit journal.

Every state change calls :func:`record` inside its own transaction, so the change and its journal entry
commit or roll back together.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import allows, authorize, org_scope
from sovcloud.audit import anchor
from sovcloud.audit.models import AuditEvent, AuditHead
from sovcloud.clock import now
from sovcloud.providers.context import current as current_request_id
from sovcloud.tenancy.models import Organisation

GENESIS = "0" * 64
_PENDING_KEY = "sovcloud.audit_pending"
_HEAD_KEY = "sovcloud.audit_head"
_CHAINED = ("seq", "occurred_at", "actor_id", "actor_name", "organisation_id", "source_ip", "request_id",
            "action", "target_type", "target_id", "outcome", "details", "prev_hash")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def canonical(event: AuditEvent) -> bytes:
    """The canonical encoding hashed into the chain: sorted-key compact JSON of the chained fields."""
    doc = {name: _plain(getattr(event, name)) for name in _CHAINED}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def _head_mac(key: bytes, seq: int, head_hash: str) -> str:
    return hmac.new(key, f"{seq}:{head_hash}".encode(), hashlib.sha256).hexdigest()


class AuditKey:
    """The key sealing the chain head; set once at start-up from the settings' secret key."""

    value: bytes = b""


def configure(secret_key: str, *, anchor_path: Path | None = None, anchor_interval_s: float = 1.0) -> None:
    """Set the key sealing the head, and where this process anchors the chain (None: nowhere)."""
    AuditKey.value = hashlib.sha256(b"sovcloud-audit:" + secret_key.encode()).digest()
    anchor.configure(secret_key, anchor_path, anchor_interval_s)


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    target: Any = None,
    target_type: str | None = None,
    target_id: str | uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    outcome: str = "success",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one entry to the journal in the caller's transaction (chained when it commits, so the entry
    and the change it records commit together or not at all).

    ``target`` may be any model with an ``id``; its organisation is found from ``organisation_id`` or
    ``project.organisation_id`` attributes when not given. An actor without a request id (a worker's,
    a periodic job's) records the request the current work serves (the step's, the job round's).
    """
    if target is not None:
        target_type = target_type or type(target).__tablename__.rstrip("s")
        target_id = target_id or getattr(target, "id", None)
        organisation_id = organisation_id or _organisation_of(target)
    event = AuditEvent(
        occurred_at=now(),
        actor_id=actor.user_id,
        actor_name=actor.username,
        organisation_id=organisation_id,
        source_ip=actor.source_ip,
        request_id=actor.request_id or current_request_id(),
        action=action,
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else None,
        outcome=outcome,
        details=json.loads(json.dumps(details or {}, default=str)),
    )
    session.info.setdefault(_PENDING_KEY, []).append(event)
    return event


@sa_event.listens_for(Session, "before_commit")
def chain_pending(session: Session) -> None:
    """Chain the transaction's entries at commit time: the head row is locked only from here to the end
    of the commit, so concurrent writers wait for each other as briefly as possible. Code that must read
    its own entries before committing may call it earlier."""
    pending: list[AuditEvent] = session.info.pop(_PENDING_KEY, [])
    if not pending:
        return
    head = session.get(AuditHead, 1, with_for_update=True, populate_existing=True)
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS, mac="")
        session.add(head)
    for event in pending:
        event.seq, event.prev_hash = head.seq + 1, head.hash
        event.hash = chain_hash(event)
        head.seq, head.hash = event.seq, event.hash
    head.mac = _head_mac(AuditKey.value, head.seq, head.hash)
    session.add_all(pending)
    session.info[_HEAD_KEY] = (head.seq, head.hash)


@sa_event.listens_for(Session, "after_commit")
def _anchor_committed(session: Session) -> None:
    committed = session.info.pop(_HEAD_KEY, None)
    if committed is not None:
        anchor.note(*committed)


@sa_event.listens_for(Session, "after_rollback")
@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, *_args: Any) -> None:
    session.info.pop(_PENDING_KEY, None)
    session.info.pop(_HEAD_KEY, None)


def _organisation_of(target: Any) -> uuid.UUID | None:
    if getattr(target, "__tablename__", "") == "organisations":
        return target.id
    org = getattr(target, "organisation_id", None)
    if org is None and getattr(target, "project", None) is not None:
        org = target.project.organisation_id
    return org


@dataclass(frozen=True)
class Verification:
    """Result of walking the chain."""

    ok: bool
    entries: int
    head_seq: int
    problems: tuple[str, ...]
    anchored_seq: int = 0  #: newest entry an external anchor vouches for (0: none read)


def verify(session: Session, *, actor: Actor, batch: int = 5000, anchor_files: Iterable[Path] | None = None,
           log_extracts: Iterable[Path] = ()) -> Verification:
    """Walk the whole journal and check every link, the gapless sequence, the sealed head, and the external
    anchors — ``anchor_files`` (by default this process's anchor file, when anchoring is configured) and
    ``log_extracts``: every anchored entry must still be in the journal, with the anchored hash.

    Raises:
        PermissionDenied: the actor may not verify the journal.
    """
    authorize(actor, Permission.AUDIT_VERIFY)
    if anchor_files is None:
        configured = anchor.configured_path()
        anchor_files = [configured] if configured is not None else []
    files, extracts = list(anchor_files), list(log_extracts)
    anchors = anchor.read(files, extracts)
    problems: list[str] = list(anchors.problems)
    anchored = {a.seq: a for a in anchors.valid}
    prev_hash, expected_seq, count = GENESIS, 1, 0
    for event in _walk(session, batch):
        count += 1
        if event.seq != expected_seq:
            problems.append(f"entrée(s) manquante(s) : attendu n°{expected_seq}, trouvé n°{event.seq}")
        if event.prev_hash != prev_hash:
            problems.append(f"n°{event.seq} : lien rompu avec l'entrée précédente")
        if chain_hash(event) != event.hash:
            problems.append(f"n°{event.seq} : contenu modifié (empreinte invalide)")
        seen = anchored.get(event.seq)
        if seen is not None and seen.hash != event.hash:
            problems.append(f"n°{event.seq} : différente de l'entrée ancrée le {seen.at} (chaîne réécrite)")
        prev_hash, expected_seq = event.hash, event.seq + 1
        if len(problems) > 100:
            break
    head = session.get(AuditHead, 1)
    last_seq = expected_seq - 1
    if head is None:
        if count:
            problems.append("tête de chaîne absente alors que le journal contient des entrées")
    else:
        if not hmac.compare_digest(head.mac, _head_mac(AuditKey.value, head.seq, head.hash)):
            problems.append("sceau de la tête de chaîne invalide (tête modifiée)")
        if head.seq != last_seq or head.hash != prev_hash:
            problems.append(
                f"journal tronqué ou réécrit : la tête scellée est n°{head.seq}, la dernière entrée n°{last_seq}"
            )
    newest = max(anchors.valid, key=lambda a: a.seq, default=None)
    if newest is not None and newest.seq > last_seq:
        problems.append(f"journal vidé, tronqué ou restauré : l'ancre externe du {newest.at} atteste l'entrée "
                        f"n°{newest.seq}, le journal s'arrête à n°{last_seq}")
    if count:
        problems.extend(f"ancre externe introuvable ({path}) alors que le journal contient des entrées"
                        for path in anchors.missing)
        if (files or extracts) and newest is None and not anchors.missing:
            problems.append("aucune ancre externe valide alors que le journal contient des entrées")
    return Verification(ok=not problems, entries=count, head_seq=head.seq if head else 0,
                        problems=tuple(problems), anchored_seq=newest.seq if newest else 0)


def head_intact(session: Session) -> bool:
    """The cheap check, two reads: the sealed head's seal holds and it names the newest entry (nothing
    truncated, head not rewritten). An entry edited in the middle is found only by :func:`verify`'s walk."""
    head = session.get(AuditHead, 1)
    newest = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    if head is None:
        return newest is None
    sealed = hmac.compare_digest(head.mac, _head_mac(AuditKey.value, head.seq, head.hash))
    return sealed and newest is not None and (newest[0], newest[1]) == (head.seq, head.hash)


def _walk(session: Session, batch: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def export_lines(session: Session, *, actor: Actor, organisation_id: uuid.UUID,
                 since: datetime | None = None) -> Iterator[str]:
    """The organisation's own events (its subtree's), as JSON lines. Never another organisation's. The
    export itself is journaled (``audit.exported``, in the caller's transaction) before any line is read.

    Raises:
        NotFound: the organisation is not visible to the actor.
        PermissionDenied: the actor may not export this organisation's journal.
    """
    scope, org_ids = org_scope(session, actor, organisation_id)
    authorize(actor, Permission.AUDIT_EXPORT, scope)
    record(session, actor=actor, action="audit.exported", target_type="organisation", target_id=organisation_id,
           organisation_id=organisation_id, details={"since": since.isoformat() if since else None})
    query = select(AuditEvent).where(AuditEvent.organisation_id.in_(org_ids)).order_by(AuditEvent.seq)
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= since)
    return _lines(session, query)


def _lines(session: Session, query: Any) -> Iterator[str]:
    for event in session.scalars(query.execution_options(yield_per=1000)):
        doc = {name: _plain(getattr(event, name)) for name in (*_CHAINED, "hash")}
        yield json.dumps(doc, ensure_ascii=False, sort_keys=True)


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def search(session: Session, *, actor: Actor, limit: int = 100, before_seq: int | None = None,
           action: str | None = None, actor_name: str | None = None, organisation_id: uuid.UUID | None = None,
           target_id: str | None = None, outcome: str | None = None, since: datetime | None = None,
           until: datetime | None = None) -> list[AuditEvent]:
    """Journal entries, newest first. Platform auditors see everything; an organisation's administrators
    see the events of their own organisations only.

    Raises:
        NotFound: ``organisation_id`` is not visible.
        PermissionDenied: the actor may not read the journal (there).
    """
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
    if organisation_id is not None:
        scope, org_ids = org_scope(session, actor, organisation_id)
        authorize(actor, Permission.AUDIT_READ, scope)
        query = query.where(AuditEvent.organisation_id.in_(org_ids))
    elif not allows(actor, Permission.AUDIT_READ):
        readable = [g.org_id for g in actor.grants
                    if g.org_id and g.project_id is None and Permission.AUDIT_READ in g.permissions]
        if not readable:
            authorize(actor, Permission.AUDIT_READ)
        subtree = select(Organisation.id).where(or_(*(Organisation.path.startswith(g.org_path or "\0")
                                                      for g in actor.grants if g.org_id in readable)))
        query = query.where(AuditEvent.organisation_id.in_(subtree))
    if before_seq is not None:
        query = query.where(AuditEvent.seq < before_seq)
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if actor_name:
        query = query.where(AuditEvent.actor_name == actor_name)
    if target_id:
        query = query.where(AuditEvent.target_id == target_id)
    if outcome:
        query = query.where(AuditEvent.outcome == outcome)
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= since)
    if until is not None:
        query = query.where(AuditEvent.occurred_at < until)
    return list(session.scalars(query))
