"""Users: creation, suspension, and the grants a user holds."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor, Grant
from sovcloud.access.roles import Permission, Role
from sovcloud.access.service import authorize
from sovcloud.clock import now
from sovcloud.config import Settings
from sovcloud.errors import Conflict, NotFound, ValidationFailed
from sovcloud.identity.models import ApiToken, User, UserSession, UserStatus
from sovcloud.identity.passwords import check_policy, hash_password
from sovcloud.tenancy.models import Membership


def grants_of(session: Session, user_id: uuid.UUID) -> tuple[Grant, ...]:
    """Every role the user holds, with the place it is held."""
    grants = []
    for m in session.scalars(select(Membership).where(Membership.user_id == user_id)).unique():
        if m.project is not None:
            grants.append(Grant(Role(m.role), project_id=m.project_id, org_path=m.project.organisation.path))
        elif m.organisation is not None:
            grants.append(Grant(Role(m.role), org_id=m.organisation_id, org_path=m.organisation.path))
        else:
            grants.append(Grant(Role(m.role)))
    return tuple(grants)


def _active_operators(session: Session) -> set[uuid.UUID]:
    return set(session.scalars(
        select(Membership.user_id).join(User, User.id == Membership.user_id)
        .where(Membership.role == Role.PLATFORM_OPERATOR, Membership.organisation_id.is_(None),
               Membership.project_id.is_(None), User.status == UserStatus.ACTIVE)))


def has_operator(session: Session) -> bool:
    """Whether the platform has an active operator (until then, the CLI may bootstrap the first one)."""
    return bool(_active_operators(session))


def is_last_operator(session: Session, user_id: uuid.UUID) -> bool:
    """Whether ``user_id`` holds the platform operator role and no other active account does: the platform
    must always keep one, so that role is neither revoked nor suspended."""
    return _active_operators(session) == {user_id}


def get_user(session: Session, user_id: uuid.UUID | str) -> User:
    try:
        user = session.get(User, uuid.UUID(str(user_id)))
    except ValueError:
        user = None
    if user is None:
        raise NotFound(f"Utilisateur {user_id} introuvable.")
    return user


def find_user(session: Session, username_or_id: str) -> User:
    user = session.scalar(select(User).where(User.username == username_or_id))
    return user or get_user(session, username_or_id)


def create_user(session: Session, *, actor: Actor, settings: Settings, username: str, email: str,
                full_name: str, password: str) -> User:
    """Create a nominative account.

    Raises:
        PermissionDenied: the actor may not create users.
        ValidationFailed: the password breaks the policy or the username is malformed.
        Conflict: the username or e-mail is taken.
    """
    authorize(actor, Permission.USER_CREATE)
    username = username.strip().lower()
    if not username or not all(c.isalnum() or c in "._-" for c in username):
        raise ValidationFailed("Identifiant invalide : lettres, chiffres, « . », « _ » et « - » seulement.",
                               field="username")
    check_policy(password, username=username, min_length=settings.password_min_length)
    taken = session.scalar(select(User.id).where((User.username == username) | (User.email == email)))
    if taken is not None:
        raise Conflict("Cet identifiant ou cette adresse est déjà utilisé.")
    user = User(username=username, email=email.strip(), full_name=full_name.strip(),
                password_hash=hash_password(password))
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="user.created", target=user, details={"username": username})
    return user


def revoke_credentials(session: Session, user_id: uuid.UUID, *, tokens: bool = True) -> tuple[int, int]:
    """End every session (and token, unless ``tokens`` is false) of the user now; returns how many of each
    were live."""
    at = now()
    counts = [0, 0]
    models: tuple[type[UserSession] | type[ApiToken], ...] = (UserSession, ApiToken) if tokens else (UserSession,)
    for i, model in enumerate(models):
        result = session.execute(update(model).where(model.user_id == user_id, model.revoked_at.is_(None))
                                 .values(revoked_at=at))
        counts[i] = getattr(result, "rowcount", 0)
    return counts[0], counts[1]


def suspend_user(session: Session, *, actor: Actor, user_id: uuid.UUID | str, reason: str = "") -> User:
    """Suspend an account: its sessions and tokens stop working at once.

    Raises:
        PermissionDenied: the actor may not suspend users.
        NotFound: no such user.
        Conflict: the actor tries to suspend itself.
    """
    authorize(actor, Permission.USER_SUSPEND)
    user = get_user(session, user_id)
    if user.id == actor.user_id:
        raise Conflict("Vous ne pouvez pas suspendre votre propre compte.")
    if is_last_operator(session, user.id):
        raise Conflict("C'est le dernier exploitant de la plateforme : nommez-en un autre avant de le suspendre.")
    user.status = UserStatus.SUSPENDED
    killed_sessions, killed_tokens = revoke_credentials(session, user.id)
    audit.record(session, actor=actor, action="user.suspended", target=user,
                 details={"reason": reason, "sessions_ended": killed_sessions, "tokens_revoked": killed_tokens})
    return user


def reactivate_user(session: Session, *, actor: Actor, settings: Settings, user_id: uuid.UUID | str) -> User:
    """Lift a suspension, and the account-wide login throttle (each address's own counter runs out with its
    window).

    Raises:
        PermissionDenied: the actor may not manage users.
        NotFound: no such user.
    """
    from sovcloud.identity.throttle import LoginGuard

    authorize(actor, Permission.USER_SUSPEND)
    user = get_user(session, user_id)
    user.status, user.failed_logins = UserStatus.ACTIVE, 0
    LoginGuard.of(settings).clear_account(user.username)
    audit.record(session, actor=actor, action="user.reactivated", target=user)
    return user


def list_users(session: Session, *, actor: Actor, limit: int = 100, after: str | None = None) -> list[User]:
    """Users by username (keyset on the username).

    Raises:
        PermissionDenied: the actor may not list users.
    """
    authorize(actor, Permission.USER_READ)
    query = select(User).order_by(User.username).limit(limit)
    if after:
        query = query.where(User.username > after)
    return list(session.scalars(query))
