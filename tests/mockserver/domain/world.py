"""A small driver for the domain core: users signed up through the real RPC, requests built from keyword
arguments, results unwrapped or errors checked. Time is a VirtualClock that moves only when told."""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.clock import VirtualClock
from mockserver.domain.contract import Caller, Delivery, Outcome
from mockserver.domain.credentials import INVITE_CODE_LENGTH
from mockserver.domain.service import ChatService, ServiceOptions
from mockserver.snowflake import SnowflakeGenerator
from osmiumwire import core_pb2, refs_pb2, types_pb2, updates_pb2

START_MS = 1_790_000_000_000


@dataclass(frozen=True)
class Actor:
    user_id: int
    session_id: int
    token: str

    @property
    def caller(self) -> Caller:
        return Caller(user_id=self.user_id, session_id=self.session_id)


class World:
    def __init__(self, *, service_messages: bool = True, invite_code_length: int = INVITE_CODE_LENGTH) -> None:
        self.clock = VirtualClock(START_MS)
        options = ServiceOptions(service_messages=service_messages, invite_code_length=invite_code_length)
        self.service = ChatService(self.clock, SnowflakeGenerator(self.clock), options)
        self._count = 0

    def call(self, who: Actor | Caller | None, member: str, **fields: object) -> Outcome:
        """Send `ClientMessage{member: fields}` as `who` (None = unauthenticated)."""
        request = core_pb2.ClientMessage(id=1, **{member: fields})  # type: ignore[arg-type]
        caller = who.caller if isinstance(who, Actor) else (who or Caller())
        return self.service.handle(caller, request)

    def ok(self, who: Actor | Caller | None, member: str, **fields: object) -> Outcome:
        outcome = self.call(who, member, **fields)
        assert not outcome.result.HasField("error"), f"{member} failed: {outcome.result.error}"
        return outcome

    def error(self, who: Actor | Caller | None, member: str, **fields: object) -> int:
        """The error code of a request that must fail; failures change nothing and deliver nothing."""
        outcome = self.call(who, member, **fields)
        assert outcome.result.HasField("error"), f"{member} unexpectedly succeeded: {outcome.result}"
        assert outcome.deliveries == [] and outcome.bind is None
        return outcome.result.error.error_code

    def sign_up(self, name: str | None = None, **fields: object) -> Actor:
        self._count += 1
        outcome = self.ok(None, "auth_sign_up", name=name or f"user{self._count}", **fields)
        auth = outcome.result.authorization
        return Actor(user_id=auth.user.id, session_id=auth.session_id, token=auth.token)


def group_ref(group_id: int) -> dict[str, object]:
    return {"group": {"group_id": group_id}}


def user_ref(user_id: int) -> dict[str, object]:
    return {"user": {"user_id": user_id}}


SELF_REF: dict[str, object] = {"self": {}}


def kinds(deliveries: list[Delivery]) -> list[tuple[int, str]]:
    """(recipient, update member) pairs in delivery order."""
    return [(d.user_id, str(d.update.WhichOneof("update"))) for d in deliveries]


def updates_for(deliveries: list[Delivery], user_id: int, member: str) -> list[updates_pb2.Update]:
    """The updates of one kind delivered to one user, in order."""
    return [d.update for d in deliveries if d.user_id == user_id and d.update.HasField(member)]


def ref_of(ref: refs_pb2.ChatRef) -> tuple[str, int]:
    kind = ref.WhichOneof("ref")
    if kind == "user":
        return ("user", ref.user.user_id)
    if kind == "group":
        return ("group", ref.group.group_id)
    return (str(kind), 0)


def send(world: World, who: Actor, ref: dict[str, object], text: str = "hi", **fields: object) -> int:
    """SendMessage and return the new message id."""
    return world.ok(who, "messages_send_message", chat_ref=ref, message=text, **fields).result.sent_message.message_id


def make_group(world: World, owner: Actor, *members: Actor, name: str = "g") -> int:
    users = [{"user_id": m.user_id} for m in members]
    return world.ok(owner, "chats_create_chat", name=name, users=users).result.group.id


def conversation(world: World, who: Actor, ref: dict[str, object]) -> types_pb2.Conversation:
    return world.ok(who, "chats_get_chat", chat_ref=ref).result.chat.chat


def history_ids(world: World, who: Actor, ref: dict[str, object], **fields: object) -> list[int]:
    result = world.ok(who, "messages_get_history", chat_ref=ref, **fields).result.messages
    return [m.message_id for m in result.messages]
