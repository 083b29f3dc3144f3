"""ChangeNotificationPreferences (§12.5): per-conversation `notif_prefs`, echoed to the caller's sessions."""

from __future__ import annotations

from mockserver.domain import refs, render
from mockserver.domain.context import BAD_REQUEST, NOT_IMPLEMENTED, Context, Deliveries, empty_result
from mockserver.domain.contract import DomainError, Outcome
from osmiumwire import core_pb2


def change_notification_preferences(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    """Scope `chat_ref` sets the conversation's level and sends UpdateChat to the caller only;
    community scope is outside the chats scope (501); no scope is malformed (400)."""
    change = request.settings_change_notification_preferences
    scope = change.WhichOneof("scope")
    if scope == "community_id":
        raise DomainError(NOT_IMPLEMENTED, "communities are outside the chats scope")
    if scope is None:
        raise DomainError(BAD_REQUEST, "no scope given (chat_ref or community_id)")
    chat = refs.resolve(ctx, viewer, change.chat_ref)
    chat.conversations[viewer].notif_prefs = int(change.prefs)
    deliveries = Deliveries()
    deliveries.add(viewer, render.update_chat(ctx.store, chat, viewer))
    return Outcome(result=empty_result(), deliveries=deliveries.items)
