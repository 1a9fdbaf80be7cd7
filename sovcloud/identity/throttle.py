"""Login throttling with the `limits` library: brute force is slowed, yet no anonymous caller can lock an
account out, and no answer tells which accounts exist.

The design (chosen instead of a hard per-account lock, which let anyone lock any account at will):

* **per source address** — at most ``login_limit_per_address`` failed steps (password or code) from one
  address, whatever the accounts; beyond, that address is answered 429 for any account name.
* **per account and address** — at most ``lockout_threshold`` failures on one account name from one
  address in ``lockout_minutes``; beyond, that address is answered 429 for that name. An attacker thus
  locks only itself out; the owner, at another address, is not affected.
* **per account, all addresses** — past ``lockout_account_threshold`` failures in ``lockout_minutes`` the
  account is *under attack*: it then opens only from an address it logged in from before (a session in
  the last ``KNOWN_ADDRESS_DAYS`` days), or with the right password *and* the second factor; every other
  attempt is answered 429 whatever the password, so the answer does not reveal the password either.

Counters are keyed by the account name as typed, whether the account exists or not, and the password is
always checked with argon2 (against a dummy hash for unknown names), so unknown names get the same answers
with similar timing. Counters live in Redis when the queue backend is Redis (shared by every API
process), in memory in the embedded mode (``rate_limit_storage_url`` overrides both).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import timedelta

from limits import RateLimitItem, RateLimitItemPerSecond, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud.clock import now
from sovcloud.config import Settings
from sovcloud.errors import NotAuthenticated
from sovcloud.identity.models import User, UserSession

#: an address the account logged in from within this many days is "known"
KNOWN_ADDRESS_DAYS = 30


class TooManyAttempts(NotAuthenticated):
    """Too many failed login steps from this address or on this account: wait before trying again."""

    status = 429
    code = "too-many-attempts"
    title = "Trop de tentatives"


def storage_url(settings: Settings) -> str:
    """Where the counters live: the explicit setting, else Redis with a Redis queue, else memory."""
    if settings.rate_limit_storage_url:
        return settings.rate_limit_storage_url
    return settings.redis_url if settings.queue_backend == "redis" else "memory://"


_storages: dict[str, Storage] = {}
_lock = threading.Lock()


def _storage(url: str) -> Storage:
    with _lock:
        if url not in _storages:
            storage = storage_from_string(url)
            assert isinstance(storage, Storage), url  # a synchronous storage (memory://, redis://)
            _storages[url] = storage
        return _storages[url]


def limiter_of(settings: Settings) -> MovingWindowRateLimiter:
    """A moving-window limiter on the counters' storage (shared by the API processes with Redis)."""
    return MovingWindowRateLimiter(_storage(storage_url(settings)))


def reset() -> None:
    """Forget every counter of this process's storages (tests; an operator's reactivation clears one)."""
    with _lock:
        for storage in _storages.values():
            storage.reset()


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class LoginGuard:
    """The three counters of the module docstring for one set of settings."""

    limiter: MovingWindowRateLimiter
    per_address: RateLimitItem
    per_pair: RateLimitItem
    per_account: RateLimitItem
    namespace: str

    @classmethod
    def of(cls, settings: Settings) -> LoginGuard:
        window = max(1, round(settings.lockout_minutes * 60))
        return cls(limiter=limiter_of(settings),
                   per_address=parse(settings.login_limit_per_address),
                   per_pair=RateLimitItemPerSecond(settings.lockout_threshold, window),
                   per_account=RateLimitItemPerSecond(settings.lockout_account_threshold, window),
                   namespace=settings.queue_name)

    def _address(self, ip: str) -> str:
        return _key(self.namespace, "address", ip)

    def _pair(self, name: str, ip: str) -> str:
        return _key(self.namespace, "pair", name, ip)

    def _account(self, name: str) -> str:
        return _key(self.namespace, "account", name)

    def check_address(self, name: str, ip: str) -> None:
        """Raise :class:`TooManyAttempts` when this address, or this address on this name, is over its limit."""
        if not self.limiter.test(self.per_address, self._address(ip)):
            raise TooManyAttempts("Trop de tentatives de connexion depuis cette adresse. Réessayez plus tard.")
        if not self.limiter.test(self.per_pair, self._pair(name, ip)):
            raise TooManyAttempts("Trop de tentatives de connexion sur ce compte depuis cette adresse. "
                                  "Réessayez plus tard.")

    def under_attack(self, name: str) -> bool:
        return not self.limiter.test(self.per_account, self._account(name))

    def failed(self, name: str, ip: str) -> None:
        """Count one failed step everywhere it counts."""
        self.limiter.hit(self.per_address, self._address(ip))
        self.limiter.hit(self.per_pair, self._pair(name, ip))
        self.limiter.hit(self.per_account, self._account(name))

    def succeeded(self, name: str, ip: str) -> None:
        """A complete login from ``ip`` clears that address's failures on the account."""
        self.limiter.clear(self.per_pair, self._pair(name, ip))

    def clear_account(self, name: str) -> None:
        """An administrator's reactivation lifts the account-wide throttle."""
        self.limiter.clear(self.per_account, self._account(name))


def refused_under_attack() -> TooManyAttempts:
    return TooManyAttempts("Trop de tentatives sur ce compte depuis des adresses inconnues. Réessayez plus tard, "
                           "depuis un poste habituel, ou avec votre second facteur.")


def known_address(session: Session, user: User, ip: str | None) -> bool:
    """Whether the user completed a login from ``ip`` recently (a session is only opened after the right
    password; with a second factor, only one that passed it counts)."""
    if not ip:
        return False
    since = now() - timedelta(days=KNOWN_ADDRESS_DAYS)
    query = select(UserSession.id).where(UserSession.user_id == user.id, UserSession.source_ip == ip,
                                         UserSession.created_at >= since)
    if user.mfa_enabled:  # the password alone does not make an address known
        query = query.where(UserSession.mfa_verified.is_(True))
    return session.scalar(query.limit(1)) is not None
