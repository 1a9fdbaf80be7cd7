"""At most a few state-changing requests in the app at once; the others wait their turn without a thread.

Sync routes run on anyio's pool of 40 threads, and a route's answer is serialised on that pool too, before
its transaction commits. When fifty clients wrote at once, every thread of the pool could be held by a
request waiting for the database's write lock (SQLite has one writer at a time) while the request that held
the lock waited for a thread to serialise its answer and commit: nothing moved until the waiters gave up
after the busy timeout ("database is locked", answered 503). Unsafe requests therefore queue here, as
coroutines that hold no thread, and at most ``max_concurrent_writes`` of them run at once, so the pool
always has threads left for the request that holds the lock."""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from sovcloud.api.asgi import HttpMiddleware

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class WriteQueue(HttpMiddleware):
    """Bounds how many unsafe (POST, PUT, PATCH, DELETE) requests run at once in this process."""

    def __init__(self, app: ASGIApp, *, max_concurrent_writes: int) -> None:
        super().__init__(app)
        self.max_concurrent_writes = max_concurrent_writes
        self._turns: anyio.Semaphore | None = None

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        if self._turns is None:  # made in the event loop that serves the requests
            self._turns = anyio.Semaphore(self.max_concurrent_writes)
        async with self._turns:
            await self.app(scope, receive, send)
