"""Writes queued frames to a socket many at a time: one transport write (one syscall) per batch, not per frame.

aiohttp's `send_bytes` costs one transport write per frame; a writer that wakes up to 64 queued answers
would pay 64 syscalls. Server frames are unmasked and, with `compress=False`, uncompressed, so a binary frame
is just a 2-10 byte header and the payload (RFC 6455 §5.2), which we build here and write in one go. Flow
control stays aiohttp's: when the transport's buffer passes its high-water mark the protocol pauses writing,
and `drained()` waits for it to resume exactly as aiohttp's own writer does. aiohttp still writes its control
frames (pong, close) itself; every write is a whole frame, so the two never interleave inside a frame.
"""

from __future__ import annotations

import asyncio

from aiohttp.base_protocol import BaseProtocol

_FIN_BINARY = 0x82
_LEN16 = 126
_LEN64 = 127
MAX_BATCH_BYTES = 256 * 1024  # past this a batch is written and the next one started


def frame_header(length: int) -> bytes:
    """The header of one final, unmasked binary frame of `length` payload bytes."""
    if length < _LEN16:
        return bytes((_FIN_BINARY, length))
    if length < 1 << 16:
        return bytes((_FIN_BINARY, _LEN16)) + length.to_bytes(2, "big")
    return bytes((_FIN_BINARY, _LEN64)) + length.to_bytes(8, "big")


def encode_frames(payloads: list[bytes]) -> bytes:
    """Several binary frames back to back."""
    parts: list[bytes] = []
    for payload in payloads:
        parts.append(frame_header(len(payload)))
        parts.append(payload)
    return b"".join(parts)


class FrameSink:
    """The write side of one upgraded socket."""

    def __init__(self, transport: asyncio.BaseTransport, protocol: BaseProtocol) -> None:
        self._transport = transport
        self._protocol = protocol

    @property
    def writable(self) -> bool:
        return not self._transport.is_closing()

    def write(self, payloads: list[bytes]) -> None:
        self._transport.write(encode_frames(payloads))  # type: ignore[attr-defined]

    @property
    def paused(self) -> bool:
        """The transport's buffer is over its high-water mark: the peer is not keeping up."""
        return self._protocol.writing_paused

    def abort(self) -> None:
        """Drop the connection at once: for a peer that cannot even be sent a close frame."""
        self._transport.abort()  # type: ignore[attr-defined]

    async def drained(self) -> None:
        """Wait until the transport accepts more (aiohttp's own flow-control wait)."""
        await self._protocol._drain_helper()
