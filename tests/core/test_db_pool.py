"""A SQLite file database keeps a connection per request thread instead of closing and reopening them at
every peak of concurrency (each reopening: file, pragmas, schema parse, cold page cache)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from sovcloud.db import make_engine


def test_sqlite_pool_keeps_the_connections_of_a_peak(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/pool.db")
    opened: list[Any] = []
    event.listen(engine, "connect", lambda conn, _record: opened.append(conn))
    try:
        for _peak in range(3):  # three peaks of 15 requests at once, as under the portal's load
            held = [engine.connect() for _ in range(15)]
            for conn in held:
                assert conn.execute(text("SELECT 1")).scalar() == 1
            for conn in held:
                conn.close()
        assert len(opened) == 15  # SQLAlchemy's default pool (5 kept) opened 35
    finally:
        engine.dispose()
