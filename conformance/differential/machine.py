"""The hypothesis state machine: random multi-user, multi-device chat operations on both sides.

Every rule builds one `Op` and runs it through the `Sequence` (target and reference, compared). Values
the sequence creates (groups, messages, invite codes) go to bundles by alias, so later rules can use
them; hypothesis shrinks a failing sequence to a short one, which `export.py` writes out as a case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, multiple, precondition, rule

from conformance.differential.ops import MENTION_KEY, ClockOp, Mention, NowPlus, Op, Ref, chat_ref
from conformance.differential.pair import Endpoints, LoopThread, Sequence
from conformance.differential.sides import Cast

CAST = Cast.default(actors=3)
ACTORS = st.sampled_from(CAST.actors)
TEXTS = st.sampled_from(["hi", "hello there", "ok"])
ACTIONS = st.one_of(st.none(), st.sampled_from(["TYPING", "UPLOAD_IMAGE", "RECORDING_AUDIO"]))


@dataclass(frozen=True)
class ChatKey:
    """A chat independent of who looks at it: a group, the DM of two actors, or one actor's saved messages."""

    kind: str  # "group" | "dm" | "self"
    parts: tuple[str, ...]

    def ref_for(self, actor: str) -> dict[str, Any]:
        """The ChatRef this actor uses for the chat (a non-participant gets a ref that should be refused)."""
        if self.kind == "group":
            return chat_ref(("group", self.parts[0]))
        if self.kind == "self":
            return chat_ref(("self",)) if actor == self.parts[0] else chat_ref(("user", self.parts[0]))
        first, second = self.parts
        return chat_ref(("user", second if actor == first else first))


@dataclass(frozen=True)
class MessageKey:
    alias: str
    chat: ChatKey


def _alias(value: Any) -> str | None:
    return value[1:] if isinstance(value, str) and value.startswith("$") else None


