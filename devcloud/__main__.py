"""The sovcloud test cloud: ``python -m devcloud up | down | status``. Standard library only.

``up`` builds (or reuses) ``.devcloud/venv`` from PyPI pinned by ``devcloud/constraints.txt``, recreates
its MariaDB databases (prefix ``sovdc_``) and RabbitMQ vhost, writes configs, runs the schema migrations,
starts Keystone, Placement, Glance, Nova (two fake computes, one per site), Neutron and Cinder on
127.0.0.1, bootstraps them and writes ``.devcloud/clouds.yaml`` (cloud ``sovdc``). ``down`` stops exactly
the processes ``up`` started (pid files under ``.devcloud/run``) and drops its databases and vhost.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from devcloud import configs
from devcloud.layout import (
    CLOUDS_YAML,
    COMPUTE_HOSTS,
    CONSTRAINTS,
    DATA,
    DATABASES,
    DB_PREFIX,
    ETC,
    HOME,
    LOG,
    ML2_PACKAGE,
    PACKAGES,
    PORTS,
    RUN,
    RUNTIME,
    VENV,
    VHOST,
    Secrets,
    db_url,
    endpoint,
    load_state,
    save_state,
)

BIN = VENV / "bin"
PY = BIN / "python"


def say(message: str) -> None:
    print(f"[devcloud {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(args: list[str | Path], *, log: str, env: dict[str, str] | None = None) -> None:
    """Run a command to completion, output to ``log/<log>.log``; raise with the log's tail on failure."""
    LOG.mkdir(parents=True, exist_ok=True)
    path = LOG / f"{log}.log"
    with path.open("ab") as out:
        code = subprocess.call([str(a) for a in args], stdout=out, stderr=subprocess.STDOUT,
                               env={**os.environ, **(env or {})})  # fmt: skip
    if code != 0:
        tail = path.read_text(errors="replace").splitlines()[-15:]
        raise SystemExit(f"{' '.join(map(str, args[:3]))} failed ({code}); see {path}:\n" + "\n".join(tail))


