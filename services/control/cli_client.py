"""A small synchronous client of the admin API for the ``gateway`` CLI, and its table output."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import httpx


class AdminApiError(Exception):
    pass


class AdminClient:
    """Talks to ``GW_CONTROL_URL`` (default http://127.0.0.1:8001) with ``GW_ADMIN_TOKEN``."""

    def __init__(self, base_url: str | None = None, token: str | None = None, timeout: float = 10.0) -> None:
        self.base_url = (base_url or os.environ.get("GW_CONTROL_URL") or "http://127.0.0.1:8001").rstrip("/")
        token = token if token is not None else os.environ.get("GW_ADMIN_TOKEN", "")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            resp = self._http.request(method, f"/admin/v1{path}", **kwargs)
        except httpx.HTTPError as exc:
            raise AdminApiError(f"cannot reach the control service at {self.base_url}: {type(exc).__name__}") from None
        if resp.status_code >= 400:
            try:
                message = resp.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = resp.text[:200]
            raise AdminApiError(f"{resp.status_code}: {message}")
        return resp.json() if resp.content else None


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """A plain-text table of ``columns`` (missing values blank)."""
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ",".join(map(str, value)) or "-"
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True)
