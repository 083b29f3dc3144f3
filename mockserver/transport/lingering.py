"""A lingering close for sockets failed on bad input, so the peer reads our close frame instead of a reset.

When a peer breaks the framing (a frame over the size limit, a bad opcode), aiohttp sends the close frame
(1009, 1002, ...) and closes the TCP socket at once. The peer may still be sending the rest of its frame;
a socket closed with unread bytes, or one that receives bytes after it closed, answers with a TCP reset,
and a reset can overtake our close frame: the peer's write fails, its transport drops what it had not read
yet, and it sees 1006 instead of the close code. With an 8 MB frame this happens every time.

The cure is what HTTP servers call a lingering close (RFC 9112 §9.6): after the close frame, keep reading,
and discarding, until the peer closes its side or has sent nothing for a while; only then close. We do not
half-close first: aiohttp's own client treats an early FIN as a lost connection and drops the close frame
it had not read yet (measured: 8 MB frames came back 1006 every time with a FIN, 1009 without).

aiohttp has no switch for this. The one hook is `WebSocketResponse._close_transport`, which aiohttp calls
to close the TCP socket; `LingeringWebSocketResponse` overrides it for peers that broke the protocol and
leaves every other close as aiohttp does it. `tests/mockserver/test_lingering_close.py` fails if an aiohttp
upgrade stops calling the hook.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import WebSocketError, web

LINGER_CAP_S = 30.0  # Apache's MAX_SECS_TO_LINGER: a peer that keeps sending past this is cut off


class _Discarding(asyncio.Protocol):
    """Takes over a lingering transport: drops what arrives, and closes once the peer closes or goes quiet."""

    def __init__(self, transport: asyncio.Transport, original: asyncio.BaseProtocol, quiet_s: float) -> None:
        self._transport = transport
        self._original = original
        self._quiet_s = quiet_s
        self.ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._quiet_timer = asyncio.get_running_loop().call_later(quiet_s, transport.close)

    def data_received(self, data: bytes) -> None:
        # the rest of a frame we already refused, or the peer's close frame: nothing unread may stay behind
        self._quiet_timer.cancel()
        self._quiet_timer = asyncio.get_running_loop().call_later(self._quiet_s, self._transport.close)

    def eof_received(self) -> bool:
        return False  # the peer has closed its side: let the transport close

    def pause_writing(self) -> None:
        self._original.pause_writing()

    def resume_writing(self) -> None:
        self._original.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self._quiet_timer.cancel()
        self._original.connection_lost(exc)  # aiohttp's bookkeeping of the connection, as if it had stayed
        if not self.ended.done():
            self.ended.set_result(None)


class LingeringWebSocketResponse(web.WebSocketResponse):
    """A WebSocketResponse whose socket, failed on bad input, lingers before it closes.

    The socket keeps reading (and dropping) until the peer closes it, or sends nothing for `quiet_s`, and
    is aborted if neither happens within `LINGER_CAP_S`.
    """

    def __init__(self, *, quiet_s: float, **options: Any) -> None:
        super().__init__(**options)
        self._quiet_s = quiet_s
        self._transport: asyncio.Transport | None = None
        self._discarding: _Discarding | None = None

    async def prepare(self, request: web.BaseRequest) -> Any:
        writer = await super().prepare(request)
        transport = request.transport
        self._transport = transport if isinstance(transport, asyncio.Transport) else None
        return writer

    def _close_transport(self) -> None:
        if self._discarding is not None:
            return  # already lingering: the transport closes when the peer is done
        transport = self._transport
        if (
            isinstance(self.exception(), WebSocketError)  # the peer broke the framing, maybe mid-frame
            and transport is not None
            and not transport.is_closing()
        ):
            self._discarding = _Discarding(transport, transport.get_protocol(), self._quiet_s)
            transport.set_protocol(self._discarding)
            transport.resume_reading()  # aiohttp may have paused reading; the rest must be read to be dropped
            return
        super()._close_transport()

    async def finish_lingering(self) -> None:
        """Wait until a lingering socket has closed; abort it at the cap (or if this task is cancelled)."""
        discarding, transport = self._discarding, self._transport
        if discarding is None or transport is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(discarding.ended), LINGER_CAP_S)
        except TimeoutError:
            pass
        finally:
            if not discarding.ended.done():
                transport.abort()
