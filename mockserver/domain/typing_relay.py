"""SetTyping (§10.13): a stateless relay to the other participants; no timers, no implicit stop."""

from __future__ import annotations

from mockserver.domain import refs, render
from mockserver.domain.context import Context, Deliveries, empty_result
from mockserver.domain.contract import Outcome
from osmiumwire import core_pb2, updates_pb2


def set_typing(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    """`action` keeps its presence (absent stays absent); the typer's own sessions get nothing (§16 item 16)."""
    typing = request.chats_set_typing
    chat = refs.resolve(ctx, viewer, typing.chat_ref)
    deliveries = Deliveries()
    for user_id in chat.members:
        if user_id == viewer:
            continue
        update = updates_pb2.Update()
        relayed = update.chat_typing
        render.chat_ref(chat, user_id, relayed.chat_ref)
        relayed.user_id = viewer
        relayed.typing = typing.typing
        if typing.HasField("action"):
            relayed.action = typing.action
        deliveries.add(user_id, update)
    return Outcome(result=empty_result(), deliveries=deliveries.items)
