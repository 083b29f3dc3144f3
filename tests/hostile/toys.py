"""Hostile toy targets: tiny WebSocket servers that misbehave in one way each (issue 7, "the suite against
a hostile target").

Each toy answers just enough of the protocol (Initialize, SignUp, SignIn, Authorize) for a scenario to get
going, then misbehaves in its own way. They run on loopback in a background thread (`running(...)`), so
a test can point `osmium-conformance run --target` at them. `python -m tests.hostile.toys NAME` serves one
in the foreground for manual poking.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import os
import struct
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from aiohttp import WSMsgType, web

from osmiumwire import auth_pb2, core_pb2, refs_pb2, types_pb2, updates_pb2

DECLARED_LENGTH = 64 * 1024 * 1024  # what the lying frame header claims
ENORMOUS_FRAME = 24 * 1024 * 1024  # a real binary frame far above any sane client limit
FLOOD_BATCH = 16  # updates pushed between two yields to the event loop (accepting stays responsive)
FLOOD_TOTAL = 5_000  # per socket: a flood, but a finite one, so a CI machine is not pinned by it

Behaviour = Callable[[web.WebSocketResponse, "Session"], Awaitable[None]]


@dataclass
class Session:
    """What a toy remembers about one socket: the next ServerMessage id and the fake user it signed up."""

    next_id: int = 1
    user_id: int = 0
    transport: asyncio.BaseTransport | None = None  # the TCP connection under the WebSocket

    def envelope(self, **member: object) -> bytes:
        message = core_pb2.ServerMessage(id=self.next_id, **member)  # type: ignore[arg-type]
        self.next_id += 1
        return message.SerializeToString()


_user_ids = itertools.count(7_000_000_000_000_000_001)


def lifecycle_answer(request: core_pb2.ClientMessage, session: Session) -> core_pb2.RPCResult | None:
    """The honest answer to the lifecycle RPCs (so that scenarios reach their chat steps), else None."""
    member = request.WhichOneof("message")
    if member == "core_initialize":
        return core_pb2.RPCResult(req_id=request.id, initialized=core_pb2.Initialized())
    if member in ("auth_sign_up", "auth_sign_in", "auth_authorize"):
        session.user_id = session.user_id or next(_user_ids)
        name = request.auth_sign_up.name if member == "auth_sign_up" else "toy user"
        user = types_pb2.User(id=session.user_id, name=name)
        authorization = auth_pb2.Authorization(token=f"toy-{session.user_id}", user=user, session_id=session.user_id)
        return core_pb2.RPCResult(req_id=request.id, authorization=authorization)
    return None


# The result member each request is answered with by the toys that "answer" (with empty, useless content).
RESULT_OF = {
    "messages_send_message": "sent_message",
    "messages_get_history": "messages",
    "chats_get_chats": "chats",
    "chats_get_chat": "chat",
    "chats_create_chat": "group",
    "chats_edit_chat": "chat",
    "chats_create_chat_invite": "created_invite",
    "chats_list_chat_invites": "invite_list",
    "auth_lookup_invite": "invite_preview",
    "users_lookup_username": "user_details",
    "users_get_profile": "profile",
}
_message_ids = itertools.count(7_100_000_000_000_000_001)


def plausible_answer(request: core_pb2.ClientMessage, session: Session) -> core_pb2.RPCResult:
    """The lifecycle answered honestly, anything else with a result of the right type and nothing in it."""
    answer = lifecycle_answer(request, session)
    if answer is not None:
        return answer
    answer = core_pb2.RPCResult(req_id=request.id)
    member = RESULT_OF.get(request.WhichOneof("message") or "")
    if member == "sent_message":
        answer.sent_message.message_id = next(_message_ids)
    elif member is not None:
        getattr(answer, member).SetInParent()
    return answer


def decode(frame_data: bytes) -> core_pb2.ClientMessage | None:
    try:
        return core_pb2.ClientMessage.FromString(frame_data)
    except Exception:
        return None


async def each_request(ws: web.WebSocketResponse) -> AsyncIterator[core_pb2.ClientMessage]:
    """The decodable binary frames a client sends, in order, until it closes."""
    async for frame in ws:
        if frame.type == WSMsgType.BINARY:
            request = decode(frame.data)
            if request is not None:
                yield request


# --- behaviours ----------------------------------------------------------------------------------------


async def never_answers(ws: web.WebSocketResponse, session: Session) -> None:
    """Reads every frame and never writes one."""
    async for _ in ws:
        pass


async def never_pushes(ws: web.WebSocketResponse, session: Session) -> None:
    """Answers every request plausibly (right req_id, right result type) and never pushes an update."""
    async for request in each_request(ws):
        await ws.send_bytes(session.envelope(result=plausible_answer(request, session)))


async def wrong_req_id(ws: web.WebSocketResponse, session: Session) -> None:
    """Answers every request with a plausible result, under a req_id the client never used."""
    async for request in each_request(ws):
        answer = lifecycle_answer(request, session) or core_pb2.RPCResult()
        answer.req_id = (request.id + 1_000_003) & 0xFFFFFFFF
        await ws.send_bytes(session.envelope(result=answer))


async def closes_mid_scenario(ws: web.WebSocketResponse, session: Session) -> None:
    """Answers the lifecycle honestly, then closes the socket (1011) on the first chat request."""
    async for request in each_request(ws):
        answer = lifecycle_answer(request, session)
        if answer is None:
            await ws.close(code=1011, message=b"toy: closing mid-scenario")
            return
        await ws.send_bytes(session.envelope(result=answer))


async def drops_the_connection(ws: web.WebSocketResponse, session: Session) -> None:
    """Answers the lifecycle honestly, then drops the TCP connection (no close frame) on the first chat request."""
    async for request in each_request(ws):
        answer = lifecycle_answer(request, session)
        if answer is None:
            if session.transport is not None:
                session.transport.abort()  # type: ignore[attr-defined]
            return
        await ws.send_bytes(session.envelope(result=answer))


async def sends_garbage(ws: web.WebSocketResponse, session: Session) -> None:
    """Answers every frame with bytes that are not a ServerMessage."""
    async for frame in ws:
        if frame.type == WSMsgType.BINARY:
            await ws.send_bytes(b"\xff\xff\xff\xff\x0f" + os.urandom(11))


async def sends_text(ws: web.WebSocketResponse, session: Session) -> None:
    """Answers every frame with a text frame (the protocol is binary only)."""
    async for frame in ws:
        if frame.type == WSMsgType.BINARY:
            await ws.send_str('{"result": "this is not protobuf"}')


async def sends_enormous_frames(ws: web.WebSocketResponse, session: Session) -> None:
    """Answers the lifecycle, then answers a chat request with one 24 MiB binary frame."""
    async for request in each_request(ws):
        answer = lifecycle_answer(request, session)
        if answer is None:
            await ws.send_bytes(b"\x00" * ENORMOUS_FRAME)
        else:
            await ws.send_bytes(session.envelope(result=answer))


async def floods_updates(ws: web.WebSocketResponse, session: Session) -> None:
    """Answers every request plausibly and, once the socket is signed in, pushes 5,000 typing updates of a
    chat nobody is in, as fast as the socket takes them (the updates a scenario waits for never come)."""
    flooders: list[asyncio.Task[None]] = []

    async def flood() -> None:
        typing = updates_pb2.Update(
            chat_typing=updates_pb2.UpdateChatTyping(
                chat_ref=refs_pb2.ChatRef(group=refs_pb2.GroupRef(group_id=42)), user_id=42, typing=True
            )
        )
        for _ in range(FLOOD_TOTAL // FLOOD_BATCH):
            if ws.closed:
                return
            for _ in range(FLOOD_BATCH):
                await ws.send_bytes(session.envelope(update=typing))
            await asyncio.sleep(0)  # a yield to the loop, not a wait: lets the request loop below run

    try:
        async for request in each_request(ws):
            await ws.send_bytes(session.envelope(result=plausible_answer(request, session)))
            if session.user_id and not flooders:
                flooders.append(asyncio.get_running_loop().create_task(flood()))
    finally:
        for flooder in flooders:
            flooder.cancel()
        await asyncio.gather(*flooders, return_exceptions=True)


BEHAVIOURS: dict[str, Behaviour] = {
    "never-answers": never_answers,
    "never-pushes": never_pushes,
    "wrong-req-id": wrong_req_id,
    "closes-mid-scenario": closes_mid_scenario,
    "drops-the-connection": drops_the_connection,
    "sends-garbage": sends_garbage,
    "sends-text": sends_text,
    "sends-enormous-frames": sends_enormous_frames,
    "floods-updates": floods_updates,
}


def make_app(behaviour: Behaviour) -> web.Application:
    async def handler(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=4 * 1024 * 1024, compress=False)
        await ws.prepare(request)
        with suppress(ConnectionError, asyncio.CancelledError):
            await behaviour(ws, Session(transport=request.transport))
        return ws

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    return app


# --- a lying frame header, on a raw TCP stream ----------------------------------------------------------

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def accept_key(client_key: bytes) -> bytes:
    return base64.b64encode(hashlib.sha1(client_key.strip() + WS_GUID).digest())


async def declares_64_mib(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Completes the WebSocket handshake by hand, then sends a frame header declaring 64 MiB and 16 bytes.

    A client that buffers frames up to their declared length would wait forever; a sane one refuses the
    frame (its size limit) or gives up at its step timeout.
    """
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        key = next(
            (line.split(b":", 1)[1] for line in head.split(b"\r\n") if line.lower().startswith(b"sec-websocket-key:")),
            b"",
        )
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept_key(key) + b"\r\n\r\n"
        )
        await reader.read(1)  # the client's first frame has begun: now lie to it
        writer.write(b"\x82\x7f" + struct.pack("!Q", DECLARED_LENGTH) + b"\x00" * 16)
        await writer.drain()
        while await reader.read(65536):
            pass  # swallow the rest; never send the promised bytes
    except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def hangs_in_the_handshake(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Accepts the TCP connection, reads the upgrade request, and never answers it."""
    try:
        while await reader.read(65536):
            pass
    except ConnectionError:
        pass
    finally:
        writer.close()


RAW_TOYS = {"declares-64-mib": declares_64_mib, "hangs-in-the-handshake": hangs_in_the_handshake}


# --- running a toy in the background --------------------------------------------------------------------


@dataclass
class RunningToy:
    url: str
    loop: asyncio.AbstractEventLoop


@contextmanager
def running(name: str) -> Iterator[RunningToy]:
    """Serve toy `name` on 127.0.0.1 (a free port) in a background thread for the duration of the block."""
    ready = threading.Event()
    started: dict[str, object] = {}
    stop: asyncio.Future[None] | None = None

    async def serve() -> None:
        nonlocal stop
        stop = asyncio.get_running_loop().create_future()
        if name in RAW_TOYS:
            server = await asyncio.start_server(RAW_TOYS[name], "127.0.0.1", 0)
            port = server.sockets[0].getsockname()[1]
            started["url"] = f"ws://127.0.0.1:{port}/"
            ready.set()
            async with server:
                await stop
            return
        runner = web.AppRunner(make_app(BEHAVIOURS[name]), handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        started["url"] = f"ws://127.0.0.1:{port}/"
        ready.set()
        try:
            await stop
        finally:
            await runner.cleanup()

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), name=f"toy-{name}", daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError(f"toy {name} did not start")
    try:
        yield RunningToy(str(started["url"]), loop)
    finally:
        loop.call_soon_threadsafe(_resolve, stop)
        thread.join(10)
        loop.close()


def _resolve(future: asyncio.Future[None] | None) -> None:
    if future is not None and not future.done():
        future.set_result(None)


def closed_port_url() -> str:
    """A loopback URL nobody listens on (bound, then closed): the suite must report it unreachable (exit 3)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"ws://127.0.0.1:{port}/"


ALL_TOYS = [*BEHAVIOURS, *RAW_TOYS]


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1] not in ALL_TOYS:
        print(f"usage: python -m tests.hostile.toys {{{','.join(ALL_TOYS)}}}", file=sys.stderr)
        raise SystemExit(2)
    with running(sys.argv[1]) as toy:
        print(toy.url, flush=True)
        with suppress(KeyboardInterrupt):  # Ctrl-C is how a manual session ends, not an error
            threading.Event().wait()


if __name__ == "__main__":
    main()
