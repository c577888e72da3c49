"""Settings, read from ``EVROSTER_*`` environment variables once per process.

Nothing here runs at import time: call :func:`get_settings`.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Every setting of evroster; each maps to ``EVROSTER_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="EVROSTER_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./evroster.db",
        description="sqlite:///path/to/file.db (default: evroster.db in the working folder) "
        "or postgresql://user:password@host:port/database.",
    )
    db_pool_size: int = Field(
        default=10, ge=1, description="PostgreSQL: connections per pool (and as many overflow)."
    )
    host: str = Field(default="127.0.0.1", description="Address `evroster serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `evroster serve` uses.")
    workers: int = Field(default=1, ge=1, description="Worker processes of `evroster serve`.")
    log_level: str = Field(default="INFO", description="Python logging level name.")
    ocpp_heartbeat_interval: int = Field(
        default=300, ge=10, le=86400, description="Seconds between heartbeats asked of chargers."
    )
    ocpp_max_frame_bytes: int = Field(
        default=65536,
        ge=1024,
        description="Largest OCPP frame accepted; a larger one closes the socket (1009).",
    )
    auth_cache_hours: float | None = Field(
        default=None,
        gt=0,
        description="If set, an accepted tag's expiryDate (1.6) / cacheExpiryDateTime (2.0.1) "
        "is at most this many hours ahead, so chargers re-check cached tags; if unset, the "
        "tag's own end of validity, or nothing.",
    )
    access_log: bool = Field(
        default=True, description="Log one line per HTTP request (the `code` query is redacted)."
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body (413 beyond), except `POST /api/v1/imports`.",
    )
    json_max_depth: int = Field(
        default=32, ge=4, le=1000, description="Deepest nesting of a JSON body (400 beyond)."
    )
    auth_failures_per_minute: int = Field(
        default=20,
        ge=1,
        description="Failed authentications one client address may make in a minute; then "
        "429 with Retry-After (per worker process).",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser (JSON list); none when empty.",
    )
    cache_mb: float = Field(
        default=1024,
        ge=0,
        description="Most memory the document cache of each worker process may take, in MiB "
        "(it grows with use up to this); 0 turns it off (every read goes to the database).",
    )
    cache_staleness_seconds: float = Field(
        default=1.0,
        gt=0.2,
        le=60,
        description="PostgreSQL: longest a replica may serve from its cache without having "
        "heard of every change committed elsewhere; beyond it, it reads the database.",
    )
    import_max_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1024,
        description="Largest file `POST /api/v1/imports` takes (413 beyond); the CLI has no limit.",
    )

    console_secret: str | None = Field(
        default=None,
        min_length=32,
        description="Key that signs the admin console's session cookies; unset: a random "
        "key made once and kept in the database, shared by every worker and replica.",
    )
    console_session_hours: float = Field(
        default=8, gt=0, le=24 * 30, description="How long an admin console sign-in lasts."
    )
    console_secure_cookie: bool = Field(
        default=False,
        description="Send the console's session cookie over HTTPS only: set it when evroster "
        "is served behind TLS (the default suits http://127.0.0.1).",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
