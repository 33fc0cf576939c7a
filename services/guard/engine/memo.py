"""Detector results kept per text, so that a chat's history is not screened again with every turn.

An application sends the whole conversation with each request: on the tenth turn of a chat of 1,000-character
messages the guard read 10,000 characters to screen one new message. Each detector's costly step is a function of
one text alone (the classifier's score, Presidio's matches, a window's embedding), so its result is kept under a
digest of the text (BLAKE2b, 128 bits: the text itself is not kept) and of the request's scope, the gateway key. A
text is answered from the cache only for the key that sent it: how fast a request is screened (a /scan reply carries
its latency) cannot tell one key's caller what another key's caller sent.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class Memo(Generic[T]):
    """The results of ``compute`` for the ``size`` (scope, text) pairs used last; size 0 keeps nothing."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[bytes, T] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keyed: Sequence[tuple[str, str]], compute: Callable[[list[str]], Sequence[T]],
                 keep: Callable[[T], bool] = lambda _: True) -> list[T]:
        """``compute`` of each (scope, text)'s text, called once, for the texts not kept. Only results that ``keep``
        accepts are kept (a bound on what one entry may hold)."""
        if not self.size:
            return list(compute([text for _, text in keyed]))
        digests = [_digest(scope, text) for scope, text in keyed]
        with self._lock:
            kept = {d: self._kept[d] for d in digests if d in self._kept}
            for d in kept:
                self._kept.move_to_end(d)
        missing = list(dict.fromkeys(d for d in digests if d not in kept))
        if missing:
            text_of = {d: text for d, (_, text) in zip(digests, keyed, strict=True)}
            computed = dict(zip(missing, compute([text_of[d] for d in missing]), strict=True))
            kept.update(computed)
            with self._lock:
                self._kept.update((d, value) for d, value in computed.items() if keep(value))
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
        return [kept[d] for d in digests]


def _digest(scope: str, text: str) -> bytes:
    h = hashlib.blake2b(digest_size=16, person=b"guard-memo")
    scope_bytes = scope.encode("utf-8", "surrogatepass")
    h.update(len(scope_bytes).to_bytes(4, "big") + scope_bytes)
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.digest()
