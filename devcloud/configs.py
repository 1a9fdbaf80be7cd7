"""The configuration files of every service, generated under ``.devcloud/etc``."""

from __future__ import annotations

import shutil
from pathlib import Path

from devcloud.layout import (
    COMPUTE_HOSTS,
    DATA,
    ETC,
    HOST,
    LOG,
    REGION,
    RUN,
    SITES,
    VENV,
    Secrets,
    db_url,
    endpoint,
    transport_url,
)

Sections = dict[str, dict[str, object]]


def render(sections: Sections) -> str:
    """An oslo.config ini text."""
    out: list[str] = []
    for name, values in sections.items():
        out.append(f"[{name}]")
        out.extend(f"{k} = {v}" for k, v in values.items())
        out.append("")
    return "\n".join(out)


def _auth(user: str, password: str) -> dict[str, object]:
    return {
        "auth_url": endpoint("keystone"),
        "auth_type": "password",
        "project_domain_name": "Default",
        "user_domain_name": "Default",
        "project_name": "service",
        "username": user,
        "password": password,
        "region_name": REGION,
    }


def _authtoken(user: str, password: str) -> dict[str, object]:
    return {"www_authenticate_uri": endpoint("keystone"), "service_token_roles_required": "true",
            **_auth(user, password)}  # fmt: skip


def _common(service: str) -> dict[str, object]:
    return {"debug": "false", "log_file": LOG / f"{service}.log", "state_path": DATA / service}


def keystone(s: Secrets) -> Sections:
    return {
        "DEFAULT": {**_common("keystone")},
        "database": {"connection": db_url("keystone")},
        "token": {"provider": "fernet"},
        "fernet_tokens": {"key_repository": ETC / "keystone" / "fernet-keys"},
        "fernet_receipts": {"key_repository": ETC / "keystone" / "fernet-keys"},
        "credential": {"key_repository": ETC / "keystone" / "credential-keys"},
        "cache": {"enabled": "true", "backend": "dogpile.cache.memory"},
        "identity": {"password_hash_rounds": 4},
    }


def placement(s: Secrets) -> Sections:
    return {
        "DEFAULT": {**_common("placement")},
        "placement_database": {"connection": db_url("placement")},
        "api": {"auth_strategy": "keystone"},
        "keystone_authtoken": _authtoken("placement", s.service),
    }


def glance(s: Secrets) -> Sections:
    return {
        "DEFAULT": {**_common("glance"), "enabled_backends": "fs:file", "bind_host": HOST,
                    "worker_self_reference_url": endpoint("glance")},
        "glance_store": {"default_backend": "fs"},
        "fs": {"filesystem_store_datadir": DATA / "glance" / "images"},
        "os_glance_staging_store": {"filesystem_store_datadir": DATA / "glance" / "staging"},
        "os_glance_tasks_store": {"filesystem_store_datadir": DATA / "glance" / "tasks"},
        "database": {"connection": db_url("glance")},
        "keystone_authtoken": _authtoken("glance", s.service),
        "paste_deploy": {"flavor": "keystone"},
        "oslo_concurrency": {"lock_path": RUN / "lock"},
    }


def nova(s: Secrets) -> Sections:
    return {
        "DEFAULT": {
            **_common("nova"), "transport_url": transport_url(), "compute_driver": "fake.FakeDriver",
            "periodic_fuzzy_delay": 0, "allow_resize_to_same_host": "true", "my_ip": HOST,
            "instances_path": DATA / "nova" / "instances", "default_schedule_zone": "",
            "default_availability_zone": SITES[0], "osapi_compute_workers": 1, "metadata_workers": 1,
        },
        "api": {"auth_strategy": "keystone"},
        "api_database": {"connection": db_url("nova_api")},
        "database": {"connection": db_url("nova")},
        "wsgi": {"api_paste_config": ETC / "nova" / "api-paste.ini"},
        "keystone_authtoken": _authtoken("nova", s.service),
        "placement": _auth("placement", s.service),
        "neutron": _auth("neutron", s.service),
        "cinder": {**_auth("cinder", s.service), "os_region_name": REGION},
        "glance": {"region_name": REGION},
        "service_user": {**_auth("nova", s.service), "send_service_user_token": "true"},  # cinder requires it to detach
        "scheduler": {"discover_hosts_in_cells_interval": 2, "workers": 1},
        "conductor": {"workers": 1},
        "filter_scheduler": {"host_subset_size": 1},
        "notifications": {"notification_format": "versioned", "notify_on_state_change": "vm_and_task_state"},
        "oslo_messaging_notifications": {"driver": "messagingv2"},
        "oslo_concurrency": {"lock_path": RUN / "lock"},
        "vnc": {"enabled": "false"},
        "quota": {"driver": "nova.quota.DbQuotaDriver"},
    }


