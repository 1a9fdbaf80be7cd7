"""The ProConnect-like provider (npm ``oidc-provider``, ``tests/peers/oidc/provider.js``) started on a free
loopback port, and a scripted agent that logs in through it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
from sqlalchemy import select

from sovcloud.audit.models import AuditEvent
from tests.conftest import service_missing
from tests.live import free_port

PEER = Path(__file__).resolve().parents[1] / "peers" / "oidc"
SECRET = "test-client-secret-" + "s" * 32
CALLBACK = "/login/proconnect/callback"
LOGGED_OUT = "/login/proconnect/logged-out"


@dataclass
class Peer:
    issuer: str
    #: the relying party origins registered for the clients (the in-process client's and a live server's)
    origins: list[str]
    live_port: int
    process: subprocess.Popen[str] = field(repr=False)


def _installed() -> None:
    if (PEER / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        service_missing("oidc-provider", "npm is not installed")
    result = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=PEER, capture_output=True, text=True,
                            timeout=300, check=False)
    if result.returncode != 0:
        service_missing("oidc-provider", f"npm ci failed: {result.stderr[-300:]}")


def _clients(origins: list[str]) -> list[dict[str, object]]:
    base = {"client_secret": SECRET, "token_endpoint_auth_method": "client_secret_post",
            "redirect_uris": [o + CALLBACK for o in origins],
            "post_logout_redirect_uris": [o + LOGGED_OUT for o in origins],
            "id_token_signed_response_alg": "RS256"}
    return [{**base, "client_id": "sovcloud", "userinfo_signed_response_alg": "RS256"},
            {**base, "client_id": "sovcloud-unsigned"}]  # answers userinfo as plain JSON


@contextmanager
def running() -> Iterator[Peer]:
    """Start the provider (once per test session), stop it afterwards."""
    node = shutil.which("node")
    if node is None:
        service_missing("oidc-provider", "node is not installed")
    _installed()
    port, live_port = free_port(), free_port()
    origins = ["http://testserver", f"http://127.0.0.1:{live_port}"]
    env = {**os.environ, "OIDC_PORT": str(port), "OIDC_CLIENTS": json.dumps(_clients(origins))}
    process = subprocess.Popen([str(node), "provider.js"], cwd=PEER, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("ready "):
            service_missing("oidc-provider", f"did not start: {line!r}")
        yield Peer(issuer=line.split()[1], origins=origins, live_port=live_port, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def agent(sub: str, email: str, *, acr: str = "eidas1", siret: str = "13002526500013", idp_id: str = "idp-test",
          given_name: str = "Marie", usual_name: str = "Curie", **more: str) -> dict[str, str]:
    """What the test's agent types into the provider's login form."""
    return {"sub": sub, "email": email, "acr": acr, "siret": siret, "idp_id": idp_id, "given_name": given_name,
            "usual_name": usual_name, "uid": sub, **more}


def through_provider(authorize_url: str, who: dict[str, str], browser: httpx.Client | None = None) -> str:
    """Follow the provider from the authorization URL to the redirect back to the relying party (returned),
    logging ``who`` in on the way. ``browser`` keeps the provider's cookies between calls."""
    own = browser is None
    browser = browser or httpx.Client(timeout=10)
    issuer_origin = "{0.scheme}://{0.netloc}".format(urlsplit(authorize_url))
    url = authorize_url
    try:
        for _ in range(12):
            r = browser.get(url)
            if r.status_code in (302, 303):
                url = urljoin(str(r.url), r.headers["location"])
                if not url.startswith(issuer_origin):
                    return url
                continue
            assert r.status_code == 200, f"{r.status_code} {r.text[:300]}"
            action = re.search(r'action="([^"]+/login)"', r.text)
            assert action, r.text[:500]
            posted = browser.post(urljoin(str(r.url), action.group(1)), data=who)
            assert posted.status_code in (302, 303), posted.text[:300]
            url = urljoin(str(posted.url), posted.headers["location"])
        raise AssertionError("the provider never sent the browser back")
    finally:
        if own:
            browser.close()



def start(client) -> str:  # type: ignore[no-untyped-def]
    r = client.get("/login/proconnect", follow_redirects=False)
    assert r.status_code == 303, r.text
    return str(r.headers["location"])


def back(client, url: str):  # type: ignore[no-untyped-def]
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}", follow_redirects=False)


def refusals(sessions, reason: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with sessions() as db:
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.login",
                                                     AuditEvent.outcome == "failure")).all()
        return [e for e in events if (e.details or {}).get("reason") == reason]
