"""One wildcard inbox per ingress process, demultiplexed to the request waiting on each reply.

A request registers ``<prefix>.<request id>`` and reads its replies from a queue: a single Completed / Blocked /
Failed, or Accepted followed by stream chunks and an end marker. One subscription serves every request, so a
request costs no subscribe/unsubscribe round trip.
"""

from __future__ import annotations

import asyncio
import logging

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from pydantic import ValidationError

from libs.common import subjects
from libs.common.errors import GatewayTimeout, ServiceUnavailable
from libs.common.messages import ErrorInfo, Failed, InboxMessage, inbox_message

log = logging.getLogger(__name__)


class NoResponders(Exception):
    """NATS answered that nobody listens on the subject the request went to."""


class Waiter:
    def __init__(self, mux: InboxMux, request_id: str) -> None:
        self.request_id = request_id
        self.subject = f"{mux.prefix}.{request_id}"
        self._mux = mux
        self.queue: asyncio.Queue[InboxMessage | NoResponders] = asyncio.Queue()

    async def next(self, timeout: float, what: str) -> InboxMessage:
        try:
            item = await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            raise GatewayTimeout(f"The gateway timed out waiting for {what} after {timeout:g}s.") from None
        if isinstance(item, NoResponders):
            raise ServiceUnavailable("No guard worker is available to screen the request; it was not forwarded.")
        return item

    def close(self) -> None:
        self._mux._waiters.pop(self.request_id, None)


class InboxMux:
    def __init__(self, nc: Client, instance_id: str) -> None:
        self.prefix = f"{subjects.INBOX_PREFIX}.{instance_id}"
        self._nc = nc
        self._waiters: dict[str, Waiter] = {}
        self._sub: Subscription | None = None

    async def start(self) -> None:
        self._sub = await self._nc.subscribe(f"{self.prefix}.*", cb=self._deliver, pending_msgs_limit=-1)

    async def stop(self) -> None:
        if self._sub is not None:
            await self._sub.unsubscribe()

    def open(self, request_id: str) -> Waiter:
        waiter = Waiter(self, request_id)
        self._waiters[request_id] = waiter
        return waiter

    def __len__(self) -> int:
        return len(self._waiters)

    async def _deliver(self, msg: Msg) -> None:
        request_id = msg.subject.rpartition(".")[2]
        waiter = self._waiters.get(request_id)
        if waiter is None:
            return  # the client is gone or the request already timed out
        if msg.headers and msg.headers.get("Status") == "503" and not msg.data:
            waiter.queue.put_nowait(NoResponders())
            return
        try:
            waiter.queue.put_nowait(inbox_message.validate_json(msg.data))
        except ValidationError:
            log.error("unreadable reply for request %s", request_id)
            error = ErrorInfo(status=502, message="The gateway received an unreadable reply.", code="bad_reply")
            waiter.queue.put_nowait(Failed(request_id=request_id, error=error))
