"""Sites as data: list, describe, add, change; the lookup orders and approval rules use instead of names in
code; and the seed from the provider's availability zones."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize
from sovcloud.errors import Conflict, NotFound, ValidationFailed
from sovcloud.resilience.models import NAME_MAX, STATE_LABELS, Site, SiteState

#: what an operator may change on a site (the name never changes)
EDITABLE = ("label", "region", "location", "availability_zone", "storage_backend", "state")
#: the widest text of each field (the columns' widths)
WIDTHS = {"name": NAME_MAX, "label": 120, "region": 80, "location": 120, "availability_zone": 64,
          "storage_backend": 64}


@dataclass(frozen=True, kw_only=True)
class SiteDetails:
    """How a seed describes a site the provider names."""

    label: str
    region: str = ""
    location: str = ""
    storage_backend: str = ""


def _clean(field: str, value: str) -> str:
    text = value.strip()
    if len(text) > WIDTHS[field]:
        raise ValidationFailed(f"{field} : {WIDTHS[field]} caractères au plus.", field=field)
    if any(ord(c) < 32 for c in text):
        raise ValidationFailed(f"{field} : caractères de contrôle interdits.", field=field)
    return text


def _name(value: str) -> str:
    name = _clean("name", value).lower()
    if not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ValidationFailed("Nom de site : lettres, chiffres, tirets, 40 caractères au plus.", field="name")
    return name


def _state(value: str | SiteState) -> SiteState:
    try:
        return SiteState(value)
    except ValueError:
        raise ValidationFailed(f"État inconnu : {value} (attendu : {', '.join(s.value for s in SiteState)}).",
                               field="state") from None


def list_sites(session: Session, *, actor: Actor) -> list[Site]:
    """Every site, by name (any authenticated actor: where the platform runs is not a secret to its users)."""
    return list(session.scalars(select(Site).order_by(Site.name)))


def get_site(session: Session, *, actor: Actor, name: str) -> Site:
    """One site by name.

    Raises:
        NotFound: no such site.
    """
    site = session.scalar(select(Site).where(Site.name == name.strip().lower()))
    if site is None:
        raise NotFound(f"Site inconnu : {name[:NAME_MAX]}.")
    return site


def create_site(session: Session, *, actor: Actor, name: str, label: str = "", region: str = "",
                location: str = "", availability_zone: str = "", storage_backend: str = "",
                state: str | SiteState = SiteState.ACTIVE) -> Site:
    """Add a site (its availability zone is its name unless given).

    Raises:
        PermissionDenied: the actor may not manage sites.
        ValidationFailed: a bad name, state or text.
        Conflict: a site of that name exists.
    """
    authorize(actor, Permission.SITE_MANAGE)
    clean = _name(name)
    if session.scalar(select(Site.id).where(Site.name == clean)) is not None:
        raise Conflict(f"Le site {clean} existe déjà.", field="name")
    site = Site(name=clean, label=_clean("label", label) or clean, region=_clean("region", region),
                location=_clean("location", location),
                availability_zone=_clean("availability_zone", availability_zone) or clean,
                storage_backend=_clean("storage_backend", storage_backend), state=_state(state).value)
    session.add(site)
    session.flush()
    audit.record(session, actor=actor, action="site.created", target=site, details=describe(site))
    return site


def update_site(session: Session, *, actor: Actor, name: str, **changes: Any) -> Site:
    """Change what ``changes`` gives (fields of :data:`EDITABLE`; None leaves a field as it is).

    Raises:
        PermissionDenied: the actor may not manage sites.
        NotFound: no such site.
        ValidationFailed: an unknown field, a bad state or text.
    """
    authorize(actor, Permission.SITE_MANAGE)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationFailed(f"Champ non modifiable : {', '.join(unknown)}.", field=unknown[0])
    site = get_site(session, actor=actor, name=name)
    before = describe(site)
    for field, value in changes.items():
        if value is None:
            continue
        if field == "state":
            site.state = _state(value).value
        else:
            text = _clean(field, value)
            if not text and field in ("label", "availability_zone"):
                raise ValidationFailed(f"{field} : ne peut être vide.", field=field)
            setattr(site, field, text)
    after = describe(site)
    changed = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    if changed:
        audit.record(session, actor=actor, action="site.updated", target=site, details={"changes": changed})
    return site


def describe(site: Site) -> dict[str, str]:
    """A site's fields, as the journal records them."""
    return {"name": site.name, "label": site.label, "region": site.region, "location": site.location,
            "availability_zone": site.availability_zone, "storage_backend": site.storage_backend,
            "state": site.state}


def require_orderable(session: Session, name: str, *, field: str = "site_preference") -> Site:
    """The active site of this name, for an order asking for it (called by the orders service, whose caller
    is already authorized).

    Raises:
        ValidationFailed: no such site, or it is not active (the message says which sites are).
    """
    sites = {s.name: s for s in session.scalars(select(Site).order_by(Site.name))}
    active = [s.name for s in sites.values() if s.state == SiteState.ACTIVE]
    expected = f"(sites ouverts : {', '.join(active)})" if active else "(aucun site ouvert)"
    site = sites.get(name.strip().lower())
    if site is None:
        raise ValidationFailed(f"Site inconnu : {name[:NAME_MAX]} {expected}.", field=field)
    if site.state != SiteState.ACTIVE:
        raise ValidationFailed(f"Le site {site.label} est {STATE_LABELS[SiteState(site.state)]} : il ne prend pas "
                               f"de nouvelle commande {expected}.", field=field)
    return site


def require_known(session: Session, names: Iterable[str], *, field: str = "sites") -> None:
    """Refuse names that are not sites (an approval rule naming a site, whatever its state).

    Raises:
        ValidationFailed: a name is not a site.
    """
    known = set(session.scalars(select(Site.name)))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValidationFailed(f"Site inconnu : {', '.join(unknown)[:200]} (sites : {', '.join(sorted(known))}).",
                               field=field)


def orderable_names(session: Session) -> list[str]:
    """The names of the active sites, for the order forms."""
    return list(session.scalars(select(Site.name).where(Site.state == SiteState.ACTIVE).order_by(Site.name)))


def all_names(session: Session) -> list[str]:
    """The names of every site, for the approval rules' form."""
    return list(session.scalars(select(Site.name).order_by(Site.name)))


def places(session: Session) -> dict[str, str]:
    """Where each site is, by name: "label — location (region)", to show beside a resource's site."""
    out = {}
    for site in session.scalars(select(Site)):
        where = ", ".join(p for p in (site.location, site.region) if p)
        out[site.name] = f"{site.label} — {where}" if where else site.label
    return out


def seed_sites(session: Session, *, actor: Actor, zones: Iterable[str],
               details: Mapping[str, SiteDetails] | None = None) -> list[Site]:
    """Add a site for each provider zone not yet in the table (active; described by ``details`` when it knows
    the zone). Idempotent: what is there already is left as the operators made it.

    Raises:
        PermissionDenied: the actor may not manage sites.
    """
    authorize(actor, Permission.SITE_MANAGE)
    known = set(session.scalars(select(Site.availability_zone))) | set(session.scalars(select(Site.name)))
    added = []
    for zone in zones:
        if zone in known or len(zone) > NAME_MAX:
            continue
        about = (details or {}).get(zone) or SiteDetails(label=zone)
        added.append(create_site(session, actor=actor, name=zone, label=about.label, region=about.region,
                                 location=about.location, availability_zone=zone,
                                 storage_backend=about.storage_backend))
        known.add(zone)
    return added