# -- the virtual environment -----------------------------------------------------------------------------
def ensure_venv() -> None:
    """Create the venv from the constraints file, or reuse it when the constraints did not change."""
    digest = hashlib.sha256(CONSTRAINTS.read_bytes() + ML2_PACKAGE.joinpath("sovdc_ml2/driver.py").read_bytes())
    stamp = VENV / ".sovdc-installed"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    if sys.version_info < (3, 11):  # noqa: UP036 (devcloud runs under any python3, the venv needs 3.11)
        raise SystemExit("the OpenStack releases of devcloud/constraints.txt need Python >= 3.11")
    started = time.monotonic()
    say("installing the OpenStack services into .devcloud/venv (about a minute)")
    if not PY.exists():
        run([sys.executable, "-m", "venv", VENV], log="pip")
    run([PY, "-m", "pip", "install", "-q", "--upgrade", "pip", "setuptools", "wheel"], log="pip")
    run([PY, "-m", "pip", "install", "-q", "-c", CONSTRAINTS, *PACKAGES], log="pip")
    run([PY, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", ML2_PACKAGE], log="pip")
    stamp.write_text(digest.hexdigest())
    say(f"venv ready in {time.monotonic() - started:.0f} s")


# -- databases and message queue -------------------------------------------------------------------------
def _sql(statements: list[str]) -> None:
    code = "import pymysql,sys\nc=pymysql.connect(host='127.0.0.1',port=3306,user='root')\n" + "".join(
        f"c.cursor().execute({s!r})\n" for s in statements
    )
    run([PY, "-c", code], log="mysql")


def recreate_databases() -> None:
    names = [f"{DB_PREFIX}{d}" for d in DATABASES]
    _sql([f"DROP DATABASE IF EXISTS `{n}`" for n in names]
         + [f"CREATE DATABASE `{n}` CHARACTER SET utf8mb4" for n in names])  # fmt: skip


def drop_databases() -> None:
    _sql([f"DROP DATABASE IF EXISTS `{DB_PREFIX}{d}`" for d in DATABASES])


def rabbit_vhost(create: bool) -> str:
    """Our own vhost when ``rabbitmqctl`` works, else the default one."""
    ctl = shutil.which("rabbitmqctl")
    if not ctl:
        return "/"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.call([ctl, "delete_vhost", VHOST], **quiet)  # type: ignore[call-overload]
    if not create:
        return VHOST
    if subprocess.call([ctl, "add_vhost", VHOST], **quiet) != 0:  # type: ignore[call-overload]
        return "/"
    subprocess.call([ctl, "set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*"], **quiet)  # type: ignore
    return VHOST


# -- processes -------------------------------------------------------------------------------------------
def start(name: str, args: list[str | Path], env: dict[str, str] | None = None) -> None:
    """Start a long-running process in its own session; record its pid."""
    RUN.mkdir(parents=True, exist_ok=True)
    out = (LOG / f"{name}.out").open("ab")
    proc = subprocess.Popen([str(a) for a in args], stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, cwd=HOME,
                            env={**os.environ, "PYTHONPATH": str(RUNTIME), **(env or {})})  # fmt: skip
    (RUN / f"{name}.pid").write_text(f"{proc.pid} {_start_time(proc.pid)}")


def serve(name: str, module: str, config_env: str, argv: list[str] | None = None) -> None:
    """Serve an OpenStack WSGI module under gunicorn (through the argv-cleaning shim)."""
    start(name, [BIN / "gunicorn", "--no-control-socket", "-b", f"127.0.0.1:{PORTS[name]}", "-w", "1",
                 "-k", "gthread", "--threads", "8", "--timeout", "120", "--graceful-timeout", "5",
                 # gunicorn closes an idle keep-alive connection after 2 s by default, the very interval at
                 # which openstacksdk's wait_for_* polls: a poll sent as the server closes the connection
                 # fails with RemoteDisconnected (seen in the bootstrap's smoke boot)
                 "--keep-alive", "75", "sovdc_wsgi:application"],
          {"SOVDC_WSGI_MODULE": module, "SOVDC_ARGV": json.dumps(argv or []), "SOVDC_PROG": f"{name}-api",
           config_env: str(ETC / name)})  # fmt: skip


def _start_time(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _ours(pid: int, started: str) -> bool:
    """Whether ``pid`` is still the process we started (same start time: guards against pid reuse)."""
    return _start_time(pid) == started


def running() -> dict[str, int]:
    pids = {}
    for path in sorted(RUN.glob("*.pid")) if RUN.exists() else []:
        pid, started = path.read_text().split()
        if _ours(int(pid), started):
            pids[path.stem] = int(pid)
    return pids


def stop_all() -> None:
    pids = running()
    for pid in pids.values():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and set(running()) & set(pids):
        time.sleep(0.2)
    for name, pid in pids.items():
        if name in running():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    for path in RUN.glob("*.pid") if RUN.exists() else []:
        path.unlink()


def wait_http(names: list[str], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    pending = set(names)
    while pending:
        for name in sorted(pending):
            try:
                urllib.request.urlopen(endpoint(name) + "/", timeout=3).close()
                pending.discard(name)
            except urllib.error.HTTPError:
                pending.discard(name)  # any HTTP answer means it serves
            except OSError:
                pass
        dead = [n for n in pending if n not in running()]
        if dead:
            raise SystemExit(f"{', '.join(dead)} exited; see {LOG}/{dead[0]}.out and .log")
        if time.monotonic() > deadline:
            raise SystemExit(f"{', '.join(sorted(pending))} did not answer in {timeout:.0f} s")
        time.sleep(0.3)


# -- bring-up --------------------------------------------------------------------------------------------
def migrate(secret: Secrets) -> None:
    keystone = [BIN / "keystone-manage", "--config-file", ETC / "keystone" / "keystone.conf"]
    nova = [BIN / "nova-manage", "--config-file", ETC / "nova" / "nova.conf"]

    def keystone_steps() -> None:
        run([*keystone, "db_sync"], log="migrate-keystone")
        run([*keystone, "fernet_setup", "--keystone-user", "root", "--keystone-group", "root"], log="migrate-keystone")
        run([*keystone, "credential_setup", "--keystone-user", "root", "--keystone-group", "root"],
            log="migrate-keystone")
        run([*keystone, "bootstrap", "--bootstrap-region-id", "RegionOne",
             "--bootstrap-public-url", endpoint("keystone") + "/v3",
             "--bootstrap-internal-url", endpoint("keystone") + "/v3",
             "--bootstrap-admin-url", endpoint("keystone") + "/v3"], log="migrate-keystone",
            env={"OS_BOOTSTRAP_PASSWORD": secret.admin})  # fmt: skip (never a password in argv)

    def nova_steps() -> None:
        run([*nova, "api_db", "sync"], log="migrate-nova")
        run([*nova, "cell_v2", "map_cell0", "--database_connection", db_url("nova_cell0")], log="migrate-nova")
        run([*nova, "cell_v2", "create_cell", "--name", "cell1"], log="migrate-nova")
        run([*nova, "db", "sync"], log="migrate-nova")

    steps = [
        keystone_steps,
        nova_steps,
        lambda: run([BIN / "placement-manage", "--config-file", ETC / "placement" / "placement.conf", "db", "sync"],
                    log="migrate-placement"),
        lambda: run([BIN / "glance-manage", "--config-file", ETC / "glance" / "glance-api.conf", "db_sync"],
                    log="migrate-glance"),
        lambda: run([BIN / "neutron-db-manage", "--config-file", ETC / "neutron" / "neutron.conf", "--config-file",
                     ETC / "neutron" / "plugins" / "ml2" / "ml2_conf.ini", "upgrade", "heads"], log="migrate-neutron"),
        lambda: run([BIN / "cinder-manage", "--config-file", ETC / "cinder" / "cinder.conf", "db", "sync"],
                    log="migrate-cinder"),
    ]  # fmt: skip
    with ThreadPoolExecutor(len(steps)) as pool:
        for future in [pool.submit(step) for step in steps]:
            future.result()


def start_services() -> None:
    nova_conf = ["--config-file", ETC / "nova" / "nova.conf"]
    cinder_conf = ["--config-file", ETC / "cinder" / "cinder.conf"]
    serve("placement", "placement.wsgi.api", "OS_PLACEMENT_CONFIG_DIR")
    serve("glance", "glance.wsgi.api", "OS_GLANCE_CONFIG_DIR")
    serve("nova", "nova.wsgi.osapi_compute", "OS_NOVA_CONFIG_DIR")
    serve("neutron", "neutron.wsgi.api", "OS_NEUTRON_CONFIG_DIR")
    serve("cinder", "cinder.wsgi.api", "OS_CINDER_CONFIG_DIR", ["--config-file", str(ETC / "cinder" / "cinder.conf")])
    start("nova-conductor", [BIN / "nova-conductor", *nova_conf])
    start("nova-scheduler", [BIN / "nova-scheduler", *nova_conf])
    for host in COMPUTE_HOSTS:
        start(host, [PY, RUNTIME / "sovdc_compute.py", *nova_conf, "--config-file", ETC / "nova" / f"{host}.conf"])
    start("cinder-scheduler", [BIN / "cinder-scheduler", *cinder_conf])
    start("cinder-volume", [BIN / "cinder-volume", *cinder_conf])


def write_clouds_yaml(secret: Secrets) -> None:
    CLOUDS_YAML.write_text(
        "clouds:\n  sovdc:\n    region_name: RegionOne\n    identity_api_version: 3\n    auth:\n"
        f"      auth_url: {endpoint('keystone')}/v3\n      username: admin\n      password: {secret.admin}\n"
        "      project_name: admin\n      user_domain_name: Default\n      project_domain_name: Default\n"
    )
    CLOUDS_YAML.chmod(0o600)


def up() -> int:
    started = time.monotonic()
    if running():
        say(f"already running ({len(running())} processes); `python -m devcloud down` first to restart")
        return 0
    ensure_venv()
    for sub in (ETC, RUN, DATA):
        shutil.rmtree(sub, ignore_errors=True)  # trap 9: always start from nothing
    LOG.mkdir(parents=True, exist_ok=True)
    secret = Secrets()
    save_state({"vhost": rabbit_vhost(create=True), "admin_password": secret.admin})
    recreate_databases()
    configs.write_all(secret)
    t = time.monotonic()
    migrate(secret)
    say(f"databases migrated in {time.monotonic() - t:.0f} s")
    serve("keystone", "keystone.wsgi.api", "OS_KEYSTONE_CONFIG_DIR")
    wait_http(["keystone"])
    env = {"SOVDC_AUTH_URL": endpoint("keystone") + "/v3", "SOVDC_ADMIN_PASSWORD": secret.admin,
           "SOVDC_SERVICE_PASSWORD": secret.service, "SOVDC_COMPUTE_HOSTS": json.dumps(COMPUTE_HOSTS),
           "SOVDC_ENDPOINTS": json.dumps({n: endpoint(n) for n in PORTS})}  # fmt: skip
    run([PY, Path(__file__).parent / "bootstrap.py", "identity"], log="bootstrap", env=env)
    start_services()
    wait_http(["placement", "glance", "nova", "neutron", "cinder"])
    say("APIs answer; bootstrapping flavors, images, sites, public network")
    run([PY, Path(__file__).parent / "bootstrap.py", "cloud"], log="bootstrap", env=env)
    write_clouds_yaml(secret)
    say(f"up in {time.monotonic() - started:.0f} s: OS_CLIENT_CONFIG_FILE={CLOUDS_YAML} OS_CLOUD=sovdc")
    return 0


def down() -> int:
    pids = running()
    stop_all()
    if PY.exists():
        drop_databases()
    if load_state():
        rabbit_vhost(create=False)
    for path in (HOME / "state.json", CLOUDS_YAML):
        path.unlink(missing_ok=True)
    say(f"stopped {len(pids)} processes, dropped the {DB_PREFIX}* databases")
    return 0


def status() -> int:
    pids = running()
    for name, pid in pids.items():
        print(f"{name:18} {pid}")
    print("running" if pids else "stopped")
    return 0 if pids else 3


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m devcloud", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["up", "down", "status", "install"])
    command = parser.parse_args().command
    if command == "install":
        ensure_venv()
        return 0
    try:
        return {"up": up, "down": down, "status": status}[command]()
    except SystemExit as exc:
        if command == "up" and isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            stop_all()
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
