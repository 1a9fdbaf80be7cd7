"""nova-compute with the fake driver, whose snapshots upload a few bytes so the image goes ``active``."""

import io
import sys

from nova.cmd.compute import main  # first: it selects the threading backend before anything imports eventlet
from nova.virt import fake

_original = fake.FakeDriver.snapshot


def _snapshot(self, context, instance, image_id, update_task_state):  # type: ignore[no-untyped-def]
    _original(self, context, instance, image_id, update_task_state)
    from nova.image import glance

    meta = {"disk_format": "raw", "container_format": "bare"}
    glance.API().update(context, image_id, meta, data=io.BytesIO(b"\0" * 1024), purge_props=False)


fake.FakeDriver.snapshot = _snapshot

if __name__ == "__main__":
    sys.argv[0] = "nova-compute"
    sys.exit(main())
