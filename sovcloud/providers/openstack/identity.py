"""Tenancy: each sovcloud tenant is a Keystone project, created on first use, and connections to it.

A tenant ``t`` maps to the project ``<prefix>t`` in the configured domain, tagged ``sovcloud`` and
``sovcloud-tenant:t`` so it can be found again (and listed) by any process. The provider's user is given
the member role there and works inside the tenant with a project-scoped token, so OpenStack's own policy
keeps tenants apart: another tenant's object answers 404.
"""

from __future__ import annotations

import hashlib
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from openstack import config as os_config
from openstack import exceptions as sdk

from sovcloud.providers.dto import Image, QuotaSet
from sovcloud.providers.errors import NotFoundError, OperationTimedOutError
from sovcloud.providers.openstack.config import OpenStackConfig
from sovcloud.providers.openstack.context import ContextConnection

T = TypeVar("T")

PROJECT_TAG = "sovcloud"
TENANT_TAG = "sovcloud-tenant:"
#: Metadata key carrying the idempotency key on servers, volumes, snapshots and images.
KEY_META = "sovcloud_key"
#: Prefix of the stamp carrying a digest of the idempotency key (Neutron descriptions, server group names).
KEY_TAG = "sk-"


#: sovcloud's limits of a tenant (None: leave the cloud's quotas as they are), pushed at its first use and
#: again before a create whenever they changed since (an operator raised or lowered the project's quota)
QuotaSource = Callable[[str], QuotaSet | None]


def key_tag(idempotency_key: str) -> str:
    """A short, tag-safe token for an idempotency key (Neutron and Nova tags are length-limited)."""
    return KEY_TAG + hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]


