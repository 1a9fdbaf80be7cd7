"""An ML2 mechanism driver that binds every normal port to its first segment, with no agent."""

from __future__ import annotations

from typing import Any

from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api


class AgentlessDriver(api.MechanismDriver):  # type: ignore[misc]
    """Binds ports as ``ovs`` with status ACTIVE, so Nova's fake driver gets networked servers."""

    def initialize(self) -> None:
        """Nothing to set up."""

    def bind_port(self, context: Any) -> None:
        """Bind a normal (or unset) VNIC port to the first segment offered."""
        vnic = context.current.get(portbindings.VNIC_TYPE, portbindings.VNIC_NORMAL)
        if vnic != portbindings.VNIC_NORMAL:
            return
        for segment in context.segments_to_bind:
            context.set_binding(
                segment[api.ID],
                portbindings.VIF_TYPE_OVS,
                {portbindings.CAP_PORT_FILTER: False, portbindings.OVS_HYBRID_PLUG: False},
                status="ACTIVE",
            )
            return
