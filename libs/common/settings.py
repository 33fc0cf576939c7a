"""Gateway settings, read from ``GW_*`` environment variables. Built by :func:`load_settings`, never at import."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GW_", extra="ignore")

    env: Literal["development", "production"] = "development"
    nats_url: str = "nats://127.0.0.1:4222"
    database_url: str = Field("sqlite+aiosqlite:///./.gateway/gateway.db", description="SQLAlchemy async URL.")
    data_dir: Path = Path(".gateway")

    host: str = "127.0.0.1"
    ingress_port: int = 8000
    control_port: int = 8001

    admin_token: SecretStr | None = None
    # base64 of 32 bytes; several may be given as "id1:base64,id2:base64", the first one encrypts.
    kek: SecretStr | None = None

    # Deadlines (seconds). Screening that cannot finish in time fails closed.
    screen_timeout: float = 5.0
    request_timeout: float = 120.0
    # A stream that sends nothing for this long is ended with an error.
    stream_idle_timeout: float = 60.0
    upstream_retries: int = 1

    # NATS's own default max payload is 1 MiB; the embedded server is started with this, and ingress refuses larger.
    max_request_bytes: int = 4 * 1024 * 1024

    log_level: str = "INFO"
    otel_exporter: Literal["none", "console", "otlp"] = "none"

    @model_validator(mode="after")
    def _secrets_required_in_production(self) -> Settings:
        if self.env == "production":
            missing = [n for n in ("admin_token", "kek") if getattr(self, n) is None]
            if missing:
                raise ValueError(f"GW_{missing[0].upper()} must be set when GW_ENV=production")
            if len(self.admin_token.get_secret_value()) < 32:  # type: ignore[union-attr]
                raise ValueError("GW_ADMIN_TOKEN must be at least 32 characters when GW_ENV=production")
        return self


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]


def generate_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)
