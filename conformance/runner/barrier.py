"""The round-trip barrier that decides "no update arrived" without sleeping.

On one socket the server answers a request only after it has sent the updates caused by earlier
requests (semantics.md §13), so once the barrier's answer is back, anything that was going to arrive on
that socket because of an earlier step has arrived.
"""

from __future__ import annotations

import itertools

from conformance.wire.client import Connection, WireFailure
from osmiumwire import auth_pb2, chats_pb2

_counter = itertools.count(1)


async def barrier(connection: Connection, timeout: float) -> None:
    """Send a harmless request and wait for its answer (any answer, an error included)."""
    if connection.authenticated:
        await connection.request("chats_get_chats", chats_pb2.GetChats(limit=1), timeout)
    else:
        code = f"barrier-{next(_counter)}"
        await connection.request("auth_lookup_invite", auth_pb2.LookupInvite(code=code), timeout)
    fault = connection.fault()
    if fault:
        raise WireFailure(f"{connection.label}: {fault}")
