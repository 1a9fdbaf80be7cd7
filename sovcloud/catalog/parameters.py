"""What an order of each offering kind may say, and the quota it then consumes (its footprint).

Parameters are checked by one pydantic model per kind; an unknown field or a bad value is a
:class:`ValidationFailed` naming the field, so the API answers 422 and orders refuse early.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sovcloud.catalog.models import OfferingKind, Plan
from sovcloud.errors import ValidationFailed
from sovcloud.messages import pydantic_message
from sovcloud.tenancy.quotas import Limits

MAX_VOLUME_GB = 16_384
MAX_USER_DATA = 65_536


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def billable_gb(self, plan: Plan) -> int:
        """GB charged per GB-month for this order (0 when the plan is priced per hour only)."""
        return 0

    def footprint(self, plan: Plan) -> Limits:
        return Limits(plan.vcpus, plan.ram_mb, plan.disk_gb, plan.instances, plan.public_ips)


class VmParameters(_Params):
    """A virtual machine: the plan is its flavour; the root disk is part of the flavour's hourly price."""

    image: str = Field(min_length=1, max_length=200, description="Image name or id")
    network_id: str | None = Field(default=None, max_length=64, description="Private network to attach")
    security_groups: list[str] = Field(default_factory=list, max_length=20, description="Security groups")
    data_volume_gb: int = Field(default=0, ge=0, le=MAX_VOLUME_GB,
                                description="Size of an extra data volume in GB (0: none), priced per GB-month")
    ssh_key: str | None = Field(default=None, max_length=16_384, description="Public SSH key")
    user_data: str | None = Field(default=None, max_length=MAX_USER_DATA, description="cloud-init user data")

    def billable_gb(self, plan: Plan) -> int:
        return self.data_volume_gb

    def footprint(self, plan: Plan) -> Limits:
        return Limits(vcpus=plan.vcpus, ram_mb=plan.ram_mb, storage_gb=plan.disk_gb + self.data_volume_gb,
                      instances=max(plan.instances, 1), public_ips=plan.public_ips)


class VolumeParameters(_Params):
    """A block volume of the plan's performance class."""

    size_gb: int = Field(ge=1, le=MAX_VOLUME_GB, description="Size in GB")

    def billable_gb(self, plan: Plan) -> int:
        return self.size_gb

    def footprint(self, plan: Plan) -> Limits:
        return Limits(storage_gb=self.size_gb)


class NetworkParameters(_Params):
    """A private network with one IPv4 subnet."""

    cidr: str = Field(default="10.0.0.0/24", description="Subnet in CIDR notation (private range)")

    @field_validator("cidr")
    @classmethod
    def _private_subnet(cls, value: str) -> str:
        try:
            net = ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise ValueError(f"sous-réseau invalide : {value}") from exc
        if not net.is_private or net.prefixlen > 29 or net.prefixlen < 16:
            raise ValueError("le sous-réseau doit être privé, de /16 à /29")
        return str(net)


class SecurityRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    direction: Literal["ingress", "egress"] = "ingress"
    protocol: Literal["tcp", "udp", "icmp", "any"] = "tcp"
    port_min: int | None = Field(default=None, ge=1, le=65535)
    port_max: int | None = Field(default=None, ge=1, le=65535)
    remote_cidr: str = Field(default="0.0.0.0/0", max_length=43)


class SecurityGroupParameters(_Params):
    """A security group and its rules."""

    rules: list[SecurityRule] = Field(default_factory=list, max_length=100)


class PublicIpParameters(_Params):
    """A floating IP; consumes one public IP of the quota."""

    def footprint(self, plan: Plan) -> Limits:
        return Limits(public_ips=max(plan.public_ips, 1))


PARAMETERS: dict[OfferingKind, type[_Params]] = {
    OfferingKind.VM: VmParameters,
    OfferingKind.VOLUME: VolumeParameters,
    OfferingKind.NETWORK: NetworkParameters,
    OfferingKind.SECURITY_GROUP: SecurityGroupParameters,
    OfferingKind.PUBLIC_IP: PublicIpParameters,
}


def parse_parameters(kind: OfferingKind | str, parameters: Mapping[str, Any] | None) -> _Params:
    """The checked parameters of an order of ``kind``.

    Raises:
        ValidationFailed: unknown kind, unknown field, missing or bad value.
    """
    try:
        model = PARAMETERS[OfferingKind(kind)]
    except ValueError:
        raise ValidationFailed(f"Type d'offre inconnu : {kind}.", field="kind") from None
    try:
        return model.model_validate(dict(parameters or {}))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "parameters"
        raise ValidationFailed(f"Paramètre « {where} » invalide : {pydantic_message(first)}",
                               field=f"parameters.{where}",
                               errors=[{"field": "parameters." + ".".join(str(p) for p in e["loc"]),
                                        "message": pydantic_message(e)} for e in exc.errors()[1:]]) from None


def footprint(plan: Plan, parameters: Mapping[str, Any] | None) -> Limits:
    """The quota an order of ``plan`` with ``parameters`` consumes: for a vm, the flavour's vCPU and RAM,
    one instance, and root disk + data volume as storage; for a volume its size; for a public IP one IP.

    Raises:
        ValidationFailed: bad parameters for the plan's kind.
    """
    return parse_parameters(plan.offering.kind, parameters).footprint(plan)


def billable_gb(plan: Plan, parameters: Mapping[str, Any] | None) -> int:
    """GB charged per GB-month (a volume's size, a vm's data volume)."""
    return parse_parameters(plan.offering.kind, parameters).billable_gb(plan)
