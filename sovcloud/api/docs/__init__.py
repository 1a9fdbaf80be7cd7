"""``/api/v1/docs``: the interactive API documentation, behind login, from our own static files.

Swagger UI comes from the npm package ``swagger-ui-dist`` (pinned in ``package.json`` and its lock file,
copied under ``/static/vendor/swagger-ui/`` by ``tools/fetch_dsfr.py``), never from a CDN. The page runs
under the portal's strict Content-Security-Policy: no inline script, its start-up code is ``init.js``
beside this file, which reads the OpenAPI document's address from a ``data-`` attribute.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from sovcloud.api.deps import DbSession, get_actor
from sovcloud.errors import NotAuthenticated

HERE = Path(__file__).resolve().parent
VENDOR = "/static/vendor/swagger-ui"


def router(api_prefix: str, openapi_url: str) -> APIRouter:
    """The docs page and its start-up script under ``api_prefix``."""
    docs = APIRouter(include_in_schema=False)
    page_url = f"{api_prefix}/docs"

    @docs.get(page_url)
    def page(request: Request, session: DbSession) -> Response:
        """The Swagger UI page, for a logged-in user (others go to the login page first)."""
        try:
            get_actor(request, session)
        except NotAuthenticated:
            return RedirectResponse(f"/login?next={page_url}", status_code=303)
        from sovcloud.web.app import CSP

        html = f"""<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>sovcloud — API</title>
<link rel="stylesheet" href="{VENDOR}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>
<script src="{VENDOR}/swagger-ui-bundle.js"></script>
<script src="{page_url}/init.js"></script>
</body>
</html>
"""
        return HTMLResponse(html, headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store"})

    @docs.get(f"{page_url}/init.js")
    def init_script() -> FileResponse:
        """Swagger UI's start-up code (a static file: the CSP allows no inline script)."""
        return FileResponse(HERE / "init.js", media_type="text/javascript")

    return docs
