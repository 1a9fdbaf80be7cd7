"""The actor: who is acting, with which grants, from where. Built once per request or task."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sovcloud.access.roles import ADMIN_ROLES, ROLE_PERMISSIONS, Permission, Role


@dataclass(frozen=True, slots=True)
class Grant:
    """One role held at one place: the platform (both None), an organisation subtree, or a project."""

    role: Role
    org_id: uuid.UUID | None = None  #: organisation the role is held on (covers its sub-organisations)
    org_path: str | None = None  #: materialised path of that organisation, e.g. "/a1/b2/"
    project_id: uuid.UUID | None = None  #: project the role is held on

    @property
    def permissions(self) -> frozenset[Permission]:
        return ROLE_PERMISSIONS[self.role]

    @property
    def is_platform(self) -> bool:
        return self.org_id is None and self.project_id is None


@dataclass(frozen=True, slots=True)
class Scope:
    """Where an object lives: the platform (both None), an organisation, or a project in one."""

    org_path: str | None = None
    project_id: uuid.UUID | None = None

    @property
    def org_id(self) -> uuid.UUID | None:
        if not self.org_path:
            return None
        return uuid.UUID(self.org_path.rstrip("/").rsplit("/", 1)[-1])


PLATFORM = Scope()


@dataclass(frozen=True)
class Actor:
    """Who performs an action. ``system`` actors are the platform's own workers."""

    user_id: uuid.UUID | None
    username: str
    grants: tuple[Grant, ...] = ()
    source_ip: str | None = None
    request_id: str | None = None
    token_id: uuid.UUID | None = None
    #: when acting through an API token scoped to an organisation or project, the place it is limited to
    token_scope: Scope | None = None
    mfa_verified: bool = False
    roles: frozenset[Role] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(g.role for g in self.grants))

    @classmethod
    def system(cls, name: str = "system", request_id: str | None = None) -> Actor:
        """The platform itself (workers, reaper, seed): holds the operator grant."""
        return cls(user_id=None, username=name, grants=(Grant(Role.PLATFORM_OPERATOR),),
                   request_id=request_id, mfa_verified=True)

    @property
    def is_platform_wide(self) -> bool:
        """True when a platform grant lets this actor see every tenant."""
        return any(g.is_platform for g in self.grants) and self.token_scope is None

    @property
    def needs_mfa(self) -> bool:
        return bool(self.roles & ADMIN_ROLES)

    @property
    def org_paths(self) -> tuple[str, ...]:
        return tuple(g.org_path for g in self.grants if g.org_path and g.project_id is None)

    @property
    def project_ids(self) -> tuple[uuid.UUID, ...]:
        return tuple(g.project_id for g in self.grants if g.project_id is not None)
