"""The suite's shape: Playwright's sync API runs one instance per process, so the session-wide ``browser``
fixture is defined once (``tests/browser.py``, registered by ``tests/conftest.py``). A conftest or module that
imports it makes a second session-wide instance of its own, and every browser test run after it in that
worker fails ("Playwright Sync API inside the asyncio loop") — as it did when five new test folders each
imported it."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ONCE = {"browser", "live_server"}


def test_browser_fixtures_are_defined_once_and_never_imported():
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and any(a.name in ONCE for a in node.names):
                found.append(f"{path.relative_to(TESTS)}: imports {[a.name for a in node.names if a.name in ONCE]}")
            if isinstance(node, ast.FunctionDef) and node.name in ONCE and path.name != "browser.py":
                found.append(f"{path.relative_to(TESTS)}: defines {node.name}")
    assert found == []
