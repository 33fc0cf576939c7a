"""Request and response bodies of the admin API. Responses never carry a key hash or a provider key."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from libs.common.messages import Action, Category, KeyProfile

NAME = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$"


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InlineProfile(KeyProfile):
    """A profile given inline on a key instead of by name."""

    model_config = ConfigDict(extra="forbid", frozen=True)


ProfileRef = str | InlineProfile


class CreateKey(Body):
    name: str = Field(min_length=1, max_length=200)
    tenant: str = Field("default", pattern=NAME, description="Created on first use.")
    provider: str = Field(min_length=1, max_length=100, examples=["openai", "anthropic", "mock"])
    model: str = Field(min_length=1, max_length=200, examples=["gpt-4o-mini"])
    provider_api_key: SecretStr | None = Field(None, description="Sealed at rest; never returned.")
    api_base: str | None = Field(None, max_length=500)
    allowed_models: list[str] = Field(default_factory=list)
    profile: ProfileRef | None = Field(None, description="A profile name, or a profile inline.")
    expires_at: datetime | None = None


class UpdateKey(Body):
    """Only the fields present change; ``"profile": null`` returns the key to the default profile."""

    name: str | None = Field(None, min_length=1, max_length=200)
    model: str | None = Field(None, min_length=1, max_length=200)
    provider_api_key: SecretStr | None = None
    api_base: str | None = Field(None, max_length=500)
    allowed_models: list[str] | None = None
    profile: ProfileRef | None = None
    expires_at: datetime | None = None


class RotateKey(Body):
    grace_seconds: int = Field(3600, ge=0, le=30 * 24 * 3600, description="How long the old key keeps working.")


class KeyView(BaseModel):
    object: Literal["gateway_key"] = "gateway_key"
    id: str
    name: str
    tenant: str
    prefix: str = Field(description="The first characters and the last four of the key; never enough to use it.")
    provider: str
    model: str
    allowed_models: list[str]
    api_base: str | None
    has_provider_key: bool
    profile_name: str | None
    profile: KeyProfile = Field(description="The profile in effect (named or inline).")
    active: bool
    revoked: bool
    revoked_at: datetime | None
    expires_at: datetime | None
    grace_until: datetime | None
    rotated_to: str | None
    revision: int
    created_at: datetime


class CreatedKey(KeyView):
    key: str = Field(description="The plaintext gateway key. Shown once; only its hash is stored.")


class RotatedKey(CreatedKey):
    previous: KeyView = Field(description="The old key, valid until its grace_until.")


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    object: Literal["list"] = "list"
    data: list[T]
    has_more: bool = False
    next_cursor: str | None = None


class CreateTenant(Body):
    name: str = Field(pattern=NAME)


class TenantView(BaseModel):
    object: Literal["tenant"] = "tenant"
    name: str
    active_keys: int
    created_at: datetime


class ProfileFields(Body):
    actions: dict[Category, Action] | None = None
    risk_threshold: float | None = Field(None, ge=0, le=10)
    fail_open: bool | None = None
    rpm_limit: int | None = Field(None, ge=1)
    allowed_models: list[str] | None = None


class CreateProfile(ProfileFields):
    name: str = Field(pattern=NAME)


class UpdateProfile(ProfileFields):
    name: str | None = Field(None, pattern=NAME)


class ProfileView(KeyProfile):
    model_config = ConfigDict(frozen=True)

    object: Literal["key_profile"] = "key_profile"
    id: str
    name: str
    allowed_models: list[str]
    keys: int = Field(0, description="How many keys use this profile.")
    created_at: datetime
    updated_at: datetime


class CreateToken(Body):
    name: str = Field(min_length=1, max_length=200)


class TokenView(BaseModel):
    object: Literal["admin_token"] = "admin_token"
    id: str
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class CreatedToken(TokenView):
    token: str = Field(description="The plaintext admin token. Shown once; only its hash is stored.")


class Rekeyed(BaseModel):
    resealed: int
    primary_kek: str