class ChatMachine(RuleBasedStateMachine):
    """Configured by `configure()` with the two endpoints; one `Sequence` (fresh users) per example."""

    endpoints: ClassVar[Endpoints]
    loop: ClassVar[LoopThread]
    clock_control: ClassVar[bool] = False
    finished: ClassVar[list[Sequence]] = []

    groups = Bundle("groups")
    messages = Bundle("messages")
    invites = Bundle("invites")

    def __init__(self) -> None:
        super().__init__()
        self.sequence = Sequence(self.endpoints, self.loop, CAST)
        self._times = 0
        self.known_groups: list[ChatKey] = []

    def teardown(self) -> None:
        self.sequence.close()
        type(self).finished.append(self.sequence)

    def _run(self, actor: str, member: str, body: dict[str, Any], device: int = 0) -> dict[str, Any]:
        devices = CAST.devices[actor]
        op = Op(actor, devices[device % len(devices)], member, body)
        return self.sequence.run(op).result

    # groups -----------------------------------------------------------------------------------------
    @rule(target=groups, owner=ACTORS, members=st.lists(ACTORS, max_size=3, unique=True),
          name=st.sampled_from(["team", "g"]))
    def create_group(self, owner: str, members: list[str], name: str) -> Any:
        result = self._run(owner, "chats_create_chat",
                           {"name": name, "users": [{"user_id": Ref(m)} for m in members]})
        alias = _alias(result.get("group", {}).get("id"))
        if alias is None:
            return multiple()
        self.known_groups.append(ChatKey("group", (alias,)))
        return self.known_groups[-1]

    @rule(actor=ACTORS, group=groups, user=ACTORS)
    def add_member(self, actor: str, group: ChatKey, user: str) -> None:
        self._run(actor, "chats_add_chat_member", {"chat_ref": group.ref_for(actor), "user_id": Ref(user)})

    @rule(actor=ACTORS, group=groups, user=ACTORS)
    def remove_member(self, actor: str, group: ChatKey, user: str) -> None:
        self._run(actor, "chats_remove_chat_member", {"chat_ref": group.ref_for(actor), "user_id": Ref(user)})

    @rule(actor=ACTORS, group=groups, name=st.one_of(st.none(), st.sampled_from(["renamed", ""])))
    def edit_chat(self, actor: str, group: ChatKey, name: str | None) -> None:
        body: dict[str, Any] = {"chat_ref": group.ref_for(actor)}
        if name is not None:
            body["name"] = name
        self._run(actor, "chats_edit_chat", body)

    # messages ---------------------------------------------------------------------------------------
    def _chat(self, data: st.DataObject, actor: str) -> ChatKey:
        options: list[st.SearchStrategy[ChatKey]] = [
            st.just(ChatKey("self", (actor,))),
            ACTORS.map(lambda other: ChatKey("dm", tuple(sorted((actor, other)))) if other != actor
                       else ChatKey("self", (actor,))),
        ]
        if self.known_groups:
            options.append(st.sampled_from(self.known_groups))
        return data.draw(st.one_of(options))

    @rule(target=messages, actor=ACTORS, data=st.data(), text=TEXTS, mention=st.one_of(st.none(), ACTORS),
          device=st.integers(0, 1))
    def send_message(self, actor: str, data: st.DataObject, text: str, mention: str | None, device: int) -> Any:
        chat = self._chat(data, actor)
        body: dict[str, Any] = {"chat_ref": chat.ref_for(actor)}
        if mention is None:
            body["message"] = text
        else:
            body[MENTION_KEY] = Mention(mention, text)
        result = self._run(actor, "messages_send_message", body, device)
        alias = _alias(result.get("sent_message", {}).get("message_id"))
        return MessageKey(alias, chat) if alias else multiple()

    @rule(target=messages, actor=ACTORS, data=st.data(), count=st.integers(2, 4))
    def send_burst(self, actor: str, data: st.DataObject, count: int) -> Any:
        """Several messages to one chat: pages and read positions need more than one."""
        chat = self._chat(data, actor)
        keys = []
        for n in range(count):
            result = self._run(actor, "messages_send_message", {"chat_ref": chat.ref_for(actor), "message": f"m{n}"})
            alias = _alias(result.get("sent_message", {}).get("message_id"))
            if alias:
                keys.append(MessageKey(alias, chat))
        return multiple(*keys)

    @rule(actor=ACTORS, message=messages, text=TEXTS)
    def edit_message(self, actor: str, message: MessageKey, text: str) -> None:
        self._run(actor, "messages_edit_message",
                  {"chat_ref": message.chat.ref_for(actor), "message_id": Ref(message.alias), "message": text})

    @rule(actor=ACTORS, message=messages)
    def delete_message(self, actor: str, message: MessageKey) -> None:
        self._run(actor, "messages_delete_message",
                  {"chat_ref": message.chat.ref_for(actor), "message_ids": [Ref(message.alias)]})

    @rule(actor=ACTORS, message=messages, device=st.integers(0, 1))
    def mark_read(self, actor: str, message: MessageKey, device: int) -> None:
        self._run(actor, "chats_mark_chat_read",
                  {"chat_ref": message.chat.ref_for(actor), "message_id": Ref(message.alias)}, device)

    @rule(actor=ACTORS, data=st.data(), typing=st.booleans(), action=ACTIONS)
    def set_typing(self, actor: str, data: st.DataObject, typing: bool, action: str | None) -> None:
        body: dict[str, Any] = {"chat_ref": self._chat(data, actor).ref_for(actor), "typing": typing}
        if action is not None:
            body["action"] = action
        self._run(actor, "chats_set_typing", body)

    # reading ----------------------------------------------------------------------------------------
    @rule(actor=ACTORS, limit=st.one_of(st.none(), st.integers(1, 4)), bound=st.sampled_from(["none", "max", "min"]),
          message=messages)
    def get_chats(self, actor: str, limit: int | None, bound: str, message: MessageKey) -> None:
        body: dict[str, Any] = {}
        if limit is not None:
            body["limit"] = limit
        if bound != "none":
            body[f"{bound}_id"] = Ref(message.alias)
        self._run(actor, "chats_get_chats", body)

    @rule(actor=ACTORS, message=messages, limit=st.one_of(st.none(), st.integers(1, 5)),
          offset=st.sampled_from(["none", "before", "since", "around"]))
    def get_history(self, actor: str, message: MessageKey, limit: int | None, offset: str) -> None:
        body: dict[str, Any] = {"chat_ref": message.chat.ref_for(actor)}
        if limit is not None:
            body["limit"] = limit
        if offset != "none":
            body[offset] = Ref(message.alias)
        self._run(actor, "messages_get_history", body)

    @rule(actor=ACTORS, data=st.data())
    def get_chat(self, actor: str, data: st.DataObject) -> None:
        self._run(actor, "chats_get_chat", {"chat_ref": self._chat(data, actor).ref_for(actor)})

    @rule(actor=ACTORS, data=st.data(), prefs=st.sampled_from(["ALL", "MENTIONS", "NONE", "DEFAULT"]))
    def notification_preferences(self, actor: str, data: st.DataObject, prefs: str) -> None:
        self._run(actor, "settings_change_notification_preferences",
                  {"prefs": prefs, "chat_ref": self._chat(data, actor).ref_for(actor)})

    # invites ----------------------------------------------------------------------------------------
    @rule(target=invites, actor=ACTORS, group=groups, max_uses=st.one_of(st.none(), st.integers(0, 2)),
          expires_in=st.one_of(st.none(), st.integers(1, 3).map(lambda n: n * 1000)))
    def create_invite(self, actor: str, group: ChatKey, max_uses: int | None, expires_in: int | None) -> Any:
        body: dict[str, Any] = {"chat_ref": group.ref_for(actor)}
        if max_uses is not None:
            body["max_uses"] = max_uses
        if expires_in is not None and self.clock_control:
            self._times += 1
            body["expires_at"] = NowPlus(expires_in, f"e{self._times}")
        result = self._run(actor, "chats_create_chat_invite", body)
        alias = _alias(result.get("created_invite", {}).get("code"))
        return alias if alias else multiple()

    @rule(actor=ACTORS, code=invites)
    def use_invite(self, actor: str, code: str) -> None:
        self._run(actor, "auth_use_invite", {"code": Ref(code)})

    @rule(actor=ACTORS, code=invites)
    def lookup_invite(self, actor: str, code: str) -> None:
        self._run(actor, "auth_lookup_invite", {"code": Ref(code)})

    @rule(actor=ACTORS, code=invites)
    def delete_invite(self, actor: str, code: str) -> None:
        self._run(actor, "chats_delete_chat_invite", {"code": Ref(code)})

    @rule(actor=ACTORS, group=groups)
    def list_invites(self, actor: str, group: ChatKey) -> None:
        self._run(actor, "chats_list_chat_invites", {"chat_ref": group.ref_for(actor)})

    @precondition(lambda self: self.clock_control)
    @rule(actor=ACTORS, group=groups, user=ACTORS, offset=st.sampled_from([-1, 0, 1]),
          use=st.sampled_from(["auth_lookup_invite", "auth_use_invite"]))
    def invite_at_expiry_edge(self, actor: str, group: ChatKey, user: str, offset: int, use: str) -> None:
        """An invite expiring in 1 s, the clock moved to `expires_at + offset`, then looked up or used."""
        self._times += 1
        result = self._run(actor, "chats_create_chat_invite",
                           {"chat_ref": group.ref_for(actor), "expires_at": NowPlus(1000, f"e{self._times}")})
        alias = _alias(result.get("created_invite", {}).get("code"))
        self.sequence.advance(ClockOp(1000 + offset))
        if alias:
            self._run(user, use, {"code": Ref(alias)})

    # time -------------------------------------------------------------------------------------------
    @precondition(lambda self: self.clock_control)
    @rule(ms=st.sampled_from([999, 1000, 1001, 2000]))
    def advance_clock(self, ms: int) -> None:
        self.sequence.advance(ClockOp(ms))
