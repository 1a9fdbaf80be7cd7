#!/usr/bin/env python3
"""Screenshots of the portal's main pages, for the README: ``make screenshots``.

Seeds the demo world in a scratch SQLite database, serves the real app with uvicorn on a free loopback port,
drives headless Debian chromium with Playwright and writes PNGs under ``docs/screenshots/``.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _serve(scratch: Path) -> str:
    import uvicorn

    from sovcloud import demo
    from sovcloud.api.app import create_app
    from sovcloud.config import Settings
    from sovcloud.db import make_engine, make_sessionmaker, transaction
    from sovcloud.migrate import upgrade

    settings = Settings(database_url=f"sqlite:///{scratch}/demo.db", secret_key=SecretStr("screenshots-" + "s" * 40),
                        queue_path=scratch / "queue.db", simulator_database_url=f"sqlite:///{scratch}/sim.db",
                        log_json=False, log_level="WARNING", simulator_build_delay_s=0.5, poll_interval_s=0.2)
    upgrade(settings.database_url)
    app = create_app(settings, install_queue=False)
    threading.Thread(target=_worker, args=(settings,), daemon=True).start()
    with transaction(make_sessionmaker(make_engine(settings.database_url))) as session:
        demo.seed(session, settings=settings)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}"


def _login(page: Page, base: str, username: str) -> None:
    from sovcloud import demo

    page.goto(f"{base}/login")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/login/totp")
    page.get_by_label("Code à 6 chiffres").fill(demo.demo_code(username))
    page.get_by_role("button", name="Valider").click()
    page.wait_for_url(f"{base}/")


def _shot(page: Page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    print(f"screenshots: {OUT.relative_to(ROOT) / name}.png")


def _ordering(page: Page, base: str) -> None:
    """As admin.mi: order four servers (the estimate follows the form), watch them delivered, open one."""
    page.goto(f"{base}/orders/new")
    page.get_by_label("Gabarit").select_option(index=1)
    page.get_by_label("Nom de la ressource").fill("portail")
    page.get_by_label("Quantité", exact=True).fill("3")
    page.get_by_label("Quantité", exact=True).press("Tab")
    page.locator("#estimate-monthly", has_text="87,60").wait_for()
    _shot(page, "order-form")
    page.get_by_role("button", name="Passer la commande").click()
    page.locator("#order-status", has_text="Livrée").wait_for(timeout=60_000)
    _shot(page, "order")
    page.goto(f"{base}/orders")
    _shot(page, "orders")
    page.goto(f"{base}/resources")
    _shot(page, "resources")
    page.get_by_role("link", name="portail-1").click()
    page.wait_for_load_state()
    _shot(page, "resource")


def _worker(settings: object) -> None:
    """Provisioning beside the server, as a worker would run it (servers build in 0.5 s here)."""
    from sovcloud.provisioning.reaper import drain
    from sovcloud.provisioning.runtime import make_runtime

    runtime = make_runtime(settings, lambda step_id, delay: None)  # type: ignore[arg-type]
    while True:
        drain(runtime, max_rounds=50)
        time.sleep(0.2)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sovcloud-shots-") as scratch, sync_playwright() as pw:
        base = _serve(Path(scratch))
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/login")
        _shot(page, "login")
        _login(page, base, "admin.mi")
        _shot(page, "dashboard")
        page.get_by_role("link", name="Ministère de l'Intérieur").first.click()
        page.wait_for_load_state()
        _shot(page, "organisation")
        page.goto(f"{base}/account")
        _shot(page, "account")
        _ordering(page, base)
        page.context.clear_cookies()
        _login(page, base, "operateur")
        page.goto(f"{base}/operator")
        _shot(page, "operator")
        page.context.clear_cookies()
        _login(page, base, "rssi")
        page.goto(f"{base}/audit")
        page.get_by_role("link", name="Vérifier la chaîne maintenant").click()
        page.get_by_text("Chaîne intègre").wait_for()
        _shot(page, "audit")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
