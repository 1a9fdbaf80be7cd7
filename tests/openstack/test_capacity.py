"""On OpenStack the operators see capacity too (issue 13: Placement, no 501): the capacity API and the
operator console show each zone of the devcloud with its compute host, allocatable vCPUs from Placement's
inventory (total − reserved) × allocation ratio, and the sites as data beside them."""

from __future__ import annotations

from tests.web.helpers import portal_login


def test_capacity_api_and_console_read_placement(client_factory, world, catalog):
    operator = portal_login(client_factory(), world.people["operator"])  # one login: a TOTP code serves once
    report = operator.get("/api/v1/capacity")
    assert report.status_code == 200, report.text
    sites = {s["name"]: s for s in report.json()["sites"]}
    assert {"site-a", "site-b"} <= set(sites)
    assert all(sites[z]["hosts"] >= 1 and sites[z]["vcpus_capacity"] > 0 for z in ("site-a", "site-b"))
    hosts = report.json()["hypervisors"]
    assert all(h["vcpus_capacity"] == int((h["cores"] - h["vcpus_reserved"]) * h["vcpu_ratio"]) for h in hosts)
    assert all(h["disk_gb_total"] and h["disk_gb_total"] > 0 for h in hosts)  # local disks, as Placement has them
    console = operator.get("/operator")
    assert console.status_code == 200 and "Capacité par hyperviseur" in console.text
    assert "capacity-unavailable" not in console.text and "<meter" in console.text
    assert "Site A — Paris" in console.text  # the sites table, seeded by the catalogue fixture
