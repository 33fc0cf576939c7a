from datetime import UTC, datetime, timedelta

import pytest

from libs.common.errors import error_for_status
from libs.common.keys import KeyRing, new_kek
from libs.common.messages import (
    Accepted,
    Blocked,
    Completed,
    KeyRecord,
    SecurityAssessment,
    StreamEnd,
    inbox_message,
)


def test_inbox_messages_round_trip_by_kind() -> None:
    for msg in (
        Accepted(request_id="r"),
        Completed(request_id="r", response={"id": "x"}),
        Blocked(request_id="r", assessment=SecurityAssessment(is_safe=False, violated_rule="PII Detection")),
        StreamEnd(request_id="r", seq=3),
    ):
        assert inbox_message.validate_json(msg.model_dump_json()) == msg


def test_unknown_fields_from_a_newer_sender_are_ignored() -> None:
    assert inbox_message.validate_json('{"kind": "accepted", "request_id": "r", "new_field": 1}') == Accepted(
        request_id="r"
    )


def test_key_activity_honours_revocation_expiry_and_grace() -> None:
    now = datetime.now(UTC)
    base = {"id": "k", "key_hash": "h", "prefix": "p", "name": "n", "provider": "openai", "model": "m"}
    assert KeyRecord(**base).is_active(now)
    assert not KeyRecord(**base, revoked=True).is_active(now)
    assert not KeyRecord(**base, expires_at=now - timedelta(seconds=1)).is_active(now)
    assert KeyRecord(**base, grace_until=now + timedelta(minutes=5)).is_active(now)
    assert not KeyRecord(**base, grace_until=now - timedelta(seconds=1)).is_active(now)


def test_keyring_opens_what_an_older_kek_sealed_after_rotation() -> None:
    old, new = new_kek(), new_kek()
    sealed_by_old = KeyRing.parse(f"old:{old}").seal("sk-provider")
    ring = KeyRing.parse(f"new:{new},old:{old}")
    assert ring.open(sealed_by_old) == "sk-provider"
    assert ring.key_id_of(ring.seal("sk-provider")) == "new"


def test_keyring_refuses_a_short_key() -> None:
    with pytest.raises(ValueError):
        KeyRing.parse("c2hvcnQ=")


@pytest.mark.parametrize(("status", "expected"), [(400, 400), (404, 404), (418, 418), (429, 429), (500, 502)])
def test_error_for_status(status: int, expected: int) -> None:
    assert error_for_status(status, "m").status == expected


def test_production_refuses_a_weak_admin_token() -> None:
    from libs.common.settings import Settings

    with pytest.raises(ValueError, match="32 characters"):
        Settings(env="production", admin_token="admin", kek=new_kek())
    assert Settings(env="production", admin_token="x" * 32, kek=new_kek()).env == "production"


def test_a_race_at_equal_revision_never_unrevokes_a_key() -> None:
    from libs.common.keycache import KeyCache

    base = {"id": "k", "key_hash": "h", "prefix": "p", "name": "n", "provider": "openai", "model": "m"}
    cache = KeyCache()
    cache.put(KeyRecord(**base, revision=2, revoked=True))
    cache.put(KeyRecord(**base, revision=2, revoked=False))
    assert cache.by_id("k").revoked


async def test_key_cache_that_stops_following_reports_not_ready_and_watches_again(monkeypatch) -> None:
    import asyncio

    from libs.common.keycache import KeyCache

    class DiesAfterLoad:
        def __init__(self) -> None:
            self.items = [None]  # the end-of-initial-load marker, then the consumer is gone

        def __aiter__(self) -> "DiesAfterLoad":
            return self

        async def __anext__(self) -> None:
            if self.items:
                return self.items.pop()
            raise RuntimeError("consumer gone")

    cache = KeyCache()
    rewatched = asyncio.Event()

    async def watch_again() -> None:
        rewatched.set()

    monkeypatch.setattr(cache, "_watch", watch_again)
    await cache._follow(DiesAfterLoad())  # type: ignore[arg-type]
    assert not cache.ready.is_set()  # /ready turns 503 while revocations cannot arrive
    await asyncio.wait_for(rewatched.wait(), 5)


def test_keyring_refuses_the_same_kek_id_twice() -> None:
    with pytest.raises(ValueError, match="twice"):
        KeyRing.parse(f"a:{new_kek()},a:{new_kek()}")
