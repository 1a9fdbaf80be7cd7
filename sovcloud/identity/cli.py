"""`sovcloud user …` commands."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.orm import Session

from sovcloud.access.roles import Role
from sovcloud.cli.common import LimitOpt, Output, OutputOpt, acting, render
from sovcloud.identity import mfa, users
from sovcloud.identity.models import User
from sovcloud.tenancy import members

app = typer.Typer(help="Comptes utilisateurs.", no_args_is_help=True)


def _row(user: User) -> dict[str, object]:
    return {"id": user.id, "username": user.username, "full_name": user.full_name, "email": user.email,
            "status": user.status, "mfa": user.mfa_enabled}


@app.command("create")
def create(
    username: str,
    email: Annotated[str, typer.Option(help="Adresse électronique")],
    full_name: Annotated[str, typer.Option("--name", help="Nom complet")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          envvar="SOVCLOUD_NEW_PASSWORD", help="Mot de passe")],
    role: Annotated[Role | None, typer.Option(help="Rôle de plateforme à donner (ex. platform_operator)")] = None,
    output: OutputOpt = Output.table,
) -> None:
    """Create a nominative account (optionally with a platform role). While the platform has no active
    operator, creating the first one needs no credentials (bootstrap, journaled)."""

    def first_operator(session: Session) -> bool:
        return role is Role.PLATFORM_OPERATOR and not users.has_operator(session)

    with acting(bootstrap=first_operator) as (session, settings, actor):
        user = users.create_user(session, actor=actor, settings=settings, username=username, email=email,
                                 full_name=full_name, password=password)
        if role is not None:
            members.assign_role(session, actor=actor, user_id=user.id, role=role)
        render([_row(user)], output)


@app.command("suspend")
def suspend(username: str, reason: Annotated[str, typer.Option(help="Motif")] = "",
            output: OutputOpt = Output.table) -> None:
    """Suspend an account: its sessions and tokens stop at once."""
    with acting() as (session, _settings, actor):
        user = users.suspend_user(session, actor=actor, user_id=users.find_user(session, username).id,
                                  reason=reason)
        render([_row(user)], output)


@app.command("reactivate")
def reactivate(username: str, output: OutputOpt = Output.table) -> None:
    """Lift a suspension or a lockout."""
    with acting() as (session, settings, actor):
        user = users.reactivate_user(session, actor=actor, settings=settings,
                                     user_id=users.find_user(session, username).id)
        render([_row(user)], output)


@app.command("mfa-reset")
def mfa_reset(username: str, reason: Annotated[str, typer.Option(help="Motif (journalisé)")],
              output: OutputOpt = Output.table) -> None:
    """Remove a user's second factor (lost device): they enrol a new one at their next login."""
    with acting() as (session, _settings, actor):
        user = mfa.reset_mfa(session, actor=actor, user_id=users.find_user(session, username).id, reason=reason)
        render([_row(user)], output)


@app.command("list")
def list_(output: OutputOpt = Output.table, limit: LimitOpt = 200) -> None:
    """List accounts."""
    with acting() as (session, _settings, actor):
        render([_row(u) for u in users.list_users(session, actor=actor, limit=limit)], output)
