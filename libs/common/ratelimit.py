"""A requests-per-minute limit shared by every ingress instance, kept in the ``gw_rate`` JetStream KV bucket.

Fixed 60 s windows: the counter for key ``k`` in window ``w`` (``unix time // 60``) lives at ``<k>.<w>`` and is
raised with optimistic concurrency (``kv.create`` for the first hit, ``kv.update(last=revision)`` after that), so
two instances never both take the last slot. Old windows age out through the bucket's TTL.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable

from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from libs.common import subjects

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
_UNSAFE = re.compile(r"[^-_=/a-zA-Z0-9]")


async def rate_bucket(js: JetStreamContext, window: int = WINDOW_SECONDS) -> KeyValue:
    try:
        return await js.key_value(subjects.RATE_BUCKET)
    except BucketNotFoundError:
        config = KeyValueConfig(bucket=subjects.RATE_BUCKET, history=1, ttl=2 * window)
        return await js.create_key_value(config)


class RateLimiter:
    """``await limiter.hit(key_id, limit)`` -> ``(allowed, retry_after_seconds)``."""

    def __init__(
        self,
        js: JetStreamContext,
        *,
        window: int = WINDOW_SECONDS,
        clock: Callable[[], float] = time.time,
        max_attempts: int = 20,
    ) -> None:
        self._js = js
        self._window = window
        self._clock = clock
        self._max_attempts = max_attempts
        self._kv: KeyValue | None = None

    async def hit(self, key_id: str, limit: int) -> tuple[bool, int]:
        """Count one request against ``limit`` per window. When refused, ``retry_after`` is the seconds until the
        next window opens (at least 1); when allowed it is 0."""
        if self._kv is None:
            self._kv = await rate_bucket(self._js, self._window)
        now = self._clock()
        window = int(now // self._window)
        retry_after = max(1, math.ceil((window + 1) * self._window - now))
        counter = f"{_UNSAFE.sub('_', key_id)}.{window}"
        for _ in range(self._max_attempts):
            try:
                entry = await self._kv.get(counter)
            except KeyNotFoundError:
                if limit < 1:
                    return False, retry_after
                try:
                    await self._kv.create(counter, b"1")
                    return True, 0
                except KeyWrongLastSequenceError:
                    continue  # another instance counted the first hit; read again
            count = int(entry.value or b"0")
            if count >= limit:
                return False, retry_after
            try:
                await self._kv.update(counter, str(count + 1).encode(), last=entry.revision)
                return True, 0
            except KeyWrongLastSequenceError:
                continue
        # Pathological contention: let the request through rather than fail a caller on a counter.
        log.warning("rate counter %s stayed contended after %d attempts", counter, self._max_attempts)
        return True, 0
