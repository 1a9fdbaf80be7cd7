"""`sovcloud catalog …` commands: the catalogue, groups of organisations and price lists, for operators."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud.catalog import pricing, seed, service
from sovcloud.catalog.models import Offering, OfferingKind, OrganisationGroup, Plan, PriceList
from sovcloud.catalog.pricing import PlanPrice
from sovcloud.cli.common import Output, OutputOpt, acting, aware_datetime, console, json_option, render
from sovcloud.tenancy.cli import organisation_ref

app = typer.Typer(help="Catalogue de services : offres, plans, groupes, grilles tarifaires.", no_args_is_help=True)
price_lists = typer.Typer(help="Grilles tarifaires versionnées.", no_args_is_help=True)
groups = typer.Typer(help="Groupes d'organisations (tarifs et offres réservées).", no_args_is_help=True)
app.add_typer(price_lists, name="price-list")
app.add_typer(groups, name="group")


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _group(session: Session, name_or_id: str) -> uuid.UUID:
    found = session.scalar(select(OrganisationGroup.id).where(OrganisationGroup.name == name_or_id))
    if found is None and _uuid(name_or_id) is None:
        raise typer.BadParameter(f"groupe inconnu : {name_or_id}")
    return found or uuid.UUID(name_or_id)


def _offering(session: Session, code_or_id: str) -> uuid.UUID:
    found = session.scalar(select(Offering.id).where(Offering.code == code_or_id.lower()))
    if found is None and _uuid(code_or_id) is None:
        raise typer.BadParameter(f"offre inconnue : {code_or_id}")
    return found or uuid.UUID(code_or_id)


def _plan(session: Session, ref: str) -> uuid.UUID:
    """A plan as "offering/plan" (e.g. vm/s1.small) or its id."""
    if "/" in ref:
        offering, code = ref.lower().split("/", 1)
        found = session.scalar(select(Plan.id).join(Plan.offering).where(Offering.code == offering, Plan.code == code))
        if found is not None:
            return found
    if _uuid(ref) is None:
        raise typer.BadParameter(f"plan inconnu : {ref} (attendu : offre/plan, ex. vm/s1.small)")
    return uuid.UUID(ref)


def _money(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise typer.BadParameter(f"montant invalide : {value}") from None


def _when(value: str | None) -> datetime | None:
    return None if value is None else aware_datetime(value)


def _plan_rows(offerings: list[Offering], prices: dict[uuid.UUID, PlanPrice] | None = None) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for o in offerings:
        for p in o.active_plans:
            price = (prices or {}).get(p.id)
            rows.append({"offre": o.code, "type": o.kind, "plan": p.code, "vcpus": p.vcpus, "ram_mb": p.ram_mb,
                         "disk_gb": p.disk_gb, "réservée": "oui" if o.restricted else "",
                         "€/h": price.per_hour if price else "", "€/Go-mois": price.per_gb_month if price else ""})
    return rows


@app.command("list")
def catalog_list(org: Annotated[str | None, typer.Option(help="Ce que cette organisation peut commander, "
                                                                "avec ses prix (code ou id)")] = None,
                 output: OutputOpt = Output.table) -> None:
    """List offerings and plans."""
    with acting() as (session, _, actor):
        if org is None:
            render(_plan_rows(service.list_offerings(session, actor=actor)), output)
            return
        org_id = organisation_ref(session, org)
        priced = pricing.priced_offerings_for(session, actor=actor, organisation_id=org_id)
        prices = {k: v for p in priced for k, v in p.prices.items()}
        render(_plan_rows([p.offering for p in priced], prices), output)


@app.command("seed")
def catalog_seed(output: OutputOpt = Output.table) -> None:
    """Create the default catalogue and price list (once)."""
    with acting() as (session, _, actor):
        report = seed.seed_catalog(session, actor)
    render([{"offres créées": ", ".join(report.offerings) or "—", "plans créés": len(report.plans),
             "grille publiée": "oui" if report.price_list_published else "non (déjà présente)"}], output)


@app.command("create-offering")
def create_offering(code: str, name: Annotated[str, typer.Option(help="Nom affiché")],
                    kind: Annotated[OfferingKind, typer.Option(help="Type d'offre")],
                    description: str = "",
                    group: Annotated[list[str] | None, typer.Option(help="Réservée à ce groupe (répétable)")] = None,
                    output: OutputOpt = Output.table) -> None:
    """Create an offering."""
    with acting() as (session, _, actor):
        offering = service.create_offering(session, actor=actor, code=code, name=name, kind=kind,
                                           description=description,
                                           restricted_to=[_group(session, g) for g in group or []])
        render([{"id": offering.id, "code": offering.code, "type": offering.kind}], output)


@app.command("add-plan")
def add_plan(offering: str, code: str, name: Annotated[str, typer.Option(help="Nom affiché")],
             vcpus: Annotated[int, typer.Option(min=0, max=10_000)] = 0,
             ram_mb: Annotated[int, typer.Option(min=0, max=10**8)] = 0,
             disk_gb: Annotated[int, typer.Option(min=0, max=10**7)] = 0, output: OutputOpt = Output.table) -> None:
    """Add a plan to an offering (code or id)."""
    with acting() as (session, _, actor):
        plan = service.add_plan(session, actor=actor, offering_id=_offering(session, offering), code=code,
                                name=name, vcpus=vcpus, ram_mb=ram_mb, disk_gb=disk_gb)
        render([{"id": plan.id, "plan": f"{plan.offering.code}/{plan.code}"}], output)


@app.command("retire-offering")
def retire_offering(offering: str) -> None:
    """Stop selling an offering (code or id)."""
    with acting() as (session, _, actor):
        service.retire_offering(session, actor=actor, offering_id=_offering(session, offering))
    console.print(f"Offre {offering} retirée.")


@groups.command("create")
def group_create(name: str, members: Annotated[list[str] | None, typer.Argument(help="Organisations")] = None,
                 description: str = "") -> None:
    """Create a group of organisations, with its members (codes or ids)."""
    with acting() as (session, _, actor):
        group = service.create_group(session, actor=actor, name=name, description=description)
        service.set_group_members(session, actor=actor, group_id=group.id,
                                  organisation_ids=[organisation_ref(session, m) for m in members or []])
    console.print(f"Groupe « {name} » créé ({group.id}).")


@groups.command("members")
def group_members(group: str, members: Annotated[list[str], typer.Argument(help="Organisations")]) -> None:
    """Replace the members of a group (name or id)."""
    with acting() as (session, _, actor):
        service.set_group_members(session, actor=actor, group_id=_group(session, group),
                                  organisation_ids=[organisation_ref(session, m) for m in members])
    console.print(f"Membres du groupe {group} mis à jour.")


def _list_row(pl: PriceList) -> dict[str, object]:
    return {"id": pl.id, "nom": pl.name, "groupe": pl.group.name if pl.group else "(défaut)", "version": pl.version,
            "statut": pl.status, "début": pl.valid_from, "fin": pl.valid_until, "prix": len(pl.prices)}


@price_lists.command("list")
def price_list_list(output: OutputOpt = Output.table) -> None:
    """List price lists."""
    with acting() as (session, _, actor):
        render([_list_row(pl) for pl in pricing.list_price_lists(session, actor=actor)], output)


@price_lists.command("create")
def price_list_create(name: str, group: Annotated[str | None, typer.Option(help="Groupe (défaut : tous)")] = None,
                      copy_from: Annotated[uuid.UUID | None,
                                           typer.Option(help="Reprendre les prix de cette grille")] = None,
                      valid_from: Annotated[str | None, typer.Option(help="Début (ISO 8601 avec fuseau)")] = None,
                      valid_until: Annotated[str | None, typer.Option(help="Fin exclue (ISO 8601)")] = None,
                      output: OutputOpt = Output.table) -> None:
    """Draft a new price list version."""
    with acting() as (session, _, actor):
        pl = pricing.create_price_list(session, actor=actor, name=name,
                                       group_id=_group(session, group) if group else None,
                                       valid_from=_when(valid_from), valid_until=_when(valid_until),
                                       copy_from=copy_from)
        render([_list_row(pl)], output)


@price_lists.command("set")
def price_list_set(price_list: uuid.UUID, plan: Annotated[str, typer.Argument(help="offre/plan, ex. vm/s1.small")],
                   per_hour: str = "0", per_gb_month: str = "0",
                   per_hour_stopped: Annotated[str, typer.Option(help="€/h serveur arrêté (facturation)")] = "0",
                   one_time_fee: Annotated[str, typer.Option(help="€ une fois, à la mise en service")] = "0") -> None:
    """Set one plan's price in a draft list."""
    with acting() as (session, _, actor):
        pricing.set_prices(session, actor=actor, price_list_id=price_list,
                           prices=[pricing.PriceInput(_plan(session, plan), _money(per_hour), _money(per_gb_month),
                                                      _money(per_hour_stopped), _money(one_time_fee))])
    console.print(f"Prix de {plan} enregistré.")


@price_lists.command("publish")
def price_list_publish(price_list: uuid.UUID,
                       valid_from: Annotated[str | None, typer.Option(help="Début (ISO 8601 avec fuseau)")] = None,
                       output: OutputOpt = Output.table) -> None:
    """Publish a draft list: immutable from then on."""
    with acting() as (session, _, actor):
        pl = pricing.publish_price_list(session, actor=actor, price_list_id=price_list,
                                        valid_from=_when(valid_from))
        render([_list_row(pl)], output)


@app.command("estimate")
def estimate(org: str, plan: Annotated[str, typer.Argument(help="offre/plan, ex. vm/s1.small")],
             parameters: Annotated[dict, typer.Option(parser=json_option, metavar="JSON",
                                                      help="Paramètres en JSON")] = "{}",  # type: ignore[assignment]
             output: OutputOpt = Output.table) -> None:
    """Estimate what an order would cost an organisation."""
    with acting() as (session, _, actor):
        est = pricing.estimate_for(session, actor=actor, organisation_id=organisation_ref(session, org),
                                   plan_id=_plan(session, plan), parameters=parameters)
        render([{"plan": plan, "€/h": est.hourly, "€/mois": est.monthly, "grille": est.price.price_list_name,
                 "version": est.price.version}], output)
