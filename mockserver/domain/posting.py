"""Storing a message and announcing it (§11, §12.1, §13): shared by SendMessage and the JOIN/LEAVE
service messages of membership changes (§8.4)."""

from __future__ import annotations

from collections.abc import Sequence

from mockserver.domain import render
from mockserver.domain.context import Context, Deliveries
from mockserver.domain.model import Chat, ChatKind, Message, MessageExtra, MessageKind
from osmiumwire import types_pb2, updates_pb2


def mentioned_users(
    ctx: Context, text: str, entities: Sequence[types_pb2.MessageEntity], author: int
) -> tuple[int, ...]:
    """§16 item 14: `user_mention` over text that reads as a user id (after stripping `<@`, `@`, `>`),
    or `username` over `@name` of an existing user (case-insensitive). The author never mentions themselves."""
    found: dict[int, None] = {}
    for entity in entities:
        kind = entity.WhichOneof("entity")
        covered = text[entity.start_index : entity.start_index + entity.length]
        if kind == "user_mention":
            digits = covered.strip().removeprefix("<").removeprefix("@").removesuffix(">")
            if digits.isdigit() and int(digits) in ctx.store.users:
                found.setdefault(int(digits), None)
        elif kind == "username" and entity.username and covered.startswith("@"):
            user_id = ctx.store.user_by_username.get(covered[1:].casefold())
            if user_id is not None:
                found.setdefault(user_id, None)
    found.pop(author, None)
    return tuple(found)


def post(
    ctx: Context, chat: Chat, author: int, text: str, *, kind: MessageKind = MessageKind.NORMAL,
    extra: MessageExtra | None = None, client_id: int | None = None,
) -> tuple[Message, Deliveries]:
    """Append a message and render UpdateMessageCreated for every participant, sender included.

    The author of a message they sent reads up to it (§11: the sender's view stays read); a service message
    moves nobody's read position (its subject simply never counts it as unread);
    `client_id` is echoed only on the author's copies (§16 item 17)."""
    message = Message(id=ctx.ids.next_id(), author_id=author, text=text, kind=kind, extra=extra)
    ctx.store.append_message(chat, message)
    if kind is MessageKind.NORMAL:
        chat.conversations[author].last_read = message.id
    deliveries = Deliveries()
    author_user = ctx.store.users.get(author)
    rendered_author = render.user(author_user) if author_user is not None else None
    # A group's ref is the same for every viewer: render its message once, not once per member.
    shared = render.message(chat, message, author) if chat.kind is ChatKind.GROUP else None
    for recipient in chat.members:
        update = updates_pb2.Update()
        created = update.message_created
        created.message.CopyFrom(shared if shared is not None else render.message(chat, message, recipient))
        created.channel_unread_count = (
            ctx.store.unread_count(chat, recipient) if recipient in chat.conversations else 0
        )
        if rendered_author is not None:
            created.author.CopyFrom(rendered_author)
        if client_id is not None and recipient == author:
            created.client_id = client_id
        deliveries.add(recipient, update)
    return message, deliveries


def post_service(ctx: Context, chat: Chat, subject: int, kind: MessageKind) -> Deliveries:
    """A JOIN/LEAVE message authored by the affected user, when service messages are on (§8.4).

    A LEAVE is posted while the leaving user is still a participant, so they receive it too (§10.6)."""
    if not ctx.options.service_messages:
        return Deliveries()
    _, deliveries = post(ctx, chat, subject, "", kind=kind)
    return deliveries