def neutron(s: Secrets) -> Sections:
    return {
        "DEFAULT": {
            **_common("neutron"), "core_plugin": "ml2", "service_plugins": "router", "auth_strategy": "keystone",
            "transport_url": transport_url(), "api_paste_config": ETC / "neutron" / "api-paste.ini",
            "notify_nova_on_port_status_changes": "true", "notify_nova_on_port_data_changes": "true",
            "api_workers": 1, "rpc_workers": 0,
        },
        "database": {"connection": db_url("neutron")},
        "keystone_authtoken": _authtoken("neutron", s.service),
        "nova": _auth("nova", s.service),
        "oslo_concurrency": {"lock_path": RUN / "lock"},
        "oslo_messaging_notifications": {"driver": "messagingv2"},
        "agent": {"report_interval": 0},
    }


def ml2() -> Sections:
    return {
        "ml2": {"type_drivers": "flat,vxlan", "tenant_network_types": "vxlan", "mechanism_drivers": "sovdc",
                "extension_drivers": "port_security"},
        "ml2_type_flat": {"flat_networks": "public"},
        "ml2_type_vxlan": {"vni_ranges": "1:10000"},
        "securitygroup": {"firewall_driver": "noop", "enable_security_group": "true"},
    }


def cinder(s: Secrets) -> Sections:
    backends = {
        site: {"volume_driver": "cinder.tests.fake_driver.FakeLoggingVolumeDriver", "volume_backend_name": site,
               "backend_availability_zone": site}
        for site in SITES
    }
    return {
        "DEFAULT": {
            **_common("cinder"), "transport_url": transport_url(), "auth_strategy": "keystone",
            "enabled_backends": ",".join(SITES), "storage_availability_zone": SITES[0],
            "default_availability_zone": SITES[0], "api_paste_config": ETC / "cinder" / "api-paste.ini",
            "osapi_volume_workers": 1, "my_ip": HOST, "glance_api_servers": endpoint("glance"),
            "resource_query_filters_file": ETC / "cinder" / "resource_filters.json",
        },
        **backends,
        "database": {"connection": db_url("cinder")},
        "keystone_authtoken": _authtoken("cinder", s.service),
        "nova": _auth("nova", s.service),
        "coordination": {"backend_url": f"file://{DATA / 'cinder' / 'coordination'}"},
        "oslo_concurrency": {"lock_path": RUN / "lock"},
        "oslo_messaging_notifications": {"driver": "messagingv2"},
    }


def write_all(s: Secrets) -> None:
    """Write every config file (and copy the paste files shipped in the venv)."""
    files: dict[Path, str] = {
        ETC / "keystone" / "keystone.conf": render(keystone(s)),
        ETC / "placement" / "placement.conf": render(placement(s)),
        ETC / "glance" / "glance-api.conf": render(glance(s)),
        ETC / "nova" / "nova.conf": render(nova(s)),
        ETC / "neutron" / "neutron.conf": render(neutron(s)),
        ETC / "neutron" / "plugins" / "ml2" / "ml2_conf.ini": render(ml2()),
        ETC / "cinder" / "cinder.conf": render(cinder(s)),
    }
    for host in COMPUTE_HOSTS:
        files[ETC / "nova" / f"{host}.conf"] = render(
            {"DEFAULT": {"host": host, "log_file": LOG / f"{host}.log"}}
        )
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(0o600)
    for service, name in (("nova", "api-paste.ini"), ("neutron", "api-paste.ini"), ("cinder", "api-paste.ini"),
                          ("cinder", "resource_filters.json"),
                          ("glance", "glance-api-paste.ini")):  # fmt: skip
        shutil.copy(VENV / "etc" / service / name, ETC / service / name)
    for sub in ("glance/images", "glance/staging", "glance/tasks", "nova/instances", "cinder/coordination",
                "keystone", "placement", "neutron"):  # fmt: skip
        (DATA / sub).mkdir(parents=True, exist_ok=True)
    (RUN / "lock").mkdir(parents=True, exist_ok=True)
