"""Settings of the OpenStack provider: one frozen dataclass, secrets kept out of ``repr`` and logs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, kw_only=True)
class OpenStackConfig:
    """Where the cloud is and how sovcloud logs in.

    Either ``cloud`` names an entry of a ``clouds.yaml`` (``clouds_yaml`` gives its path, else the usual
    search path), or ``auth_url``/``username``/``password`` are given explicitly. The user needs the
    ``admin`` role (it creates Keystone projects and sets quotas); it is given the ``member_role`` on every
    tenant project it creates and works inside the tenant through a project-scoped token.
    """

    cloud: str | None = None  #: clouds.yaml entry name
    clouds_yaml: str | None = None  #: path of the clouds.yaml file (None: the standard search path)
    auth_url: str | None = None  #: Keystone v3 URL
    username: str | None = None  #: admin user name
    password: str | None = field(default=None, repr=False)  #: its password (never logged)
    project_name: str = "admin"  #: project of the admin token
    user_domain_name: str = "Default"  #: domain of the user
    project_domain_name: str = "Default"  #: domain of the admin project
    region_name: str | None = None  #: region, None for the only one
    domain_id: str = "default"  #: domain in which tenant projects are created
    project_prefix: str = "sovcloud-"  #: tenant ``t`` maps to the Keystone project ``<prefix>t``
    member_role: str = "member"  #: role given on tenant projects
    external_network: str = "public"  #: network holding the public (floating) IPs; routers gateway to it
    api_timeout_s: float = 30.0  #: HTTP timeout of one API call, in seconds
    wait_timeout_s: float = 60.0  #: longest bounded wait inside a call (resize confirm...), in seconds
    #: page size of every list call. Nova asks Neutron for the ports of a page's servers in one request whose
    #: line grows by ~47 characters a server: past ~80 servers it outgrows gunicorn's default 4094-byte request
    #: line (the devcloud's Neutron) and Nova answers 500. Keep it well under that.
    page_size: int = 50
    #: seconds a worker keeps the flavor list before reading it again
    catalogue_ttl_s: float = 300.0

    def region(self) -> str | None:
        """The region: ``region_name``, else the clouds.yaml entry's."""
        if self.region_name or not self.cloud:
            return self.region_name
        from openstack import config as os_config

        files = [self.clouds_yaml] if self.clouds_yaml else None
        return os_config.OpenStackConfig(config_files=files, load_envvars=False).get_one(self.cloud).region_name or None

    def auth(self) -> dict[str, Any]:
        """The explicit auth settings (from clouds.yaml when ``cloud`` is set).

        Raises:
            ValueError: neither a cloud nor explicit credentials were given.
        """
        if self.cloud:
            from openstack import config as os_config

            files = [self.clouds_yaml] if self.clouds_yaml else None
            loader = os_config.OpenStackConfig(config_files=files, load_envvars=False)
            region = loader.get_one(self.cloud)
            auth = dict(region.config["auth"])
            auth.setdefault("user_domain_name", self.user_domain_name)
            auth.setdefault("project_domain_name", self.project_domain_name)
            return auth
        if not (self.auth_url and self.username and self.password):
            raise ValueError("OpenStackConfig needs `cloud` or `auth_url`, `username` and `password`")
        return {
            "auth_url": self.auth_url,
            "username": self.username,
            "password": self.password,
            "project_name": self.project_name,
            "user_domain_name": self.user_domain_name,
            "project_domain_name": self.project_domain_name,
        }
