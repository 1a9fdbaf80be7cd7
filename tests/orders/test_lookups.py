"""The worker's flavor and image lookups stay bounded: each tenant's images are read once per TTL, at most
``max_tenants`` tenants are kept (least recently used out first), and a name not found is read again."""

from __future__ import annotations

import pytest

from sovcloud.providers import errors as perr
from sovcloud.provisioning.handlers import Lookups
from sovcloud.provisioning.runtime import make_runtime


class Counting:
    """The simulated cloud, counting the listing calls made to it."""

    def __init__(self, provider):  # type: ignore[no-untyped-def]
        self.provider, self.calls = provider, {"images": 0, "flavors": 0}

    def images(self, tenant):  # type: ignore[no-untyped-def]
        self.calls["images"] += 1
        return self.provider.images(tenant)

    def flavors(self):  # type: ignore[no-untyped-def]
        self.calls["flavors"] += 1
        return self.provider.flavors()


#: nothing here depends on the database (the services under it are tested on both): SQLite only, for time
ONE_BACKEND = pytest.mark.usefixtures("sqlite_only")


@ONE_BACKEND
def test_lookups_are_bounded_in_size_and_time(settings):
    rt = make_runtime(settings, lambda *_: None)
    cloud, now = Counting(rt.provider), [0.0]
    lookups = Lookups(cloud, ttl_s=60, max_tenants=3, clock=lambda: now[0])  # type: ignore[arg-type]
    image = lookups.image("t0", "debian-12")
    assert lookups.image("t0", "debian-12") == image == lookups.image("t0", image) and cloud.calls["images"] == 1
    for n in range(1, 10):
        lookups.image(f"t{n}", "debian-12")
    assert lookups.tenants_cached == 3 and cloud.calls["images"] == 10
    lookups.image("t9", "debian-12")
    assert cloud.calls["images"] == 10  # kept
    lookups.image("t0", "debian-12")
    assert cloud.calls["images"] == 11  # pushed out by newer tenants: read again
    now[0] = 61
    lookups.image("t0", "debian-12")
    assert cloud.calls["images"] == 12  # older than its TTL: read again
    with pytest.raises(perr.BadInputError):
        lookups.image("t0", "no-such-image")
    assert cloud.calls["images"] == 13  # an unknown name is looked for once more, then refused
    small = lookups.flavor("s1.small")
    assert lookups.flavor("s1.small") == small and cloud.calls["flavors"] == 1
    now[0] = 200
    lookups.flavor("s1.small")
    assert cloud.calls["flavors"] == 2
    rt.provider.close()  # type: ignore[attr-defined]
