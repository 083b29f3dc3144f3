"""A client written only from docs/spec/wire-facts.md (tests/wire/independent_codec.py, no generated code)
runs every chats flow against `osmium-mock` started as a user would start it (issue 3).

Field numbers below are read off wire-facts.md; each helper names the message it encodes.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.wire.independent_codec import Decoded, blob, decode, fixed64, message, string, uint

# ClientMessage members (wire-facts.md, osmium.client.core.ClientMessage)
SIGN_IN, SIGN_UP, SEND, HISTORY, GET_CHATS, CREATE_INVITE, LOOKUP_INVITE, USE_INVITE = 2, 3, 4, 5, 11, 14, 15, 16
DELETE_MESSAGE, INITIALIZE, AUTHORIZE, MARK_READ, GET_CHAT, EDIT_MESSAGE, SET_TYPING = 17, 19, 20, 21, 25, 26, 28
LOOKUP_USERNAME, CREATE_CHAT, EDIT_CHAT, REMOVE_MEMBER, GET_PROFILE, DELETE_INVITE = 48, 50, 52, 53, 57, 59
LIST_INVITES, NOTIF_PREFS, UNREAD_MENTIONS, ADD_MEMBER = 61, 73, 86, 96
# RPCResult members
ERROR, SENT_MESSAGE, AUTHORIZATION, MESSAGES, CHATS, CREATED_INVITE, INITIALIZED, CHAT = 2, 3, 4, 7, 9, 11, 14, 15
USER_DETAILS, GROUP, INVITE_PREVIEW, PROFILE, INVITE_LIST, UNREAD_MENTIONS_RESULT = 20, 22, 23, 26, 27, 38
# Update members
U_MESSAGE_CREATED, U_MESSAGE_DELETED, U_MESSAGE, U_TYPING, U_CHAT, U_GROUP, U_LAST_READ = 1, 3, 8, 9, 13, 20, 24

ROOT = Path(__file__).resolve().parents[2]


def group_ref(group_id: int) -> bytes:
    return message(1, message(3, fixed64(1, group_id)))  # ChatRef{group: GroupRef{group_id}} as field 1


def user_ref(user_id: int) -> bytes:
    return message(1, message(1, fixed64(1, user_id)))


def self_ref() -> bytes:
    return message(1, message(4))


class RawClient:
    """One socket: requests by member number, results by req_id, updates kept in arrival order."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.next_id = 1
        self.updates: list[tuple[int, Decoded]] = []
        self.user_id = 0
        self.token = ""

    async def call(self, member: int, *body: bytes) -> tuple[int | None, Decoded]:
        req_id = self.next_id
        self.next_id += 1
        await self.ws.send_bytes(uint(1, req_id) + message(member, *body))
        while True:
            frame = await asyncio.wait_for(self.ws.receive(), 5)
            assert frame.type == aiohttp.WSMsgType.BINARY, frame
            server = decode(frame.data)
            result = server.sub(3)
            if result is None:
                update = server.sub(2)
                assert update is not None
                (number, raw), = ((n, v[0]) for n, v in update.fields.items())
                self.updates.append((number, decode(raw)))
                continue
            assert result.first(1, 0) == req_id
            members = [n for n in result.fields if n not in (1, 37)]
            if not members:
                return None, Decoded()
            return members[0], result.sub(members[0]) or Decoded()

    async def ok(self, member: int, *body: bytes) -> tuple[int | None, Decoded]:
        kind, payload = await self.call(member, *body)
        assert kind != ERROR, f"member {member}: error {payload.first(1)} {payload.text(2)}"
        return kind, payload

    async def error_code(self, member: int, *body: bytes) -> int:
        kind, payload = await self.call(member, *body)
        assert kind == ERROR, f"member {member}: expected an error, got result member {kind}"
        return int(payload.first(1, 0))

    async def settle(self) -> None:
        """A round trip: every update caused by earlier requests has arrived once it is back."""
        await self.ok(GET_CHATS, uint(1, 1))

    def take(self, member: int) -> list[Decoded]:
        taken = [u for n, u in self.updates if n == member]
        self.updates = [(n, u) for n, u in self.updates if n != member]
        return taken


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    process = subprocess.Popen([sys.executable, "-m", "mockserver", "--port", "0", "--admin", "--virtual-clock"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    assert url.startswith("ws://"), url
    yield url
    process.terminate()
    process.wait(10)


async def connect(session: aiohttp.ClientSession, url: str, name: str | None, *, email: str = "") -> RawClient:
    client = RawClient(await session.ws_connect(url))
    kind, _ = await client.ok(INITIALIZE, string(2, "independent"))
    assert kind == INITIALIZED
    if name is not None:
        parts = [string(3, name)] + ([string(1, email), string(2, "secret")] if email else [])
        kind, auth = await client.ok(SIGN_UP, *parts)
        assert kind == AUTHORIZATION
        user = auth.sub(2)
        assert user is not None
        client.user_id, client.token = user.first(1), auth.text(1)
    return client


def run(coroutine_function: object, url: str) -> None:
    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            await coroutine_function(session, url)  # type: ignore[operator]

    asyncio.run(main())


def test_lifecycle_and_auth(server: str) -> None:
    async def flow(session: aiohttp.ClientSession, url: str) -> None:
        bare = RawClient(await session.ws_connect(url))
        assert await bare.error_code(GET_CHATS) == 400  # before Initialize
        await bare.ok(INITIALIZE)
        assert await bare.error_code(GET_CHATS) == 401  # before authorization
        email = f"indep-{id(bare)}@example.test"
        alice = await connect(session, url, "alice", email=email)
        kind, signed_in = await bare.ok(SIGN_IN, string(1, email), string(2, "secret"))
        assert kind == AUTHORIZATION and signed_in.sub(2).first(1) == alice.user_id  # type: ignore[union-attr]
        other = await connect(session, url, None)
        kind, authorized = await other.ok(AUTHORIZE, string(5, alice.token))  # token is field 5
        assert kind == AUTHORIZATION and authorized.text(1) == alice.token
        assert await other.error_code(AUTHORIZE, string(5, "no-such-token")) == 401
        kind, _profile = await alice.ok(GET_PROFILE, message(1, fixed64(1, alice.user_id)))
        assert kind == PROFILE

    run(flow, server)


def test_groups_messages_read_state_typing(server: str) -> None:
    async def flow(session: aiohttp.ClientSession, url: str) -> None:
        alice, bob, carol = [await connect(session, url, n) for n in ("alice", "bob", "carol")]
        kind, group = await alice.ok(CREATE_CHAT, message(1, fixed64(1, bob.user_id)), string(2, "team"))
        assert kind == GROUP and group.first(3) == 1  # owner = true for the creator
        group_id = group.first(1)
        assert group.packed_fixed64(4) == [alice.user_id, bob.user_id]
        await bob.settle()
        [bob_view] = [g.sub(1) for g in bob.take(U_GROUP)]
        assert bob_view is not None and bob_view.first(3, 0) == 0  # owner = false for the member
        kind, sent = await alice.ok(SEND, group_ref(group_id), string(2, "hello"))
        assert kind == SENT_MESSAGE
        message_id = sent.first(1)
        await bob.settle()
        created = [u.sub(1) for u in bob.take(U_MESSAGE_CREATED)]
        assert any(m is not None and m.first(2) == message_id and m.text(4) == "hello" for m in created)
        kind, history = await bob.ok(HISTORY, group_ref(group_id), uint(2, 10))
        assert kind == MESSAGES and message_id in [m.first(2) for m in history.subs(1)]
        kind, chat = await bob.ok(GET_CHAT, group_ref(group_id))
        conversation = chat.sub(1)
        assert kind == CHAT and conversation is not None and conversation.first(5, 0) >= 1  # unread_count
        await bob.ok(MARK_READ, group_ref(group_id), fixed64(2, message_id))
        await bob.settle()
        [last_read] = bob.take(U_LAST_READ)
        assert last_read.first(2) == message_id and last_read.first(3, 0) == 0
        await bob.ok(SET_TYPING, group_ref(group_id), uint(2, 1), uint(3, 1))  # action UPLOAD_IMAGE
        await alice.settle()
        [typing] = alice.take(U_TYPING)
        assert typing.first(2) == bob.user_id and typing.first(3) == 1 and typing.first(4) == 1
        await alice.ok(EDIT_MESSAGE, group_ref(group_id), fixed64(2, message_id), string(3, "edited"))
        await alice.ok(DELETE_MESSAGE, group_ref(group_id), blob(2, message_id.to_bytes(8, "little")))  # packed
        await bob.settle()
        assert bob.take(U_MESSAGE) and bob.take(U_MESSAGE_DELETED)
        kind, _ = await alice.ok(EDIT_CHAT, group_ref(group_id), string(2, "renamed"))
        assert kind == CHAT
        assert await bob.error_code(EDIT_CHAT, group_ref(group_id), string(2, "nope")) == 403
        assert (await alice.ok(ADD_MEMBER, group_ref(group_id), fixed64(2, carol.user_id)))[0] is None
        assert (await alice.ok(REMOVE_MEMBER, group_ref(group_id), fixed64(2, carol.user_id)))[0] is None
        assert await carol.error_code(HISTORY, group_ref(group_id)) == 403
        kind, chats = await bob.ok(GET_CHATS, uint(1, 10))
        assert kind == CHATS and group_id in [g.first(1) for g in chats.subs(3)]
        await alice.ok(NOTIF_PREFS, uint(1, 2), message(2, message(3, fixed64(1, group_id))))  # NONE, chat_ref = 2
        kind, chat = await alice.ok(GET_CHAT, group_ref(group_id))
        assert chat.sub(1).first(8) == 2  # type: ignore[union-attr]  # Conversation.notif_prefs
        kind, _mentions = await alice.ok(UNREAD_MENTIONS, group_ref(group_id))
        assert kind == UNREAD_MENTIONS_RESULT

    run(flow, server)


def test_dms_and_saved_messages(server: str) -> None:
    async def flow(session: aiohttp.ClientSession, url: str) -> None:
        alice, bob = [await connect(session, url, n) for n in ("alice", "bob")]
        await alice.ok(SEND, user_ref(bob.user_id), string(2, "psst"))
        await bob.settle()
        [created] = bob.take(U_MESSAGE_CREATED)
        ref = created.sub(1).sub(1)  # type: ignore[union-attr]
        assert ref is not None and ref.sub(1).first(1) == alice.user_id  # type: ignore[union-attr]  # viewer-relative
        await alice.ok(SEND, self_ref(), string(2, "note to self"))
        kind, history = await alice.ok(HISTORY, self_ref())
        assert kind == MESSAGES and [m.text(4) for m in history.subs(1)] == ["note to self"]

    run(flow, server)


def test_invites(server: str) -> None:
    async def flow(session: aiohttp.ClientSession, url: str) -> None:
        alice, bob = [await connect(session, url, n) for n in ("alice", "bob")]
        kind, group = await alice.ok(CREATE_CHAT, string(2, "club"))
        group_id = group.first(1)
        kind, created = await alice.ok(CREATE_INVITE, group_ref(group_id), uint(3, 1))  # max_uses 1
        assert kind == CREATED_INVITE
        code = created.text(1)
        stranger = await connect(session, url, None)
        kind, preview = await stranger.ok(LOOKUP_INVITE, string(1, code))  # allowed before auth
        assert kind == INVITE_PREVIEW and preview.first(3) == group_id and preview.first(4) == 2  # GROUP
        assert (await bob.ok(USE_INVITE, string(1, code)))[0] is None
        kind, listing = await alice.ok(LIST_INVITES, group_ref(group_id))
        assert kind == INVITE_LIST and listing.subs(1) == []  # exhausted invites are not listed
        assert await bob.error_code(USE_INVITE, string(1, code)) == 404
        kind, second = await alice.ok(CREATE_INVITE, group_ref(group_id))
        assert (await alice.ok(DELETE_INVITE, string(1, second.text(1))))[0] is None
        assert await stranger.error_code(LOOKUP_INVITE, string(1, second.text(1))) == 404

    run(flow, server)
