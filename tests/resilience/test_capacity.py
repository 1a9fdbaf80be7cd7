"""The capacity report is provider-neutral: Placement-like figures (reserved, ratios, local disks) roll up per
site the same way as the simulator's, a down host adds nothing allocatable, and a provider that cannot answer
is a 503 problem, not a crash (no more 501 on OpenStack: see the contract test on both providers)."""

from __future__ import annotations

import pytest

from sovcloud.access.actor import Actor
from sovcloud.providers.dto import CloudCapacity, HostCapacity, Inventory, Site
from sovcloud.providers.errors import TransientError
from sovcloud.supervision import capacity


class PlacementLike:
    """What the OpenStack provider returns from Placement, without a cloud."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def sites(self) -> list[Site]:
        return [Site(name="zone-1", available=True), Site(name="zone-2", available=True)]

    def capacity(self) -> CloudCapacity:
        if self.fail:
            raise TransientError("placement: 503")

        def host(name: str, zone: str, up: bool, used: int) -> HostCapacity:
            return HostCapacity(name=name, site=zone, up=up, servers=used // 2,
                                vcpus=Inventory(total=16, reserved=2, allocation_ratio=4.0, used=used),
                                ram_mib=Inventory(total=65536, reserved=4096, allocation_ratio=1.5, used=used * 2048),
                                disk_gb=Inventory(total=500, reserved=20, allocation_ratio=1.0, used=used * 10))

        return CloudCapacity(hosts=(host("c1", "zone-1", True, 8), host("c2", "zone-1", False, 4),
                                    host("c3", "zone-2", True, 0)))


def test_placement_figures_roll_up_per_site():
    report = capacity.report(actor=Actor.system("tests"), provider=PlacementLike())  # type: ignore[arg-type]
    c1 = next(h for h in report.hypervisors if h.name == "c1")
    assert (c1.cores, c1.vcpus_reserved, c1.vcpu_ratio, c1.vcpus_capacity) == (16, 2, 4.0, 56)
    assert (c1.ram_mb_capacity, c1.disk_gb_capacity, c1.disk_gb_used) == (92160, 480, 80)
    sites = {s.name: s for s in report.sites}
    assert sites["zone-1"].hosts == 2 and sites["zone-1"].vcpus_used == 12
    assert sites["zone-1"].vcpus_capacity == 56  # the down host c2 adds nothing allocatable
    assert sites["zone-1"].disk_gb_capacity == 480 and sites["zone-1"].disk_gb_used == 120
    assert sites["zone-2"].vcpus_capacity == 56 and sites["zone-2"].vcpus_used == 0


def test_a_provider_that_cannot_answer_is_unavailable_not_a_crash():
    with pytest.raises(capacity.CapacityUnavailable) as refused:
        capacity.report(actor=Actor.system("tests"), provider=PlacementLike(fail=True))  # type: ignore[arg-type]
    assert refused.value.status == 503 and "placement" in refused.value.detail
