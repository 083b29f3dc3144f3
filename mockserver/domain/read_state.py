"""MarkChatRead (§10.10, §11): a monotonic, clamped read position, announced to the reader only."""

from __future__ import annotations

from mockserver.domain import refs, render
from mockserver.domain.context import Context, Deliveries, empty_result
from mockserver.domain.contract import Outcome
from osmiumwire import core_pb2, updates_pb2


def mark_chat_read(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    """New position = max(old, min(message_id, last_message_id)); `read_amount` accepted and ignored
    (§16 items 10-12). Only a real change produces UpdateConversationLastRead, to the reader's sessions."""
    mark = request.chats_mark_chat_read
    chat = refs.resolve(ctx, viewer, mark.chat_ref)
    conversation = chat.conversations[viewer]
    position = max(conversation.last_read, min(mark.message_id, chat.last_message_id))
    deliveries = Deliveries()
    if position != conversation.last_read:
        conversation.last_read = position
        update = updates_pb2.Update()
        last_read = update.conversation_last_read
        render.chat_ref(chat, viewer, last_read.chat_ref)
        last_read.last_read_message_id = position
        last_read.unread_count = ctx.store.unread_count(chat, viewer)
        last_read.unread_mentions_count = ctx.store.unread_mention_count(chat, viewer)
        deliveries.add(viewer, update)
    return Outcome(result=empty_result(), deliveries=deliveries.items)
