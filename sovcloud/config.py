"""Settings: every knob declared once, with its description, type and safe embedded default.

Values come from the environment (prefix ``SOVCLOUD_``) or a ``.env`` file. ``sovcloud config sample``
prints a sample configuration generated from this class.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path("var")


def _secret_from_file(name: str) -> str:
    """Load (or create once) a random secret kept under ``var/`` for the embedded mode.

    Production sets the secret explicitly; the embedded mode must still never ship a default secret.
    """
    path = VAR_DIR / f"{name}.secret"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


class Settings(BaseSettings):
    """sovcloud configuration."""

    model_config = SettingsConfigDict(env_prefix="SOVCLOUD_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{VAR_DIR}/sovcloud.db",
        description="SQLAlchemy URL of the control-plane database (SQLite embedded, PostgreSQL in production).",
    )
    secret_key: SecretStr = Field(
        default_factory=lambda: SecretStr(_secret_from_file("secret_key")),
        description="Key for signing (CSRF, audit checkpoint). Generated under var/ when unset.",
    )
    host: str = Field(default="127.0.0.1", description="Address the server listens on.")
    max_concurrent_writes: int = Field(default=8, ge=1, le=64,
                                       description="State-changing requests served at once per process "
                                                   "(the others wait without holding a thread).")
    max_body_bytes: int = Field(default=1_048_576, ge=1024, le=1_073_741_824,
                                description="Largest request body accepted, in bytes (larger: 413).")
    port: int = Field(default=8000, description="Port the server listens on.")
    environment: str = Field(default="embedded", description="embedded | production.")
    cookie_secure: bool = Field(
        default=False, description="Mark cookies Secure (must be true behind HTTPS in production)."
    )
    session_idle_minutes: int = Field(default=30, ge=1, description="Session idle timeout in minutes.")
    session_absolute_hours: int = Field(default=12, ge=1, description="Session absolute lifetime in hours.")
    lockout_threshold: int = Field(default=5, ge=1, description="Failed login steps on one account from one "
                                   "address, within lockout_minutes, before that address is refused for it.")
    lockout_account_threshold: int = Field(
        default=20, ge=1, description="Failed login steps on one account from all addresses, within lockout_minutes, "
        "before it opens only from known addresses or with its second factor.")
    lockout_minutes: float = Field(default=15, gt=0, description="Window of the lockout counters, in minutes.")
    login_limit_per_address: str = Field(
        default="30 per 10 minutes", description="Failed login steps allowed from one source address, whatever "
        "the account (syntax of the limits library).")
    rate_limit_storage_url: str | None = Field(
        default=None, description="Storage of the rate-limit counters (limits URI, e.g. redis://...); unset: "
        "the Redis URL when the queue backend is redis, else memory (one process).")
    password_min_length: int = Field(default=12, ge=8, description="Minimum password length.")
    token_max_days: int = Field(default=365, ge=1, description="Longest lifetime allowed for an API token.")
    mfa_issuer: str = Field(default="sovcloud", description="Issuer name shown in authenticator apps.")
    oidc_issuer: str | None = Field(
        default=None, max_length=500, description="ProConnect (OpenID Connect): issuer URL, e.g. "
        "https://auth.agentconnect.gouv.fr/api/v2 (its /.well-known/openid-configuration is read). Unset: no "
        "ProConnect button, local accounts only.")
    oidc_client_id: str | None = Field(default=None, max_length=200, description="ProConnect: client id of sovcloud.")
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="ProConnect: client secret (from the environment only, never stored in the "
        "database).")
    oidc_redirect_url: str | None = Field(
        default=None, max_length=500, description="ProConnect: absolute callback URL registered with the provider, "
        "ending in /login/proconnect/callback; the post-logout URL is /login/proconnect/logged-out on its origin.")
    oidc_acr_values: list[str] = Field(
        default=["eidas1", "eidas2", "eidas3"], description="ProConnect: acr values asked (essential, through the "
        "claims parameter); an id_token whose acr is not one of them is refused.")
    oidc_admin_acr: str = Field(
        default="eidas2", description="ProConnect: lowest acr that counts as strong authentication for administrative "
        "roles; below it, they pass the local second factor (TOTP) before any action.")
    oidc_starts_per_address: str = Field(
        default="300 per 10 minutes", description="ProConnect: logins one source address may start (a login "
        "state is stored for each; syntax of the limits library). Agents behind one proxy share an address.")
    oidc_timeout_s: float = Field(default=10.0, gt=0, le=60, description="ProConnect: HTTP timeout of one call.")
    webauthn_rp_id: str | None = Field(
        default=None, max_length=253, description="Security keys (WebAuthn): relying party id, the portal's domain "
        "(unset: the request's host).")
    webauthn_origin: str | None = Field(
        default=None, max_length=500, description="Security keys: the portal's exact origin, e.g. "
        "https://cloud.interieur.gouv.fr (unset: the request's).")
    queue_backend: str = Field(default="sqlite", description="Huey storage: sqlite (embedded) | redis.")
    queue_path: Path = Field(default=VAR_DIR / "queue.db", description="Huey SQLite storage file.")
    queue_name: str = Field(default="sovcloud", description="Queue name (several deployments may share a Redis).")
    redis_url: str = Field(default="redis://127.0.0.1:6379/0", description="Redis URL for the queue.")
    provider: str = Field(default="simulator", description="Cloud provider: simulator | openstack.")
    simulator_database_url: str = Field(
        default=f"sqlite:///{VAR_DIR}/simcloud.db", description="Database of the simulated cloud."
    )
    simulator_build_delay_s: float = Field(
        default=2.0, ge=0, description="Seconds a simulated server spends in BUILD."
    )
    simulator_cpu_ratio: float = Field(default=8.0, gt=0, description="vCPU overcommit of the simulated cloud.")
    openstack_cloud: str | None = Field(
        default=None, description="OpenStack: name of the clouds.yaml entry to log in with (else explicit auth_url...)."
    )
    openstack_config_file: Path | None = Field(
        default=None, description="OpenStack: path of the clouds.yaml file (unset: the standard search path)."
    )
    openstack_auth_url: str | None = Field(default=None, description="OpenStack: Keystone v3 URL (without a cloud).")
    openstack_username: str | None = Field(default=None, description="OpenStack: admin user (without a cloud).")
    openstack_password: SecretStr | None = Field(default=None, description="OpenStack: its password (never logged).")
    openstack_project_name: str = Field(default="admin", description="OpenStack: project of the admin token.")
    openstack_region: str | None = Field(default=None, description="OpenStack: region (unset: the only one).")
    openstack_project_prefix: str = Field(
        default="sovcloud-", description="OpenStack: Keystone project name prefix of sovcloud projects."
    )
    openstack_member_role: str = Field(default="member", description="OpenStack: role taken on tenant projects.")
    openstack_external_network: str = Field(
        default="public", description="OpenStack: external network of routers and floating IPs."
    )
    openstack_api_timeout_s: float = Field(default=30.0, gt=0, description="OpenStack: HTTP timeout of one call.")
    notifications_url: str | None = Field(
        default=None, description="AMQP URL of the cloud's notification bus (e.g. amqp://user:pw@host:5672/vhost); "
        "when set, workers mark out-of-band deletes and changes within seconds. Off by default.",
    )
    notifications_queue: str = Field(
        default="sovcloud-inventory", description="Queue sovcloud's workers share on the notification bus."
    )
    notifications_bindings: list[str] = Field(
        default=["nova:versioned_notifications.info", "openstack:notifications.info", "neutron:notifications.info"],
        description="exchange:routing-key pairs the notification queue is bound to: Nova versioned, Cinder (exchange "
        "openstack) and Neutron notifications.",
    )
    worker_threads: int = Field(default=4, ge=1, description="Threads of each worker process.")
    embedded_worker: bool = Field(default=True, description="`sovcloud serve` starts a worker process itself.")
    step_lease_s: float = Field(default=60.0, gt=0, description="How long a worker holds a step before the "
                                "reaper may give it to another.")
    reaper_interval_s: float = Field(default=5.0, gt=0, description="How often a worker looks for stale steps.")
    capacity_interval_s: float = Field(default=60.0, gt=0, description="How often a worker asks the provider "
                                       "what each site can still hold (capacity reservations check against it).")
    reconcile_interval_s: float = Field(default=60.0, gt=0, description="How often a worker compares the cloud "
                                        "with the inventory (full pass).")
    expiry_interval_s: float = Field(default=5.0, gt=0, description="How often the end dates are swept (reminders "
                                     "sent, expired resources retired).")
    billing_meter_interval_s: float = Field(default=300.0, gt=0, description="How often usage is metered from the "
                                            "inventory's changes (billing).")
    billing_close_day: int = Field(default=3, ge=1, le=28, description="Day of the month (Europe/Paris) from which "
                                   "the previous month's invoices are issued by the monthly close.")
    billing_close_interval_s: float = Field(default=3600.0, gt=0, description="How often the monthly close looks "
                                            "for invoices to issue.")
    worker_heartbeat_s: float = Field(default=5.0, gt=0, description="How often a worker records that it is alive; "
                                      "three missed beats and /readyz reports it dead.")
    readiness_timeout_s: float = Field(default=2.0, gt=0, le=30, description="Longest time each /readyz check "
                                       "(database, migrations, queue, workers, provider) may take before it fails.")
    metrics_token: SecretStr | None = Field(
        default=None, description="Bearer token a Prometheus scrape of /metrics must carry (required in production; "
        "unset in the embedded mode: scrapes from an allowed address only).")
    metrics_allowed_networks: list[str] = Field(
        default=["127.0.0.1/32", "::1/128"], max_length=64,
        description="Addresses (CIDR) /metrics answers; any other gets 403, token or not.")
    http_metrics: bool = Field(default=True, description="Count every HTTP request by route template and status "
                               "for /metrics (off: no per-request instrumentation; the state metrics remain).")
    metrics_dir: Path = Field(
        default=VAR_DIR / "metrics", description="Where several API processes (`serve --workers N`) share their "
        "HTTP metrics (PROMETHEUS_MULTIPROC_DIR); emptied when `sovcloud serve` starts them.")
    audit_anchor_path: Path = Field(
        default=VAR_DIR / "audit-anchors.jsonl",
        description="Append-only file where every process writes the audit chain's head, signed, at each "
        "checkpoint; `sovcloud audit verify` compares the journal with it (make it append-only: chattr +a).",
    )
    audit_anchor_interval_s: float = Field(default=1.0, ge=0, description="Longest delay between a commit that "
                                           "adds to the audit journal and its checkpoint (0: at every commit).")
    retry_base_s: float = Field(default=0.5, ge=0, description="First retry delay after a transient error.")
    retry_max_s: float = Field(default=30.0, ge=0, description="Longest retry delay.")
    max_attempts: int = Field(default=10, ge=1, description="Attempts of a step before it fails for good.")
    poll_interval_s: float = Field(default=0.5, ge=0, description="Delay between checks of a building resource.")
    audit_verify_interval_s: float = Field(default=900.0, gt=0, description="How often the whole audit chain is "
                                           "walked and the result kept (the alert rule and /metrics read it).")
    alert_interval_s: float = Field(default=30.0, gt=0, description="How often the alert rules are evaluated "
                                    "(one evaluator across all workers, under a lease).")
    delivery_interval_s: float = Field(default=5.0, gt=0, description="How often pending notice deliveries "
                                       "(e-mail, webhooks) are sent or retried.")
    delivery_max_attempts: int = Field(default=6, ge=1, le=50, description="Attempts of one notice delivery "
                                       "before it is marked failed.")
    delivery_retry_base_s: float = Field(default=30.0, ge=0, description="Delay before the first retry of a "
                                         "failed delivery; doubled at each attempt.")
    delivery_timeout_s: float = Field(default=10.0, gt=0, le=120, description="Timeout of one e-mail or "
                                      "webhook delivery.")
    smtp_host: str = Field(default="127.0.0.1", description="SMTP relay that sends the notices' e-mails.")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Port of the SMTP relay.")
    smtp_from: str = Field(default="sovcloud@localhost", description="Sender address of the notices' e-mails.")
    webhook_allow_http_loopback: bool = Field(
        default=False, description="Accept webhook URLs in plain http on the loopback (tests, local receivers); "
        "every other webhook must be https.")
    log_level: str = Field(default="INFO", description="Log level.")
    log_json: bool = Field(default=True, description="Emit logs as JSON lines.")

    @property
    def oidc_enabled(self) -> bool:
        """Whether ProConnect is configured (issuer, client id, secret and callback URL all set)."""
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret and self.oidc_redirect_url)

    @field_validator("oidc_acr_values")
    @classmethod
    def _acr_values(cls, value: list[str]) -> list[str]:
        if not value or any(v not in ("eidas1", "eidas2", "eidas3") for v in value):
            raise ValueError("acr values are among eidas1, eidas2, eidas3 (at least one)")
        return value

    @field_validator("oidc_admin_acr")
    @classmethod
    def _admin_acr(cls, value: str) -> str:
        if value not in ("eidas1", "eidas2", "eidas3"):
            raise ValueError("one of eidas1, eidas2, eidas3")
        return value

    @field_validator("metrics_allowed_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for network in value:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError as exc:
                raise ValueError(f"not an address or network (CIDR): {network}") from exc
        return value

    @field_validator("login_limit_per_address", "oidc_starts_per_address")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit (e.g. '30 per 10 minutes'): {value}") from exc
        return value


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
