"""External anchors of the audit chain: the head's sequence number and hash, signed, written outside the
database at each checkpoint — appended to a file (``SOVCLOUD_AUDIT_ANCHOR_PATH``) and sent to the log
stream — so that ``audit verify`` can tell a journal that was rolled back from one that never went further.

The sealed head in the database (``AuditHead``) detects an edited, deleted or truncated entry, and a
chain rewritten without the key. It cannot detect what a database administrator can do with the data
alone: empty the journal *and* its head, or put back an old sealed head after deleting newer entries
(both are consistent states the key once signed). An anchor lives where the database cannot reach:
a later anchor that names an entry the journal no longer has, or has with another hash, shows it.

Every process anchors the commits it makes, at most ``audit_anchor_interval_s`` after the commit; a
worker also anchors the head it reads at each heartbeat (which covers commits made by short-lived CLI
commands). Each line is ``{"anchor": "sovcloud-audit", "seq", "hash", "at", "mac"}``, the MAC an HMAC-
SHA-256 under a key derived from the secret key; log records carry the same object as ``audit_anchor``,
so an extract of the central log can be given to ``verify`` as well.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import json
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import structlog

from sovcloud.clock import now
from sovcloud.logs import get_logger

log = get_logger("sovcloud.audit")
TAG = "sovcloud-audit"


@dataclass(frozen=True)
class Anchor:
    """One checkpoint: the journal had entry ``seq`` with ``hash`` as its head at ``at``."""

    seq: int
    hash: str
    at: str  #: ISO 8601 UTC
    mac: str


@dataclass(frozen=True)
class Anchors:
    """What the anchor sources hold: the valid anchors, and what is wrong with the others."""

    valid: tuple[Anchor, ...]
    problems: tuple[str, ...]
    missing: tuple[Path, ...]  #: sources that do not exist


def _mac(key: bytes, seq: int, head_hash: str, at: str) -> str:
    return hmac.new(key, f"anchor:{seq}:{head_hash}:{at}".encode(), hashlib.sha256).hexdigest()


class _Anchoring:
    """This process's anchoring: where, with which key, and the newest head not yet written."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.key = b""
        self.interval_s = 1.0
        self.lock = threading.Lock()
        self.latest: tuple[int, str] | None = None  #: newest committed head seen, if not written yet
        self.written_seq = 0
        self.last_write = 0.0  #: monotonic time of the last write
        self.timer: threading.Timer | None = None


_state = _Anchoring()
atexit.register(lambda: flush())  # a short-lived process (a CLI command) anchors its last commit too


def configure(secret_key: str, path: Path | None, interval_s: float = 1.0) -> None:
    """Anchor to ``path`` (None: this process writes no anchors and ``verify`` reads none by default)."""
    with _state.lock:
        if _state.timer is not None:
            _state.timer.cancel()
        _write_latest()  # a head noted under the previous configuration is not lost
        _state.path, _state.interval_s = path, interval_s
        _state.key = hashlib.sha256(b"sovcloud-audit-anchor:" + secret_key.encode()).digest()
        _state.latest, _state.written_seq, _state.last_write, _state.timer = None, 0, 0.0, None


def configured_path() -> Path | None:
    return _state.path


def note(seq: int, head_hash: str) -> None:
    """A transaction committed with this head: anchor it now, or within the interval."""
    with _state.lock:
        if _state.path is None or seq <= _state.written_seq:
            return
        if _state.latest is None or seq > _state.latest[0]:
            _state.latest = (seq, head_hash)
        wait = _state.interval_s - (time.monotonic() - _state.last_write)
        if wait <= 0:
            _write_latest()
        elif _state.timer is None:
            _state.timer = threading.Timer(wait, flush)
            _state.timer.daemon = True
            _state.timer.start()


def flush() -> None:
    """Write the newest head noted and not yet written (the interval's timer calls it)."""
    with _state.lock:
        _state.timer = None
        _write_latest()


def _write_latest() -> None:
    if _state.latest is None or _state.path is None:
        return
    seq, head_hash = _state.latest
    _state.latest = None
    at = now().isoformat(timespec="microseconds")
    doc = {"anchor": TAG, "seq": seq, "hash": head_hash, "at": at, "mac": _mac(_state.key, seq, head_hash, at)}
    line = (json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n").encode()
    try:
        _state.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(_state.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)  # one write of one short line: appends from several processes do not mix
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:  # the commit is done: a missing anchor shows at the next verify, never fails it
        log.error("audit anchor not written", path=str(_state.path), error=str(exc))
    else:
        _state.written_seq = max(_state.written_seq, seq)
    _state.last_write = time.monotonic()
    if structlog.is_configured():  # the servers' and workers' log stream (never a CLI command's output)
        log.info("audit checkpoint", audit_anchor=doc)


def read(files: Iterable[Path], extracts: Iterable[Path] = ()) -> Anchors:
    """The anchors in anchor ``files`` (where a line that is not a valid anchor is a problem) and in log
    ``extracts`` (where lines that are not anchors are skipped; a forged anchor is a problem anywhere)."""
    valid: list[Anchor] = []
    problems: list[str] = []
    missing: list[Path] = []
    for path, strict in [*((f, True) for f in files), *((e, False) for e in extracts)]:
        try:
            text = path.read_text(errors="replace")
        except FileNotFoundError:
            missing.append(path)
            continue
        for number, line in enumerate(text.splitlines(), 1):
            anchor, problem = _parse(line, strict)
            if anchor is not None:
                valid.append(anchor)
            elif problem:
                problems.append(f"{path.name}, ligne {number} : {problem}")
    return Anchors(valid=tuple(valid), problems=tuple(problems[:50]), missing=tuple(missing))


def _parse(line: str, strict: bool) -> tuple[Anchor | None, str | None]:
    if not line.strip():
        return None, None
    try:
        doc = json.loads(line)
    except ValueError:
        return None, "ligne illisible" if strict else None
    if isinstance(doc, dict) and isinstance(doc.get("audit_anchor"), dict):
        doc = doc["audit_anchor"]
    if not isinstance(doc, dict) or doc.get("anchor") != TAG:
        return None, "ligne qui n'est pas une ancre" if strict else None
    try:
        anchor = Anchor(seq=int(doc["seq"]), hash=str(doc["hash"]), at=str(doc["at"]), mac=str(doc["mac"]))
    except (KeyError, TypeError, ValueError):
        return None, "ancre incomplète"
    if not hmac.compare_digest(anchor.mac, _mac(_state.key, anchor.seq, anchor.hash, anchor.at)):
        return None, f"ancre n°{anchor.seq} au sceau invalide (falsifiée, ou signée d'une autre clé)"
    return anchor, None
