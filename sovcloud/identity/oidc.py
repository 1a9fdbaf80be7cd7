"""The OpenID Connect relying party for ProConnect: discovery, the authorization request, the code exchange,
the id_token and the signed userinfo checked, and the end-session URL.

authlib's OAuth2 client (``OAuth2Session``) speaks the protocol (PKCE, client authentication, token request);
joserfc, authlib's JOSE library, checks the signatures against the provider's JWKS. Nothing here touches the
database: :mod:`sovcloud.identity.proconnect` keeps the state and turns the identity into a session.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6749.errors import OAuth2Error
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from sovcloud.config import Settings
from sovcloud.errors import LoginRefused

#: what sovcloud asks ProConnect for (organizational_unit is given when the identity provider has it)
SCOPES = "openid given_name usual_name email uid siret idp_id organizational_unit"
ALGORITHMS = ["RS256", "ES256"]
ACR_RANK = {"eidas1": 1, "eidas2": 2, "eidas3": 3}
#: how long discovery and the keys are kept before being read again (an unknown key id reads them at once)
CACHE_S = 3600.0
LEEWAY_S = 60


@dataclass(frozen=True)
class Metadata:
    """The endpoints of the provider, from its discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None


@dataclass(frozen=True)
class Identity:
    """An agent as ProConnect vouched for it: the id_token's subject and acr, the userinfo's claims."""

    issuer: str
    sub: str
    idp_id: str
    email: str
    given_name: str
    usual_name: str
    uid: str | None
    siret: str | None
    organizational_unit: str | None
    acr: str
    id_token: str


_lock = threading.Lock()
_metadata: dict[str, tuple[float, Metadata]] = {}
_keys: dict[str, tuple[float, KeySet]] = {}


def refused(reason: str, detail: str, **extra: object) -> LoginRefused:
    return LoginRefused(detail, reason=reason, **extra)


def _client(settings: Settings) -> OAuth2Session:
    assert settings.oidc_client_secret is not None
    return OAuth2Session(settings.oidc_client_id, settings.oidc_client_secret.get_secret_value(), scope=SCOPES,
                         redirect_uri=settings.oidc_redirect_url, token_endpoint_auth_method="client_secret_post",
                         code_challenge_method="S256")


def _get_json(url: str, settings: Settings) -> dict[str, Any]:
    try:
        answer = requests.get(url, timeout=settings.oidc_timeout_s, headers={"Accept": "application/json"})
        answer.raise_for_status()
        body = answer.json()
    except (requests.RequestException, ValueError) as exc:
        raise refused("provider_unreachable", "ProConnect ne répond pas pour le moment : réessayez dans quelques "
                      "minutes ou connectez-vous avec votre compte nominatif.") from exc
    if not isinstance(body, dict):
        raise refused("provider_unreachable", "Réponse inattendue de ProConnect.")
    return body


def metadata(settings: Settings) -> Metadata:
    """The provider's endpoints (discovery, cached an hour); its ``issuer`` must be the configured one.

    Raises:
        LoginRefused: the provider does not answer, or announces another issuer.
    """
    issuer = (settings.oidc_issuer or "").rstrip("/")
    with _lock:
        cached = _metadata.get(issuer)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    doc = _get_json(issuer + "/.well-known/openid-configuration", settings)
    if doc.get("issuer") != issuer:
        raise refused("issuer_mismatch", "ProConnect annonce un autre émetteur que celui configuré.")
    try:
        meta = Metadata(issuer=issuer, authorization_endpoint=doc["authorization_endpoint"],
                        token_endpoint=doc["token_endpoint"], userinfo_endpoint=doc["userinfo_endpoint"],
                        jwks_uri=doc["jwks_uri"], end_session_endpoint=doc.get("end_session_endpoint"))
    except KeyError as exc:
        raise refused("provider_unreachable", "Document de découverte de ProConnect incomplet.") from exc
    with _lock:
        _metadata[issuer] = (time.monotonic() + CACHE_S, meta)
    return meta


