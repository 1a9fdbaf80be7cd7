"""Fixtures of the OpenStack tests: the devcloud (session) and its provider settings."""

from tests.openstack.devcloud_fixture import devcloud, openstack_settings

__all__ = ["devcloud", "openstack_settings"]
