"""A new API token's page: POST-redirect-GET, so a reload re-posts nothing; the secret is shown once, never
cached, to the session that created it only."""

from __future__ import annotations

import re

import pytest

from tests.web.helpers import csrf_of, portal_login

#: nothing here depends on the database (the services under it are tested on both): SQLite only, for time
ONE_BACKEND = pytest.mark.usefixtures("sqlite_only")


@ONE_BACKEND
def test_a_new_token_is_shown_once_and_a_reload_creates_nothing(client_factory, world):
    client = portal_login(client_factory(), world.people["member_a"])
    token = csrf_of(client, "/account")
    r = client.post("/account/tokens", data={"name": "ci", "expires_in_days": "30",
                                            "scope": f"project:{world.projects['a'].id}", "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account/tokens/issued"
    assert r.headers["cache-control"] == "no-store" and "svc_" not in r.text
    sealed = client.cookies.get("sc_issued_token")
    assert sealed and "svc_" not in sealed  # sealed, not the secret in clear
    other = portal_login(client_factory(), world.people["member_a"])  # another session (of the same person)
    other.cookies.set("sc_issued_token", sealed, path="/account/tokens/issued")
    stolen = other.get("/account/tokens/issued", follow_redirects=False)
    assert stolen.status_code == 303 and stolen.headers["location"] == "/account?done=token_shown"  # session

    shown = client.get("/account/tokens/issued", follow_redirects=False)
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    secret = re.search(r'value="(svc_[^"]+)"', shown.text)
    assert secret and "Jeton « ci » créé" in shown.text
    again = client.get("/account/tokens/issued", follow_redirects=True)  # a reload
    assert again.status_code == 200 and secret.group(1) not in again.text and "montré qu&#39;une fois" in again.text
    page = client.get("/account").text
    assert page.count("/revoke") == 1  # one token: the reload created none
