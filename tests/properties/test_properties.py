"""The properties hold on the reference and catch deliberately broken servers (issue 6)."""

from __future__ import annotations

import pytest

from conformance.outcome import Level
from conformance.properties.checks import PROPERTIES, Budget, run_properties
from conformance.properties.client import Target
from mockserver.embedded import EmbeddedServer
from tests.differential.conftest import start_broken


def test_every_property_holds_on_the_reference() -> None:
    with EmbeddedServer() as server:
        target = Target(server.url, server.admin_url)
        try:
            results = run_properties(target, Budget(examples=8, seed=3), clock_control=True)
        finally:
            target.close()
    assert [r.name for r in results] == [p.name for p in PROPERTIES]
    failures = [f"{r.name}: {r.message}" for r in results if not r.passed]
    assert failures == []


@pytest.mark.parametrize(("mutation", "prop"), [
    ("history-before-inclusive", "history.before-walk"),
    ("unread-off-by-one", "read-state.monotonic-and-exact"),
    ("invite-expiry-strict", "invites.expiry"),
])
def test_property_catches_a_broken_server(mutation: str, prop: str) -> None:
    process, broken = start_broken(mutation)
    target = Target(broken.url, broken.admin_url)
    try:
        [result] = run_properties(target, Budget(examples=20, seed=3), clock_control=True, only=[prop])
    finally:
        target.close()
        process.kill()
        process.wait(10)
    assert not result.passed
    assert result.message  # says what was wrong, with hypothesis's falsifying example
    assert result.level in (Level.MUST, Level.REFERENCE)


def test_clock_properties_are_reported_unsupported_without_clock_control() -> None:
    with EmbeddedServer() as server:
        target = Target(server.url, None)
        try:
            [result] = run_properties(target, Budget(examples=1), clock_control=False, only=["invites.expiry"])
        finally:
            target.close()
    assert result.passed and result.message.startswith("unsupported")