class OpenStackBase(ABC):
    """Connections (admin and per tenant) and the tenant ↔ project mapping, shared by the resource mixins.
    The abstract methods are the ones a mixin needs from another (the provider class combines them all)."""

    def __init__(self, config: OpenStackConfig, *, quota_source: QuotaSource | None = None) -> None:
        self.config = config
        self.quota_source = quota_source
        self._auth = config.auth()
        self._region = config.region()
        self._lock = threading.Lock()
        self._projects: dict[str, str] = {}  # tenant -> project id
        self._tenants: dict[str, str] = {}  # project id -> tenant
        self._pushed: dict[str, QuotaSet] = {}  # tenant -> limits this process last pushed
        self._conns: dict[str, Any] = {}  # project id -> connection
        self._admin_conn: Any = None
        self._user_id: str | None = None
        self._member_role_id: str | None = None

    # -- connections ------------------------------------------------------------------------------------
    def _connect(self, auth: dict[str, Any]) -> Any:
        # trap: never load clouds.yaml/env here, or openstacksdk may silently log in as another cloud
        region = os_config.get_cloud_region(load_yaml_config=False, load_envvars=False, auth_type="password",
                                            auth=auth, region_name=self._region,
                                            api_timeout=self.config.api_timeout_s)  # fmt: skip
        return ContextConnection(config=region)  # sends the current sovcloud request id (context.py)

    @property
    def admin(self) -> Any:
        """Connection with the admin token (catalogue, projects, quotas)."""
        if self._admin_conn is None:
            self._admin_conn = self._connect(dict(self._auth))
        return self._admin_conn

    def close(self) -> None:
        """Close every connection."""
        for conn in [self._admin_conn, *self._conns.values()]:
            if conn is not None:
                conn.close()
        self._conns.clear()
        self._admin_conn = None

    def _conn(self, tenant: str, *, create: bool = True) -> Any:
        """Project-scoped connection of ``tenant``; its project is created when ``create``.

        Raises:
            NotFoundError: the tenant has no project yet and ``create`` is False.
        """
        project_id = self._project_id(tenant, create=create)
        if project_id is None:
            raise NotFoundError(f"tenant {tenant!r} has nothing in this cloud")
        with self._lock:
            conn = self._conns.get(project_id)
        if conn is None:
            auth = {k: v for k, v in self._auth.items() if k not in ("project_name", "project_domain_name",
                                                                       "project_id", "project_domain_id")}
            conn = self._connect({**auth, "project_id": project_id})
            with self._lock:
                self._conns.setdefault(project_id, conn)
        return conn

    # -- projects ---------------------------------------------------------------------------------------
    def _project_name(self, tenant: str) -> str:
        return f"{self.config.project_prefix}{tenant}"[:64]

    def _find_project(self, tenant: str) -> Any:
        for project in self.admin.identity.projects(name=self._project_name(tenant), domain_id=self.config.domain_id):
            if PROJECT_TAG in (project.tags or []):
                return project
        return None

    def _project_id(self, tenant: str, *, create: bool) -> str | None:
        with self._lock:
            cached = self._projects.get(tenant)
        if cached:
            if create:  # something is about to be created: the cloud's quotas must be sovcloud's of now
                self._follow_quotas(tenant, cached)
            return cached
        project = self._find_project(tenant)
        if project is None and not create:
            return None
        if project is None:
            try:
                project = self.admin.identity.create_project(
                    name=self._project_name(tenant), domain_id=self.config.domain_id,
                    description=f"sovcloud tenant {tenant}", tags=[PROJECT_TAG, (TENANT_TAG + tenant)[:255]],
                )  # fmt: skip
            except sdk.ConflictException:  # another process created it first
                project = self._find_project(tenant)
                if project is None:
                    raise
        self._ensure_membership(project.id)
        with self._lock:
            self._projects[tenant] = project.id
            self._tenants[project.id] = tenant
        self._follow_quotas(tenant, str(project.id))  # first use of the tenant in this process
        return str(project.id)

    def _follow_quotas(self, tenant: str, project_id: str) -> None:
        """Push sovcloud's limits of the tenant if they differ from what this process last pushed (one
        database read; the three quota APIs are called only on a change)."""
        limits = self.quota_source(tenant) if self.quota_source else None
        with self._lock:
            if limits is None or self._pushed.get(tenant) == limits:
                return
        self._push_quotas(project_id, limits)
        with self._lock:
            self._pushed[tenant] = limits

    @abstractmethod
    def _push_quotas(self, project_id: str, limits: QuotaSet) -> None:
        """Set the project's quotas in Nova, Cinder and Neutron (``QuotaOps``)."""

    @abstractmethod
    def _image(self, tenant: str, raw: Any) -> Image:
        """An openstacksdk image as the provider-neutral DTO (``ImageOps``)."""

    def _ensure_membership(self, project_id: str) -> None:
        identity = self.admin.identity
        if self._user_id is None:
            self._user_id = self.admin.current_user_id
        if self._member_role_id is None:
            self._member_role_id = identity.find_role(self.config.member_role, ignore_missing=False).id
        identity.assign_project_role_to_user(project_id, self._user_id, self._member_role_id)

    def _tenant_projects(self) -> dict[str, str]:
        """Every tenant project of the cloud: tenant -> project id."""
        found: dict[str, str] = {}
        for project in self.admin.identity.projects(tags=PROJECT_TAG, domain_id=self.config.domain_id):
            tags = [t for t in project.tags or [] if t.startswith(TENANT_TAG)]
            if tags:
                found[tags[0][len(TENANT_TAG):]] = project.id
        return found

    # -- listing ----------------------------------------------------------------------------------------
    def _paged(self, lister: Callable[..., Iterable[Any]], **query: Any) -> list[Any]:
        """Every item of an openstacksdk list call, page by page (``limit`` = ``page_size``, then the last id
        as ``marker``), stopping at the first short page — no extra request for the empty page after it.
        An item seen on an earlier page is dropped: Nova may list a server twice when it moves from its build
        requests to a cell between two pages (openstacksdk's own paging then gives up on an "endless loop")."""
        size = self.config.page_size
        seen: dict[str, Any] = {}
        marker: str | None = None
        while True:
            page = list(lister(paginated=False, limit=size, **({"marker": marker} if marker else {}), **query))
            fresh = [item for item in page if item.id not in seen]
            seen.update((item.id, item) for item in fresh)
            if len(page) < size or not fresh:
                return list(seen.values())
            marker = page[-1].id

    # -- waiting ----------------------------------------------------------------------------------------
    def _wait(self, probe: Callable[[], T], accept: Callable[[T], bool], *, what: str,
              timeout: float | None = None) -> T:  # fmt: skip
        """Poll ``probe`` until ``accept`` holds, at most ``timeout`` (default ``wait_timeout_s``) seconds.

        Raises:
            OperationTimedOutError: the deadline passed.
        """
        deadline = time.monotonic() + (self.config.wait_timeout_s if timeout is None else timeout)
        delay = 0.1
        while True:
            value = probe()
            if accept(value):
                return value
            if time.monotonic() > deadline:
                raise OperationTimedOutError(f"timed out waiting for {what}")
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)