def _key_set(settings: Settings, meta: Metadata, *, fresh: bool = False) -> KeySet:
    with _lock:
        cached = _keys.get(meta.jwks_uri)
    if cached and cached[0] > time.monotonic() and not fresh:
        return cached[1]
    try:
        keys = KeySet.import_key_set(_get_json(meta.jwks_uri, settings))  # type: ignore[arg-type]
    except (JoseError, ValueError, KeyError) as exc:
        raise refused("provider_unreachable", "Clés de ProConnect illisibles.") from exc
    with _lock:
        _keys[meta.jwks_uri] = (time.monotonic() + CACHE_S, keys)
    return keys


def _verified(settings: Settings, meta: Metadata, token: str, what: str) -> dict[str, Any]:
    """The claims of a JWS signed by one of the provider's keys (the keys read again once if none fits)."""
    for fresh in (False, True):
        try:
            return dict(jwt.decode(token, _key_set(settings, meta, fresh=fresh), algorithms=ALGORITHMS).claims)
        except JoseError as exc:
            if fresh:
                raise refused(f"{what}_bad_signature", "La signature de la réponse de ProConnect n'est pas "
                              "valide : connexion refusée.") from exc
        except ValueError as exc:
            raise refused(f"{what}_malformed", "Réponse de ProConnect illisible : connexion refusée.") from exc
    raise AssertionError("unreachable")


def authorization_url(settings: Settings, *, state: str, nonce: str, code_verifier: str,
                      acr_values: list[str]) -> str:
    """Where to send the browser: the authorization request, with PKCE, and acr asked (essential) through
    the ``claims`` parameter.

    Raises:
        LoginRefused: the provider's discovery failed.
    """
    meta = metadata(settings)
    claims = {"id_token": {"acr": {"essential": True, "values": acr_values}}}
    url, _ = _client(settings).create_authorization_url(
        meta.authorization_endpoint, state=state, nonce=nonce, code_verifier=code_verifier,
        claims=json.dumps(claims, separators=(",", ":")))
    return str(url)


def _check_id_token(settings: Settings, meta: Metadata, claims: dict[str, Any], *, nonce: str,
                    acr_values: list[str]) -> None:
    registry = jwt.JWTClaimsRegistry(leeway=LEEWAY_S, iss={"essential": True, "value": meta.issuer},
                                     aud={"essential": True, "value": settings.oidc_client_id or ""},
                                     exp={"essential": True}, sub={"essential": True})
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise refused("id_token_claims", "Jeton d'identité de ProConnect refusé (émetteur, destinataire ou "
                      "expiration).", error=exc.error) from exc
    aud = claims["aud"]
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != settings.oidc_client_id:
        raise refused("id_token_claims", "Jeton d'identité de ProConnect refusé (azp).")
    if not isinstance(claims.get("nonce"), str) or claims["nonce"] != nonce:
        raise refused("nonce_mismatch", "Le jeton d'identité ne correspond pas à cette connexion (nonce) : "
                      "connexion refusée. Recommencez depuis la page de connexion.")
    if claims.get("acr") not in acr_values:
        raise refused("acr_not_granted", "ProConnect n'a pas atteint le niveau d'authentification demandé : "
                      "connexion refusée.", acr=str(claims.get("acr"))[:20], asked=" ".join(acr_values))


def _userinfo(settings: Settings, meta: Metadata, access_token: str, sub: str) -> dict[str, Any]:
    try:
        answer = requests.get(meta.userinfo_endpoint, timeout=settings.oidc_timeout_s,
                              headers={"Authorization": f"Bearer {access_token}", "Accept": "application/jwt"})
        answer.raise_for_status()
    except requests.RequestException as exc:
        raise refused("provider_unreachable", "ProConnect ne répond pas pour le moment : réessayez.") from exc
    if answer.headers.get("content-type", "").split(";")[0].strip() != "application/jwt":
        raise refused("userinfo_unsigned", "ProConnect a répondu des informations d'utilisateur non signées : "
                      "connexion refusée.")
    claims = _verified(settings, meta, answer.text.strip(), "userinfo")
    if claims.get("sub") != sub:
        raise refused("userinfo_sub_mismatch", "Les informations d'utilisateur ne sont pas celles de l'agent "
                      "authentifié : connexion refusée.")
    if claims.get("iss", meta.issuer) != meta.issuer or claims.get("aud", settings.oidc_client_id) not in (
            settings.oidc_client_id, [settings.oidc_client_id]):
        raise refused("userinfo_claims", "Informations d'utilisateur émises pour un autre service : refusées.")
    return claims


