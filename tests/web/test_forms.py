"""Refused forms come back as their page: each fault in French next to its field (DSFR's ``--error`` group),
once, with the values as typed — whether the request itself did not validate (a negative quota, an empty
rule name) or a service refused it (a bad resource name); an expired session returns, after logging in
again, to the form with what was typed; error pages keep the logged-in header."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.exceptions import RequestValidationError
from sqlalchemy import update

from sovcloud.clock import now
from sovcloud.errors import ValidationFailed
from sovcloud.identity.models import UserSession
from sovcloud.web import forms
from tests.web.helpers import csrf_of, order_form, portal_login

ENGLISH = re.compile(r"Input should|String should|Field required|value is not|Value error")


def _group_of(page: str, input_id: str) -> str:
    """The DSFR group holding the field ``input_id`` (its opening tag to the field's error message)."""
    at = page.index(f'id="{input_id}"')
    start = page.rindex('<div class="fr-', 0, at)
    return page[start:page.index("</div>", at)]


def test_form_errors_map_request_and_domain_faults_to_form_fields():
    request_error = RequestValidationError([
        {"type": "greater_than_equal", "loc": ("body", "vcpus"), "msg": "Input should be >= 0", "ctx": {"ge": 0}},
        {"type": "string_too_short", "loc": ("body", "name"), "msg": "String should...", "ctx": {"min_length": 1}},
        {"type": "string_too_long", "loc": ("body", "title"), "msg": "String should...", "ctx": {"max_length": 2000}},
    ])
    found = forms.form_errors(request_error, fields=("vcpus", "name"))
    assert found.fields == {"vcpus": "La valeur doit être supérieure ou égale à 0.",
                            "name": "Ce champ est obligatoire."}
    assert found.general == ["2\u202f000 caractères au plus."]  # no such field in the form: above it
    domain = ValidationFailed("Nom : lettres, chiffres et tirets.", field="items.0.name",
                              errors=[{"field": "items.0.parameters.network_id", "message": "Réseau inconnu."},
                                      {"field": "site_preference", "message": "Site inconnu."},
                                      {"field": "items.0.name", "message": "Deuxième message, non répété."}])
    found = forms.form_errors(domain, fields=("name", "network_id", "site"), aliases={"site_preference": "site"})
    assert found.fields == {"name": "Nom : lettres, chiffres et tirets.", "network_id": "Réseau inconnu.",
                            "site": "Site inconnu."} and found.general == []


def test_negative_quota_comes_back_as_the_form_with_the_error_at_the_field(client, world):
    portal_login(client, world.people["admin_a"])
    project = world.projects["a"].id
    token = csrf_of(client, f"/projects/{project}")
    r = client.post(f"/projects/{project}/quota", data={"vcpus": "-5", "ram_mb": "4096", "storage_gb": "100",
                                                        "instances": "abc", "public_ips": "1", "csrf_token": token})
    assert r.status_code == 422
    assert "<h1" in r.text and "Quota" in r.text and "Erreur 422" not in r.text  # the project page, not an error page
    vcpus = _group_of(r.text, "quota-vcpus")
    assert "fr-input-group--error" in vcpus and 'value="-5"' in vcpus
    assert "La valeur doit être supérieure ou égale à 0." in vcpus
    assert "Un nombre entier est attendu." in _group_of(r.text, "quota-instances")
    assert "fr-input-group--error" not in _group_of(r.text, "quota-ram_mb")
    assert r.text.count("supérieure ou égale à 0") == 1  # once: next to the field, not again in the alert
    assert not ENGLISH.search(r.text) and "vcpus" not in r.text.split('id="quota"')[1].split("<form")[0]


def test_empty_rule_name_comes_back_with_the_typed_rule(client, world, catalog):  # catalog: the demo sites
    portal_login(client, world.people["operator"])
    token = csrf_of(client, "/operator/rules")
    r = client.post("/operator/rules", data={"name": " ", "position": "7", "outcome": "require_approval",
                                             "approver_role": "finance", "approvals_required": "3",
                                             "sites": ["site-b"], "csrf_token": token})
    assert r.status_code == 422 and "Ajouter une règle" in r.text
    assert "fr-input-group--error" in _group_of(r.text, "r-count")
    assert "La valeur doit être inférieure ou égale à 2." in r.text
    assert 'value="7"' in _group_of(r.text, "r-position")
    assert re.search(r'<option value="finance" selected>', r.text)
    assert re.search(r'value="site-b" checked', r.text)
    assert not ENGLISH.search(r.text)
    r = client.post("/operator/rules", data={"name": "", "position": "7", "outcome": "require_approval",
                                             "approvals_required": "1", "csrf_token": token})
    assert r.status_code == 422 and "Ce champ est obligatoire." in _group_of(r.text, "r-name")


def test_refused_order_keeps_the_values_and_shows_the_fault_at_its_field(client, world, catalog):
    portal_login(client, world.people["member_a"])
    token = csrf_of(client, "/orders/new")
    data = order_form(catalog["vm/s1.small"], world.projects["a"].id, name="Pas Bon!", title="Mon objet",
                      data_volume_gb="99999")
    r = client.post("/orders", data={**data, "csrf_token": token})
    assert r.status_code == 422
    name = _group_of(r.text, "f-name")
    assert "fr-input-group--error" in name and 'value="Pas Bon!"' in name and "fr-error-text" in name
    assert 'value="Mon objet"' in r.text
    assert "Corrigez les champs signalés" in r.text and r.text.count("lettres, chiffres et tirets") == 1
    assert not ENGLISH.search(r.text)
    data["name"] = "bon"
    r = client.post("/orders", data={**data, "csrf_token": token})
    assert r.status_code == 422
    assert "inférieure ou égale à 16\u202f384" in _group_of(r.text, "f-data") and not ENGLISH.search(r.text)


def test_after_session_expiry_login_returns_to_the_form_with_what_was_typed(client, world, catalog, sessions):
    member = world.people["member_a"]
    portal_login(client, member)
    token = csrf_of(client, "/orders/new")
    with sessions() as db, db.begin():
        db.execute(update(UserSession).values(expires_at=now() - timedelta(minutes=1)))
    data = order_form(catalog["vm/s1.large"], world.projects["a"].id, name="gardee", count=3, title="Objet long")
    r = client.post("/orders", data={**data, "csrf_token": token},
                    headers={"referer": "http://testserver/orders/new"}, follow_redirects=False)
    assert r.status_code == 303
    target = r.headers["location"]
    assert target.startswith("/login?next=/orders/new") and "expired=1" in target and "csrf_token" not in target
    login = client.get(target)
    assert "Session expirée" in login.text
    next_path = re.search(r'name="next" value="([^"]+)"', login.text)
    assert next_path
    r = client.post("/login", data={"username": member.username, "password": member.password,
                                    "next": next_path.group(1).replace("&amp;", "&"),
                                    "csrf_token": csrf_of(client)}, follow_redirects=False)
    assert r.headers["location"].startswith("/orders/new?")
    form = client.get(r.headers["location"])
    assert 'value="gardee"' in form.text and 'value="3"' in form.text and 'value="Objet long"' in form.text
    assert "vous avez été reconnecté" in form.text


def test_error_pages_keep_the_logged_in_header(client, world):
    portal_login(client, world.people["member_a"])
    for path in ("/no-such-page", "/orders/00000000-0000-0000-0000-000000000000"):
        r = client.get(path)
        assert r.status_code == 404
        assert world.people["member_a"].username in r.text and 'id="navigation-principale"' in r.text
    token = csrf_of(client, "/orders/new")
    r = client.post("/orders/not-an-id/decision", data={"decision": "maybe", "csrf_token": token})
    assert r.status_code in (404, 422) and 'id="navigation-principale"' in r.text and not ENGLISH.search(r.text)
