"""A WebSocket client by hand, over a plain asyncio TCP stream (RFC 6455 framing, client side).

For what a library client will not do: stop reading its socket entirely (a slow consumer with a tiny
receive buffer), or send a frame header that declares 64 MiB and then only a few bytes.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct
from dataclasses import dataclass
from urllib.parse import urlsplit

OP_TEXT, OP_BINARY, OP_CLOSE = 0x1, 0x2, 0x8


class HandshakeFailed(Exception):
    """The server did not switch protocols."""


@dataclass
class RawSocket:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    async def send(self, payload: bytes, *, opcode: int = OP_BINARY) -> None:
        self.writer.write(client_frame(payload, opcode=opcode))
        await self.writer.drain()

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def read_frame(self) -> tuple[int, bytes]:
        """One server frame (servers do not mask): its opcode and payload."""
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return first & 0x0F, await self.reader.readexactly(length)

    async def read_until_closed(self) -> tuple[int | None, int]:
        """Drain the socket until it ends: (close code if a close frame came, payload bytes read before it)."""
        total = 0
        try:
            while True:
                opcode, payload = await self.read_frame()
                if opcode == OP_CLOSE:
                    return (struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None), total
                total += len(payload)
        except (asyncio.IncompleteReadError, ConnectionError):
            return None, total

    def close(self) -> None:
        self.writer.close()


def client_frame(payload: bytes, *, opcode: int = OP_BINARY, declared_length: int | None = None) -> bytes:
    """A final, masked client frame; `declared_length` lies about the payload length in the header."""
    length = len(payload) if declared_length is None else declared_length
    head = bytes([0x80 | opcode])
    if length < 126:
        head += bytes([0x80 | length])
    elif length < 1 << 16:
        head += bytes([0x80 | 126]) + struct.pack("!H", length)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", length)
    mask = os.urandom(4)
    return head + mask + bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))


async def connect(url: str, *, receive_buffer: int | None = None) -> RawSocket:
    """Open a TCP stream to a ws:// URL (optionally with a tiny SO_RCVBUF) and do the opening handshake."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)  # before connect: sets the window
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, port))
    reader, writer = await asyncio.open_connection(sock=sock)
    key = base64.b64encode(os.urandom(16))
    writer.write(
        b"GET " + (parts.path or "/").encode() + b" HTTP/1.1\r\nHost: " + f"{host}:{port}".encode() + b"\r\n"
        b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key + b"\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n"
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101"):
        writer.close()
        raise HandshakeFailed(head.split(b"\r\n", 1)[0].decode(errors="replace"))
    return RawSocket(reader, writer)