def _text(claims: dict[str, Any], name: str, limit: int) -> str | None:
    value = claims.get(name)
    return value.strip()[:limit] if isinstance(value, str) and value.strip() else None


def exchange(settings: Settings, *, code: str, code_verifier: str, nonce: str, acr_values: list[str],
             iss: str | None = None) -> Identity:
    """Trade the authorization code for the agent's identity: token request, id_token signature and claims
    (iss, aud, exp, nonce, acr), then the userinfo as a signed JWT of the same subject.

    Raises:
        LoginRefused: any check fails (the reason says which), or the provider does not answer.
    """
    meta = metadata(settings)
    if iss is not None and iss != meta.issuer:  # RFC 9207: the answer comes from our provider
        raise refused("issuer_mismatch", "Réponse d'un autre fournisseur d'identité : connexion refusée.")
    try:
        token = _client(settings).fetch_token(meta.token_endpoint, code=code, code_verifier=code_verifier,
                                              timeout=settings.oidc_timeout_s)
    except (OAuth2Error, requests.RequestException, ValueError) as exc:
        raise refused("token_refused", "ProConnect a refusé le code de connexion (expiré ou déjà utilisé) : "
                      "recommencez depuis la page de connexion.") from exc
    id_token, access_token = token.get("id_token"), token.get("access_token")
    if not isinstance(id_token, str) or not isinstance(access_token, str):
        raise refused("token_refused", "ProConnect n'a pas rendu de jeton d'identité.")
    claims = _verified(settings, meta, id_token, "id_token")
    _check_id_token(settings, meta, claims, nonce=nonce, acr_values=acr_values)
    info = _userinfo(settings, meta, access_token, claims["sub"])
    email, idp_id = _text(info, "email", 254), _text(info, "idp_id", 255)
    if not email or "@" not in email or not idp_id:
        raise refused("claims_missing", "ProConnect n'a pas transmis l'adresse électronique ou le fournisseur "
                      "d'identité de l'agent : connexion refusée.")
    return Identity(issuer=meta.issuer, sub=str(claims["sub"])[:255], idp_id=idp_id, email=email.lower(),
                    given_name=_text(info, "given_name", 100) or "", usual_name=_text(info, "usual_name", 100) or "",
                    uid=_text(info, "uid", 255), siret=_text(info, "siret", 14),
                    organizational_unit=_text(info, "organizational_unit", 200), acr=str(claims["acr"]),
                    id_token=id_token)


def end_session_url(settings: Settings, *, id_token: str, state: str) -> str | None:
    """The provider's logout URL for this session (None when the provider has no end-session endpoint)."""
    try:
        meta = metadata(settings)
    except LoginRefused:
        return None
    if not meta.end_session_endpoint:
        return None
    query = urlencode({"id_token_hint": id_token, "state": state,
                       "post_logout_redirect_uri": post_logout_url(settings)})
    return f"{meta.end_session_endpoint}?{query}"


def post_logout_url(settings: Settings) -> str:
    parts = urlsplit(settings.oidc_redirect_url or "")
    return f"{parts.scheme}://{parts.netloc}/login/proconnect/logged-out"


def strong_enough(settings: Settings, acr: str | None) -> bool:
    """Whether ``acr`` counts as strong authentication for administrative roles."""
    return ACR_RANK.get(acr or "", 0) >= ACR_RANK[settings.oidc_admin_acr]
