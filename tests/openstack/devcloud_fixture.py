"""Session-wide access to the devcloud: bring it up when asked (CI=true or SOVCLOUD_TEST_OPENSTACK=1)."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOME = Path(os.environ.get("SOVDC_HOME", ROOT / ".devcloud"))
CLOUDS_YAML = HOME / "clouds.yaml"
CLOUD = "sovdc"
STARTED_BY_TESTS = HOME / "pytest-started"


def openstack_requested() -> str | None:
    """None when the OpenStack tests should run, else the reason to skip them."""
    if os.environ.get("CI", "").lower() == "true" or os.environ.get("SOVCLOUD_TEST_OPENSTACK") == "1":
        return None
    return "OpenStack tests run with CI=true or SOVCLOUD_TEST_OPENSTACK=1 (they start the devcloud, ~1-3 min)"


def _devcloud(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "devcloud", command], cwd=ROOT, text=True, capture_output=True,
                          timeout=900, check=False)  # fmt: skip


@contextmanager
def _locked() -> Iterator[None]:
    """Serialise devcloud bring-up/teardown between pytest-xdist workers (each has its own session)."""
    HOME.mkdir(parents=True, exist_ok=True)
    with (HOME / "pytest.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _users(delta: int) -> int:
    path = HOME / "pytest-users"
    count = max(0, int(path.read_text() or 0) if path.exists() else 0) + delta
    path.write_text(str(count))
    return count


def devcloud_session() -> Path:
    """Make sure the devcloud runs and count this session as a user of it; returns its clouds.yaml."""
    with _locked():
        users = HOME / "pytest-users"
        if not users.exists() or int(users.read_text() or 0) == 0:
            STARTED_BY_TESTS.unlink(missing_ok=True)  # a cloud running now was started by someone else
        if _devcloud("status").returncode != 0 or not CLOUDS_YAML.exists():
            result = _devcloud("up")
            if result.returncode != 0:
                pytest.fail(f"devcloud up failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
            STARTED_BY_TESTS.write_text("1")
            (HOME / "pytest-users").write_text("0")
        _users(+1)
    return CLOUDS_YAML


def devcloud_release() -> None:
    """The last test session out stops the devcloud, if a test session started it."""
    with _locked():
        if _users(-1) == 0 and STARTED_BY_TESTS.exists():
            _devcloud("down")
            STARTED_BY_TESTS.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def devcloud() -> Iterator[Path]:
    """The running devcloud's clouds.yaml; brought up if needed, and down at the end if tests started it."""
    reason = openstack_requested()
    if reason:
        pytest.skip(reason)
    yield devcloud_session()
    devcloud_release()


@pytest.fixture(scope="session")
def openstack_settings(devcloud: Path) -> dict[str, str]:
    """Keyword settings of ``build_provider("openstack", ...)`` for the devcloud."""
    return {"cloud": CLOUD, "clouds_yaml": str(devcloud)}
