"""Pure parts of the control service and the KEK loader: no network, no database."""

from __future__ import annotations

import argparse
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from libs.common.db.models import GatewayKey, KeyProfileRow
from libs.common.keyring_loader import load_keyring
from libs.common.keys import new_kek
from libs.common.settings import Settings
from services.control.cli import add_parsers
from services.control.cli_client import table
from services.control.errors import Unprocessable
from services.control.records import key_record, key_view
from services.control.service_layer.keys import decode_cursor, encode_cursor


def test_development_kek_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first, again = load_keyring(settings), load_keyring(settings)
    assert again.open(first.seal("sk-secret")) == "sk-secret"
    assert stat.S_IMODE((tmp_path / "kek").stat().st_mode) == 0o600


def test_gw_kek_wins_and_production_needs_one(tmp_path: Path) -> None:
    kek = new_kek()
    assert load_keyring(Settings(data_dir=tmp_path, kek=kek)).primary == "k1"
    assert not (tmp_path / "kek").exists()
    with pytest.raises(ValueError, match="GW_"):
        Settings(env="production", admin_token="t")


def _row(**kw: object) -> GatewayKey:
    values: dict[str, object] = {
        "id": "k1",
        "tenant": "default",
        "name": "app",
        "key_hash": "h" * 64,
        "prefix": "gw-abcd...wxyz",
        "provider": "mock",
        "model": "m",
        "allowed_models": ["a"],
        "api_base": None,
        "provider_key_ciphertext": None,
        "profile_id": None,
        "profile": None,
        "revoked_at": None,
        "expires_at": None,
        "grace_until": None,
        "rotated_to": None,
        "revision": 3,
        "created_at": datetime.now(UTC),
    }
    return GatewayKey(**(values | kw))


def test_key_record_merges_the_named_profile_and_reflects_revocation() -> None:
    profile = KeyProfileRow(
        id="p1",
        name="strict",
        actions={"pii": "redact"},
        risk_threshold=2.0,
        fail_open=False,
        rpm_limit=9,
        allowed_models=["b", "a"],
    )
    record = key_record(_row(revoked_at=datetime.now(UTC)), profile)
    assert record.allowed_models == ["a", "b"] and record.profile.rpm_limit == 9 and record.revoked
    assert not record.is_active() and record.revision == 3


def test_key_view_shows_grace_and_hides_the_hash() -> None:
    view = key_view(_row(grace_until=datetime.now(UTC) + timedelta(minutes=5), profile={"rpm_limit": 3}), None)
    assert view.active and view.profile.rpm_limit == 3
    assert "h" * 64 not in view.model_dump_json()


def test_cursor_round_trips_and_rejects_garbage() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC)
    assert decode_cursor(encode_cursor(at, "abc")) == (at, "abc")
    with pytest.raises(Unprocessable):
        decode_cursor("%%%")


def test_cli_registers_the_subcommands() -> None:
    parser = argparse.ArgumentParser()
    add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["keys", "rotate", "k1", "--grace-seconds", "10", "--json"])
    assert args.id == "k1" and args.grace_seconds == 10 and args.json and callable(args.func)
    for argv in (
        ["keys", "list"],
        ["keys", "revoke", "x"],
        ["keys", "rekey"],
        ["tenants", "delete", "t", "--force"],
        ["tenants", "create", "t"],
        ["tenants", "list"],
        ["db", "upgrade"],
        ["keys", "create", "--name", "n"],
    ):
        assert callable(parser.parse_args(argv).func)


def test_table_renders_columns_and_blanks() -> None:
    out = table([{"id": "k1", "active": True, "expires_at": None}], ("id", "active", "expires_at"))
    assert out.splitlines() == ["ID  ACTIVE  EXPIRES_AT", "k1  yes     -"]
