"""One reference server per robustness test module (virtual clock, control API on, loopback, free port)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mockserver.embedded import EmbeddedServer
from tests.robustness.harness import serving


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    with serving() as running:
        yield running
