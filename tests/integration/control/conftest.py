"""Fixtures for the control service's integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from control_helpers import ControlClient, control_settings, open_client


@pytest.fixture
async def admin(database_url: str, nats_url: str, tmp_path: Path) -> AsyncIterator[ControlClient]:
    """An admin API client holding the bootstrap token."""
    async with open_client(control_settings(database_url, nats_url, tmp_path)) as client:
        yield client
