"""Operations of the differential machine: one RPC by one device, with ids named by alias.

A body is a plain mapping of protobuf field names; a `Ref` leaf names a value known by alias (`u1` for
the second actor's user id, `s4` for the fourth snowflake seen, `c1` for the first invite code), which
each side resolves to its own value before sending.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from osmiumwire import core_pb2


@dataclass(frozen=True)
class Ref:
    """A value known by alias, resolved per side."""

    alias: str


@dataclass(frozen=True)
class Mention:
    """Message text `<@ID> text` mentioning an actor, with the entity that marks the mention (§16 item 14)."""

    actor: str
    text: str


@dataclass(frozen=True)
class NowPlus:
    """An absolute time: the side's clock now plus an offset (needs the side's control API)."""

    offset_ms: int
    alias: str


@dataclass(frozen=True)
class Op:
    """`member` sent with `body` from device `device` (e.g. `u0@d1`) of actor `actor`."""

    actor: str
    device: str
    member: str
    body: dict[str, Any]


@dataclass(frozen=True)
class ClockOp:
    """Move both sides' clocks forward (only offered when both have clock control)."""

    advance_ms: int


def resolve(value: Any, lookup: Any) -> Any:
    """Replace every `Ref` in a body with `lookup(alias)` (a `NowPlus` is bound to its alias beforehand)."""
    if isinstance(value, Ref):
        return lookup(value.alias)
    if isinstance(value, NowPlus):
        return lookup(value.alias)
    if isinstance(value, dict):
        resolved = {key: resolve(item, lookup) for key, item in value.items() if key != MENTION_KEY}
        if isinstance(value.get(MENTION_KEY), Mention):
            resolved.update(mention_body(value[MENTION_KEY], lookup))
        return resolved
    if isinstance(value, list):
        return [resolve(item, lookup) for item in value]
    return value


MENTION_KEY = "$mention"


def mention_body(mention: Mention, lookup: Any) -> dict[str, Any]:
    """`message` and `entities` of a SendMessage whose text starts with a mention of `mention.actor`."""
    tag = f"<@{lookup(mention.actor)}>"
    entity = {"start_index": 0, "length": len(tag), "user_mention": {}}
    return {"message": f"{tag} {mention.text}", "entities": [entity]}


def time_leaves(value: Any) -> list[NowPlus]:
    """Every `NowPlus` in a body."""
    if isinstance(value, NowPlus):
        return [value]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in time_leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in time_leaves(item)]
    return []


def build_request(member: str, body: dict[str, Any]) -> Message:
    """The request message of a ClientMessage member, from a resolved body."""
    field = core_pb2.ClientMessage.DESCRIPTOR.fields_by_name[member]
    request: Message = type(getattr(core_pb2.ClientMessage(), member))()
    json_format.ParseDict(body, request)
    assert request.DESCRIPTOR is field.message_type
    return request


def chat_ref(chat: tuple[str, ...]) -> dict[str, Any]:
    """("self",) / ("user", actor) / ("group", alias) as a ChatRef body."""
    kind = chat[0]
    if kind == "self":
        return {"self": {}}
    if kind == "user":
        return {"user": {"user_id": Ref(chat[1])}}
    return {"group": {"group_id": Ref(chat[1])}}
