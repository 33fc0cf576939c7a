"""Tables shared by the control service (keys, tenants, profiles, admin tokens, outbox) and the audit service.

The schema itself is owned by the Alembic migrations in ``migrations/versions``; a test keeps these models and the
migrations identical.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from libs.common.db.types import Json, UTCDateTime
from libs.common.messages import new_id, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Tenant(Base):
    __tablename__ = "tenants"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KeyProfileRow(Base):
    """A named, reusable guard profile (libs.common.messages.KeyProfile plus allowed models)."""

    __tablename__ = "key_profiles"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    actions: Mapped[dict[str, str]] = mapped_column(Json)
    risk_threshold: Mapped[float] = mapped_column(Float)
    fail_open: Mapped[bool] = mapped_column(Boolean, default=False)
    rpm_limit: Mapped[int | None] = mapped_column(Integer)
    allowed_models: Mapped[list[str]] = mapped_column(Json, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class GatewayKey(Base):
    """A gateway key. Only the SHA-256 of the plaintext and a display prefix are kept."""

    __tablename__ = "gateway_keys"
    __table_args__ = (Index("ix_gateway_keys_tenant_created", "tenant", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    tenant: Mapped[str] = mapped_column(String(100), ForeignKey("tenants.name", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(32))
    provider: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(200))
    allowed_models: Mapped[list[str]] = mapped_column(Json, default=list)
    api_base: Mapped[str | None] = mapped_column(String(500))
    provider_key_ciphertext: Mapped[str | None] = mapped_column(Text)
    profile_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("key_profiles.id", ondelete="SET NULL"), index=True
    )
    # An inline profile (a KeyProfile dump) when the key has no named one.
    profile: Mapped[dict[str, Any] | None] = mapped_column(Json)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    grace_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rotated_to: Mapped[str | None] = mapped_column(String(32))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AdminToken(Base):
    __tablename__ = "admin_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxRow(Base):
    """A change to relay to NATS, written in the same transaction as the change itself."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEventRow(Base):
    """One audit event (libs.common.messages.AuditEvent). Findings keep offsets and types only, never text."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_key_at", "key_id", "at"),
        Index("ix_audit_events_tenant_at", "tenant", "at"),
    )

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    service: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(32))
    tenant: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[int | None] = mapped_column(Integer)
    decision: Mapped[str | None] = mapped_column(String(16))
    risk_score: Mapped[float | None] = mapped_column(Float)
    violated_rule: Mapped[str | None] = mapped_column(String(200))
    findings: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    usage: Mapped[dict[str, Any] | None] = mapped_column(Json)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[str | None] = mapped_column(Text)
