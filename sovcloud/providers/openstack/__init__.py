"""The OpenStack provider: sovcloud's ``CloudProvider`` contract on a real cloud, through openstacksdk."""

from sovcloud.providers.openstack.config import OpenStackConfig
from sovcloud.providers.openstack.provider import OpenStackProvider, build

__all__ = ["OpenStackConfig", "OpenStackProvider", "build"]
