"""Where the test cloud lives and what it runs: paths, ports, databases, processes. Standard library only."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = Path(os.environ.get("SOVDC_HOME", ROOT / ".devcloud"))
VENV = HOME / "venv"
ETC = HOME / "etc"
LOG = HOME / "log"
RUN = HOME / "run"
DATA = HOME / "data"
STATE = HOME / "state.json"
CLOUDS_YAML = HOME / "clouds.yaml"
CONSTRAINTS = ROOT / "devcloud" / "constraints.txt"
ML2_PACKAGE = ROOT / "devcloud" / "sovdc_ml2"
RUNTIME = ROOT / "devcloud" / "runtime"

HOST = "127.0.0.1"
DB_PREFIX = os.environ.get("SOVDC_DB_PREFIX", "sovdc_")
DB_URL = os.environ.get("SOVDC_DB_URL", "mysql+pymysql://root@127.0.0.1:3306")
RABBIT_HOST = os.environ.get("SOVDC_RABBIT", "guest:guest@127.0.0.1:5672")
VHOST = "sovdc"
REGION = "RegionOne"
SITES = ("site-a", "site-b")
#: One ``nova-compute`` per site (host name → availability zone).
COMPUTE_HOSTS = {"sovdc-compute-a": "site-a", "sovdc-compute-b": "site-b"}

PORTS = {
    "keystone": 15000,
    "glance": 15292,
    "placement": 15778,
    "nova": 15774,
    "neutron": 15696,
    "cinder": 15776,
}

DATABASES = ("keystone", "placement", "glance", "nova_api", "nova", "nova_cell0", "neutron", "cinder")

PACKAGES = (
    "keystone",
    "openstack-placement",
    "glance",
    "nova",
    "neutron",
    "cinder",
    "gunicorn",
    "PyMySQL",
    "pyroute2",  # neutron imports it without declaring it
    "openstacksdk",
    "python-openstackclient",  # the `openstack` CLI, timed by bench/openstack_scale.py
)

#: Service users created in the ``service`` project.
SERVICE_USERS = ("nova", "neutron", "glance", "cinder", "placement")


def db_url(name: str) -> str:
    """SQLAlchemy URL of one of our databases."""
    return f"{DB_URL}/{DB_PREFIX}{name}?charset=utf8mb4"


def transport_url() -> str:
    """oslo.messaging URL on our RabbitMQ vhost (or the default one)."""
    vhost = load_state().get("vhost", VHOST)
    return f"rabbit://{RABBIT_HOST}/{vhost if vhost != '/' else ''}"


def endpoint(service: str) -> str:
    """Base URL of one API."""
    return f"http://{HOST}:{PORTS[service]}"


@dataclass
class Secrets:
    """Passwords of this bring-up (random each time, kept in ``state.json`` with mode 0600)."""

    admin: str = field(default_factory=lambda: secrets.token_hex(16))
    service: str = field(default_factory=lambda: secrets.token_hex(16))


def load_state() -> dict[str, object]:
    """What the last ``up`` recorded (empty when nothing runs)."""
    try:
        return dict(json.loads(STATE.read_text()))
    except (OSError, ValueError):
        return {}


def save_state(state: dict[str, object]) -> None:
    """Record the state, readable by the owner only."""
    HOME.mkdir(parents=True, exist_ok=True)
    STATE.write_text(json.dumps(state, indent=2))
    STATE.chmod(0o600)
