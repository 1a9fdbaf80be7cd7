#!/usr/bin/env python3
"""Place the portal's front-end assets under ``sovcloud/web/static/vendor/`` (never a CDN).

Runs ``npm ci`` (``npm install`` when there is no lock file) when ``node_modules`` is missing or older than
``package-lock.json``, then copies what the portal serves from the npm packages:

* ``@gouvfr/dsfr``: ``dist/dsfr.min.css``, the JS (module and nomodule), fonts, icons, favicons, artwork;
* ``htmx.org``: ``dist/htmx.min.js``;
* ``swagger-ui-dist``: ``swagger-ui-bundle.js`` and ``swagger-ui.css``, for the API docs (``/api/v1/docs``).

Install scripts never run (``--ignore-scripts``): none of these packages needs one, and
``swagger-ui-dist``'s dependency ``@scarf/scarf`` would report the installation over the network.

Idempotent and fast when already done: a stamp file records the installed versions and nothing is copied
again while they match. Usage: ``python tools/fetch_dsfr.py [--force]``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "node_modules"
VENDOR = ROOT / "sovcloud" / "web" / "static" / "vendor"
STAMP = VENDOR / ".stamp.json"

DSFR_FILES = ["dsfr.min.css", "dsfr.module.min.js", "dsfr.nomodule.min.js", "utility/icons/icons.min.css"]
DSFR_DIRS = ["fonts", "icons", "favicon", "artwork"]
SWAGGER_FILES = ["swagger-ui-bundle.js", "swagger-ui.css"]
PACKAGES = ["@gouvfr/dsfr", "htmx.org", "swagger-ui-dist"]


def _version(package: str) -> str:
    return str(json.loads((MODULES / package / "package.json").read_text())["version"])


def _npm_install() -> None:
    lock = ROOT / "package-lock.json"
    marker = MODULES / ".package-lock.json"
    if marker.exists() and lock.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    if shutil.which("npm") is None:
        sys.exit("fetch_dsfr: npm is missing (apt-get install -y nodejs npm)")
    command = ["npm", "ci"] if lock.exists() else ["npm", "install"]
    print("fetch_dsfr:", " ".join(command), flush=True)
    subprocess.run([*command, "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT,
                   check=True)


def _copy() -> dict[str, str]:
    versions = {package: _version(package) for package in PACKAGES}
    if STAMP.exists() and json.loads(STAMP.read_text()) == versions:
        return versions
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    dist = MODULES / "@gouvfr" / "dsfr" / "dist"
    for name in DSFR_FILES:
        target = VENDOR / "dsfr" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(dist / name, target)
    for name in DSFR_DIRS:
        shutil.copytree(dist / name, VENDOR / "dsfr" / name)
    (VENDOR / "htmx").mkdir(parents=True)
    shutil.copy2(MODULES / "htmx.org" / "dist" / "htmx.min.js", VENDOR / "htmx" / "htmx.min.js")
    (VENDOR / "swagger-ui").mkdir(parents=True)
    for name in SWAGGER_FILES:
        shutil.copy2(MODULES / "swagger-ui-dist" / name, VENDOR / "swagger-ui" / name)
    STAMP.write_text(json.dumps(versions, indent=2) + "\n")
    print(f"fetch_dsfr: placed DSFR {versions['@gouvfr/dsfr']}, htmx {versions['htmx.org']} and Swagger UI "
          f"{versions['swagger-ui-dist']} in {VENDOR}")
    return versions


def main(argv: list[str]) -> int:
    if "--force" in argv and STAMP.exists():
        STAMP.unlink()
    _npm_install()
    _copy()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
