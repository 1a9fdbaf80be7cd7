"""Documents of a dossier are stored with their SHA-256 and come back byte for byte with it; bad or
oversized ones are refused naming the field; the API, the portal and the CLI all reach them."""

from __future__ import annotations

import base64
import hashlib
import json

from sqlalchemy import select
from typer.testing import CliRunner

from sovcloud.applications.models import Document
from sovcloud.cli.main import app as cli_app
from sovcloud.config import get_settings
from sovcloud.identity import tokens
from tests.factories import actor_for, login
from tests.web.helpers import csrf_of

PDF = b"%PDF-1.4\n% analyse de risques EBIOS RM\n" + bytes(range(256)) * 40


def test_documents_keep_their_hash_through_every_door(client, world, registry, sessions, settings, monkeypatch,
                                                      tmp_path):
    login(client, world.people["member_a"])  # a project member reads the application…
    app_url = f"/api/v1/applications/{registry.application_id}"
    assert client.get(app_url).json()["stage"] == "candidate"
    r = client.post(f"{app_url}/stage", json={"to": "security_validation"})
    assert r.status_code == 403  # …but does not manage it
    login(client, registry.owner)
    r = client.post(f"{app_url}/stage", json={"to": "security_validation"})
    assert r.status_code == 200 and r.json()["homologation"] == "in_progress", r.text
    dossier = client.get(f"{app_url}/homologations").json()[0]
    body = {"filename": "analyse de risques.pdf", "media_type": "application/pdf", "homologation_id": dossier["id"],
            "step": "risk_analysis", "content_base64": base64.b64encode(PDF).decode()}
    r = client.post(f"{app_url}/documents", json=body)
    assert r.status_code == 201, r.text
    stored = r.json()
    assert stored["sha256"] == hashlib.sha256(PDF).hexdigest() and stored["size_bytes"] == len(PDF)
    got = client.get(f"{app_url}/documents/{stored['id']}")
    assert got.content == PDF and got.headers["content-type"] == "application/pdf"
    assert got.headers["repr-digest"] == f"sha-256=:{base64.b64encode(hashlib.sha256(PDF).digest()).decode()}:"
    faults = {"content_base64": {**body, "content_base64": "pas du base64 !"},
              "media_type": {**body, "media_type": "application/x-msdownload"},
              "filename": {**body, "filename": "../../etc/passwd"}}
    for field, bad in faults.items():
        r = client.post(f"{app_url}/documents", json=bad)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, (field, r.text)
    big = {**body, "content_base64": base64.b64encode(b"x" * (512 * 1024 + 1)).decode()}
    assert client.post(f"{app_url}/documents", json=big).status_code in (413, 422)  # body limit or field bound
    with sessions() as db:
        assert len(db.scalars(select(Document.id)).all()) == 1  # nothing of the refused ones was stored

    # the portal: the pages render, a file is uploaded and downloaded with the same hash
    for path in ("/applications", f"/applications/{registry.application_id}", "/applications/portfolio"):
        page = client.get(path)
        assert page.status_code == 200 and "Système RH" in page.text, path
    token = csrf_of(client, f"/applications/{registry.application_id}")
    r = client.post(f"/applications/{registry.application_id}/documents", follow_redirects=False,
                    data={"csrf_token": token, "homologation_id": dossier["id"]},
                    files={"file": ("plan.txt", b"plan d'action v1", "text/plain")})
    assert r.status_code == 303, r.text
    listed = client.get(f"{app_url}/documents").json()
    plan = next(d for d in listed if d["filename"] == "plan.txt")
    assert plan["sha256"] == hashlib.sha256(b"plan d'action v1").hexdigest()
    assert client.get(f"/applications/{registry.application_id}/documents/{plan['id']}").content == b"plan d'action v1"

    # another ministry sees none of it, through the portal as through the API
    login(client, world.people["member_b"])
    for path in (f"/applications/{registry.application_id}", f"/applications/{registry.application_id}/edit",
                 f"/applications/{registry.application_id}/documents/{plan['id']}", f"{app_url}",
                 f"{app_url}/documents/{stored['id']}"):
        assert client.get(path).status_code == 404, path
    assert "Système RH" not in client.get("/applications").text + client.get("/applications/portfolio").text

    # the CLI compares a local file with the stored one by hash (exit 1 when they differ)
    with sessions() as db, db.begin():
        secret = tokens.create_token(db, actor=actor_for(db, registry.owner), settings=settings, name="cli",
                                     expires_in_days=1, project_id=world.projects["a"].id).secret
    for name, value in (("SOVCLOUD_DATABASE_URL", settings.database_url), ("SOVCLOUD_TOKEN", secret),
                        ("SOVCLOUD_SECRET_KEY", settings.secret_key.get_secret_value()),
                        ("SOVCLOUD_AUDIT_ANCHOR_PATH", str(settings.audit_anchor_path))):
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        same, other = tmp_path / "same.pdf", tmp_path / "other.pdf"
        same.write_bytes(PDF)
        other.write_bytes(PDF + b"!")
        runner = CliRunner()
        ok = runner.invoke(cli_app, ["app", "verify", str(registry.application_id), stored["id"], str(same),
                                     "-o", "json"], catch_exceptions=False)
        assert ok.exit_code == 0 and json.loads(ok.output)[0]["same"] is True, ok.output
        ko = runner.invoke(cli_app, ["app", "verify", str(registry.application_id), stored["id"], str(other)],
                           catch_exceptions=False)
        assert ko.exit_code == 1
    finally:
        get_settings.cache_clear()
