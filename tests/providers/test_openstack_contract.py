"""The provider contract, unchanged, against a real OpenStack: the devcloud (``python -m devcloud up``).

Runs when ``CI=true`` or ``SOVCLOUD_TEST_OPENSTACK=1``; skips with the reason elsewhere. All OpenStack tests
share one xdist group, so one worker owns the devcloud session.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from sovcloud.providers import CloudProvider, build_provider
from tests.openstack.devcloud_fixture import devcloud, openstack_settings

from .contract import ProviderContract

__all__ = ["devcloud", "openstack_settings"]

pytestmark = [pytest.mark.xdist_group("openstack"), pytest.mark.slow]


@pytest.fixture(scope="module")
def openstack_provider(openstack_settings: dict[str, str]) -> Iterator[CloudProvider]:
    """One provider for the module (it caches connections and the flavor list)."""
    provider = build_provider("openstack", **openstack_settings)
    yield provider
    provider.close()  # type: ignore[attr-defined]


class TestOpenStackContract(ProviderContract):
    """Contract on the devcloud, each test in a Keystone project of its own."""

    @pytest.fixture
    def provider(self, openstack_provider: CloudProvider) -> CloudProvider:
        return openstack_provider

    @pytest.fixture
    def tenant(self) -> str:
        return f"contract-{uuid.uuid4().hex[:10]}"
