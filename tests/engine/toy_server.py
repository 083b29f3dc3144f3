"""A small Osmium server written for the engine's tests, able to misbehave on purpose.

It speaks just enough of the protocol (initialize, sign-up, authorize, create chat, get chats, typing,
lookup invite) to run scenarios, and each misbehaviour (never answer, close, send garbage, answer with
the wrong req_id, push an update nobody expects) can be switched on per RPC member.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from aiohttp import WSCloseCode, WSMsgType, web
from google.protobuf.message import DecodeError

from osmiumwire import auth_pb2, chats_pb2, core_pb2, types_pb2, updates_pb2


@dataclass
class Misbehaviour:
    silent_on: set[str] = field(default_factory=set)  # never answer these members
    close_on: set[str] = field(default_factory=set)  # close the socket instead of answering
    garbage_on: set[str] = field(default_factory=set)  # answer with bytes that are not a ServerMessage
    wrong_req_id_on: set[str] = field(default_factory=set)  # answer with req_id + 1000
    stray_typing_on_create: bool = False  # CreateChat also pushes a chat_typing to the members
    flood_on_create: int = 0  # CreateChat also pushes this many chat_typing updates to the members
    owner_flag_wrong: bool = False  # members' UpdateGroup says owner=true
    error_code: int = 404  # code for LookupInvite errors
    refuse_after: int | None = None  # refuse the WebSocket handshake (HTTP 503) after this many sockets
    reset_on_oversized: bool = False  # a frame over 1 MiB resets the connection: no close frame at all


class _ResettingResponse(web.WebSocketResponse):
    """Refuses an oversized frame the rude way, by resetting the TCP connection while the peer is still sending."""

    async def close(self, *, code: int = WSCloseCode.OK, message: bytes = b"", drain: bool = True) -> bool:
        transport = self._req.transport if self._req is not None else None
        if code == WSCloseCode.MESSAGE_TOO_BIG and transport is not None:
            transport.abort()  # aiohttp's own close below then finds the transport gone and sends nothing
        return await super().close(code=code, message=message, drain=drain)


@dataclass
class User:
    id: int
    name: str
    token: str
    sockets: list[web.WebSocketResponse] = field(default_factory=list)


class ToyServer:
    def __init__(self, misbehaviour: Misbehaviour | None = None, *, control_api: bool = True) -> None:
        self.misbehaviour = misbehaviour or Misbehaviour()
        self.control_api = control_api
        self.ids = itertools.count(1_000_001)
        self.users: dict[str, User] = {}
        self.by_id: dict[int, User] = {}
        self.accepted = 0
        self.groups: dict[int, list[int]] = {}
        self.now_ms = 1_700_000_000_000
        self.capabilities = ["sign-up", "clock-control", "seed-users", "multi-device", "raw-frames"]
        self.runner: web.AppRunner | None = None
        self.url = ""
        self.admin_url = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/ws", self.websocket)
        if self.control_api:
            app.router.add_get("/__admin/capabilities", self.get_capabilities)
            app.router.add_get("/__admin/clock", self.get_clock)
            app.router.add_post("/__admin/clock", self.post_clock)
            app.router.add_post("/__admin/users", self.post_users)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"ws://127.0.0.1:{port}/ws"
        self.admin_url = f"http://127.0.0.1:{port}/__admin"
        return self.url

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    # control API
    async def get_capabilities(self, request: web.Request) -> web.Response:
        return web.json_response({"capabilities": self.capabilities})

    async def get_clock(self, request: web.Request) -> web.Response:
        return web.json_response({"now_ms": self.now_ms, "virtual": True})

    async def post_clock(self, request: web.Request) -> web.Response:
        body = await request.json()
        if "advance_ms" in body:
            self.now_ms += int(body["advance_ms"])
        else:
            self.now_ms = int(body["set_ms"])
        return web.json_response({"now_ms": self.now_ms, "virtual": True})

    async def post_users(self, request: web.Request) -> web.Response:
        body = await request.json()
        created = [self.new_user(u["name"]) for u in body["users"]]
        return web.json_response(
            {"users": [{"id": str(u.id), "session_id": str(next(self.ids)), "token": u.token} for u in created]}
        )

    def new_user(self, name: str) -> User:
        user = User(next(self.ids), name, f"token-{len(self.users)}")
        self.users[user.token] = user
        self.by_id[user.id] = user
        return user

    # protocol
    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        refuse_after = self.misbehaviour.refuse_after
        if refuse_after is not None:
            if self.accepted >= refuse_after:
                raise web.HTTPServiceUnavailable(text="going away")
            self.accepted += 1
        resets = self.misbehaviour.reset_on_oversized
        ws = _ResettingResponse(max_msg_size=1 << 20) if resets else web.WebSocketResponse()
        await ws.prepare(request)
        state: dict[str, User] = {}
        async for frame in ws:
            if frame.type == WSMsgType.TEXT:
                await ws.close(code=1003)
                break
            if frame.type != WSMsgType.BINARY:
                continue
            try:
                message = core_pb2.ClientMessage.FromString(frame.data)
            except DecodeError:
                await self.answer(ws, core_pb2.RPCResult(req_id=0, error=core_pb2.RPCError(error_code=400)))
                continue
            member = message.WhichOneof("message")
            if member is None:
                continue  # heartbeat
            if not await self.handle(ws, state, message, member):
                break
        return ws

    async def answer(self, ws: web.WebSocketResponse, result: core_pb2.RPCResult) -> None:
        await ws.send_bytes(core_pb2.ServerMessage(result=result).SerializeToString())

    async def push(self, user: User, update: updates_pb2.Update) -> None:
        for socket in list(user.sockets):
            if not socket.closed:
                await socket.send_bytes(core_pb2.ServerMessage(update=update).SerializeToString())

    async def handle(
        self, ws: web.WebSocketResponse, state: dict[str, User], message: core_pb2.ClientMessage, member: str
    ) -> bool:
        bad = self.misbehaviour
        if member in bad.silent_on:
            return True
        if member in bad.close_on:
            await ws.close(code=1011)
            return False
        if member in bad.garbage_on:
            await ws.send_bytes(b"\xff\xff\xff")
            return True
        result = core_pb2.RPCResult(req_id=message.id + (1000 if member in bad.wrong_req_id_on else 0))
        after: list[tuple[User, updates_pb2.Update]] = []
        if member == "core_initialize":
            result.initialized.SetInParent()
        elif member == "auth_sign_up":
            user = self.new_user(message.auth_sign_up.name)
            self.bind(ws, state, user, result)
        elif member == "auth_authorize":
            user_or_none = self.users.get(message.auth_authorize.token)
            if user_or_none is None:
                result.error.error_code = 401
            else:
                self.bind(ws, state, user_or_none, result)
        elif member == "chats_create_chat":
            owner = state["user"]
            members = [owner.id] + [u.user_id for u in message.chats_create_chat.users]
            group_id = next(self.ids)
            self.groups[group_id] = members
            result.group.CopyFrom(
                types_pb2.Group(id=group_id, name=message.chats_create_chat.name, owner=True, participant_ids=members)
            )
            for user_id in members:
                viewer_owner = user_id == owner.id or bad.owner_flag_wrong
                group = types_pb2.Group(
                    id=group_id, name=message.chats_create_chat.name, owner=viewer_owner, participant_ids=members
                )
                after.append((self.by_id[user_id], updates_pb2.Update(group=updates_pb2.UpdateGroup(group=group))))
                if bad.stray_typing_on_create and user_id != owner.id:
                    typing = updates_pb2.UpdateChatTyping(user_id=owner.id, typing=True)
                    after.append((self.by_id[user_id], updates_pb2.Update(chat_typing=typing)))
                for _ in range(bad.flood_on_create if user_id != owner.id else 0):
                    typing = updates_pb2.UpdateChatTyping(user_id=owner.id, typing=False)
                    after.append((self.by_id[user_id], updates_pb2.Update(chat_typing=typing)))
        elif member == "chats_get_chats":
            result.chats.SetInParent()
        elif member == "chats_set_typing":
            result.SetInParent()
            ref = message.chats_set_typing.chat_ref
            for user_id in self.groups.get(ref.group.group_id, []):
                if user_id != state["user"].id:
                    typing = updates_pb2.UpdateChatTyping(
                        chat_ref=ref, user_id=state["user"].id, typing=message.chats_set_typing.typing
                    )
                    after.append((self.by_id[user_id], updates_pb2.Update(chat_typing=typing)))
        elif member == "auth_lookup_invite":
            result.error.error_code = bad.error_code
        else:
            result.error.error_code = 501
        await self.answer(ws, result)
        for user, update in after:
            await self.push(user, update)
        return True

    def bind(self, ws: web.WebSocketResponse, state: dict[str, User], user: User, result: core_pb2.RPCResult) -> None:
        state["user"] = user
        user.sockets.append(ws)
        result.authorization.CopyFrom(
            auth_pb2.Authorization(
                token=user.token, user=types_pb2.User(id=user.id, name=user.name), session_id=next(self.ids)
            )
        )


__all__ = ["Misbehaviour", "ToyServer", "chats_pb2"]
