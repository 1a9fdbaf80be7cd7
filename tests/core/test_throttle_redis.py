"""The login counters are shared through Redis when the queue backend is Redis (several API processes)."""

from __future__ import annotations

import uuid

import redis
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from sovcloud.config import Settings
from sovcloud.identity import throttle
from tests.conftest import service_missing

REDIS_URL = "redis://127.0.0.1:6379/14"


def test_counters_live_in_redis_with_a_redis_queue_and_are_seen_by_another_process() -> None:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError as exc:
        service_missing("Redis", str(exc))
    settings = Settings(queue_backend="redis", redis_url=REDIS_URL, queue_name=f"test-{uuid.uuid4().hex}",
                        secret_key="x" * 48)
    assert throttle.storage_url(settings) == REDIS_URL
    assert throttle.storage_url(Settings(secret_key="x" * 48)) == "memory://"
    guard = throttle.LoginGuard.of(settings)
    for _ in range(settings.lockout_threshold):
        guard.failed("agent.a", "203.0.113.9")
    # another API process: its own connection to the same Redis, nothing shared in memory
    other = throttle.LoginGuard(MovingWindowRateLimiter(storage_from_string(REDIS_URL)), guard.per_address,
                                guard.per_pair, guard.per_account, guard.namespace)
    try:
        other.check_address("agent.a", "203.0.113.9")
    except throttle.TooManyAttempts:
        pass
    else:
        raise AssertionError("the second process did not see the first one's failures")
    other.check_address("agent.a", "198.51.100.1")  # another address is not affected
    guard.succeeded("agent.a", "203.0.113.9")
    other.check_address("agent.a", "203.0.113.9")
