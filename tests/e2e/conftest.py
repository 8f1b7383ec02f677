"""The end-to-end tier: the shop under gunicorn, as `make run` serves it, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.machine import AppServers


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Start app servers with `serve(env, workers=1)`; they stop when the test ends."""
    servers = AppServers(tmp_path)
    yield servers.start
    servers.stop()
