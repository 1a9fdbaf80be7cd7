"""Keep the garbage collector's full collections short in a long-running server process.

CPython's cyclic collector walks every tracked object on a full (generation 2) collection, holding the GIL:
every request in flight stops meanwhile. A started portal holds ~170,000 such objects that live as long as
the process (modules, SQLAlchemy mappers, pydantic validators, FastAPI routes, compiled templates), so each
full collection — every 5–15 s under the portal's paced load — took 130–270 ms on the 2-core machine,
which was the unexplained 300–550 ms p99 of every page (bench/README.md, "Portal").

At start-up, once what the process keeps for its whole life is built, :func:`settle` moves it into the
permanent generation (``gc.freeze``), which collections skip: a full collection then only walks what
requests leave behind. Reference counting still frees frozen objects; only cycles among them are never
collected, which is why this is done once per process, never per app (tests build hundreds of apps).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable

_lock = threading.Lock()
_settled = False


def settle(warm_up: Callable[[], None]) -> bool:
    """Run ``warm_up`` (build what is otherwise built lazily by the first requests), collect, then freeze
    every surviving object. Only the first call in a process does it; returns whether this call did."""
    global _settled
    with _lock:
        if _settled:
            return False
        warm_up()
        gc.collect()
        gc.freeze()
        _settled = True
        return True
