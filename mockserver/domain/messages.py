"""SendMessage, GetHistory, EditMessage, DeleteMessage, GetUnreadMentions (§12)."""

from __future__ import annotations

from mockserver.domain import history, refs, render
from mockserver.domain.chats import page_limit
from mockserver.domain.context import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    NOT_IMPLEMENTED,
    Context,
    Deliveries,
    empty_result,
    result_with,
)
from mockserver.domain.contract import DomainError, Outcome
from mockserver.domain.model import Chat, Message, MessageExtra
from mockserver.domain.posting import mentioned_users, post
from osmiumwire import core_pb2, messages_pb2, types_pb2, updates_pb2


def _entities_blob(entities: list[types_pb2.MessageEntity]) -> bytes:
    """Entities stored verbatim as the bytes of a `types.Message` holding only them (cheap to keep)."""
    return types_pb2.Message(entities=entities).SerializeToString() if entities else b""


def _extra(
    entities: bytes, reply_to: int | None, quote: bytes | None, edited_at: int | None, mentions: tuple[int, ...]
) -> MessageExtra | None:
    """None when a message has nothing beyond its text, to keep plain messages small (issue 8)."""
    if not entities and reply_to is None and edited_at is None and not mentions:
        return None
    return MessageExtra(entities=entities, reply_to=reply_to, reply_quote=quote, edited_at=edited_at,
                        mentions=mentions)


def send_message(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    """§12.1: text required (no media support: media -> 501); `reply_to` (field 7) preferred over the
    deprecated field 3 and must name a message of the same chat (404)."""
    send = request.messages_send_message
    chat = refs.resolve(ctx, viewer, send.chat_ref)
    if send.media:
        raise DomainError(NOT_IMPLEMENTED, "media is not supported by the reference server")
    if not send.message:
        raise DomainError(BAD_REQUEST, "message text is empty")
    reply_to: int | None = None
    quote: bytes | None = None
    if send.HasField("reply_to"):
        reply_to = send.reply_to.message_id
        if send.reply_to.HasField("quote"):
            quote = send.reply_to.quote.SerializeToString()
    elif send.HasField("reply_to_old"):
        reply_to = send.reply_to_old
    if reply_to is not None and reply_to not in chat.messages:
        raise DomainError(NOT_FOUND, f"reply target {reply_to} is not a message of this chat")
    entities = list(send.entities)
    mentions = mentioned_users(ctx, send.message, entities, viewer)
    extra = _extra(_entities_blob(entities), reply_to, quote, None, mentions)
    client_id = send.client_id if send.HasField("client_id") else None
    message, deliveries = post(ctx, chat, viewer, send.message, extra=extra, client_id=client_id)
    sent = messages_pb2.SentMessage(message_id=message.id)
    return Outcome(result=result_with("sent_message", sent), deliveries=deliveries.items)


def get_history(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    """§12.2: `before` newest first, `since` oldest first, `around` split, none = newest; 50 default, 100 max."""
    page = request.messages_get_history
    chat = refs.resolve(ctx, viewer, page.chat_ref)
    limit = page_limit(page.limit)
    offset = page.WhichOneof("offset")
    if offset == "since":
        ids = history.since(chat.message_ids, page.since, limit)
    elif offset == "before":
        ids = history.before(chat.message_ids, page.before, limit)
    elif offset == "around":
        ids = history.around(chat.message_ids, page.around, limit)
    else:
        ids = history.newest(chat.message_ids, limit)
    answer = core_pb2.RPCResult()
    result = answer.messages  # filled in place: a page copied into its RPCResult would be built twice
    result.SetInParent()
    user_ids: list[int] = []
    for message_id in ids:
        message = chat.messages[message_id]
        render.message(chat, message, viewer, result.messages.add())
        user_ids.append(message.author_id)
        if message.extra is not None:
            user_ids.extend(message.extra.mentions)
    render.add_users(result.users, ctx.store, user_ids)
    return Outcome(result=answer)


def _message_in(chat: Chat, message_id: int) -> Message:
    message = chat.messages.get(message_id)
    if message is None:
        raise DomainError(NOT_FOUND, f"message {message_id} is not in this chat")
    return message


def edit_message(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    """§12.3: author only (403), unknown 404; entities replaced when given or when the text changes;
    `edited_at` = now (ms); UpdateMessage to every participant."""
    edit = request.messages_edit_message
    chat = refs.resolve(ctx, viewer, edit.chat_ref)
    message = _message_in(chat, edit.message_id)
    if message.author_id != viewer:
        raise DomainError(FORBIDDEN, "only the author can edit a message")
    if edit.media:
        raise DomainError(NOT_IMPLEMENTED, "media is not supported by the reference server")
    if edit.HasField("message") and not edit.message:
        raise DomainError(BAD_REQUEST, "message text is empty")
    old = message.extra or MessageExtra()
    text = edit.message if edit.HasField("message") else message.text
    if edit.entities or edit.HasField("message"):
        entities = list(edit.entities)
        blob = _entities_blob(entities)
    else:
        entities = list(types_pb2.Message.FromString(old.entities).entities) if old.entities else []
        blob = old.entities
    ctx.store.unindex_mentions(chat, message)
    message.text = text
    message.extra = _extra(blob, old.reply_to, old.reply_quote, ctx.clock.now_ms(),
                           mentioned_users(ctx, text, entities, message.author_id))
    ctx.store.index_mentions(chat, message)
    deliveries = Deliveries()
    for user_id in chat.members:
        update = updates_pb2.Update()
        render.message(chat, message, user_id, update.message.message)
        deliveries.add(user_id, update)
    return Outcome(result=empty_result(), deliveries=deliveries.items)


def delete_message(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    """§12.4: author, or the owner of the group; all or nothing (any unknown 404, then any forbidden 403)."""
    delete = request.messages_delete_message
    chat = refs.resolve(ctx, viewer, delete.chat_ref)
    if not delete.message_ids:
        raise DomainError(BAD_REQUEST, "message_ids is empty")
    message_ids = list(dict.fromkeys(delete.message_ids))
    messages = [_message_in(chat, message_id) for message_id in message_ids]
    if chat.owner_id != viewer and any(message.author_id != viewer for message in messages):
        raise DomainError(FORBIDDEN, "only the author or the group owner can delete a message")
    ctx.store.delete_messages(chat, message_ids)
    deliveries = Deliveries()
    for user_id in chat.members:
        update = updates_pb2.Update()
        render.chat_ref(chat, user_id, update.message_deleted.chat_ref)
        update.message_deleted.message_ids.extend(message_ids)
        deliveries.add(user_id, update)
    return Outcome(result=empty_result(), deliveries=deliveries.items)


def get_unread_mentions(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    """§12.5: the ids `unread_mentions_count` counts, ascending."""
    chat = refs.resolve(ctx, viewer, request.messages_get_unread_mentions.chat_ref)
    result = messages_pb2.UnreadMentions(message_ids=ctx.store.unread_mention_ids(chat, viewer))
    return Outcome(result=result_with("unread_mentions", result))
