"""Records -> protobuf, always for one viewer: chat refs and `Group.owner` are viewer-relative (§7.1, §7.4)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mockserver.domain.model import Chat, ChatKind, Message, MessageKind, User
from mockserver.domain.store import Store
from osmiumwire import chats_pb2, refs_pb2, types_pb2, updates_pb2


def chat_ref(chat: Chat, viewer: int) -> refs_pb2.ChatRef:
    """A DM is `user{other side}`, saved messages `self{}`, a group `group{id}` (§16 item 8)."""
    ref = refs_pb2.ChatRef()
    if chat.kind is ChatKind.GROUP:
        ref.group.group_id = chat.id
    elif chat.kind is ChatKind.SELF:
        ref.self.SetInParent()
    else:
        first, second = chat.members
        ref.user.user_id = second if first == viewer else first
    return ref


def user(record: User) -> types_pb2.User:
    """REF §7.6: id, name, username when set, bot false."""
    rendered = types_pb2.User(id=record.id, name=record.name, bot=False)
    if record.username is not None:
        rendered.username = record.username
    return rendered


def users(store: Store, user_ids: Iterable[int]) -> list[types_pb2.User]:
    """Users for side lists: deduplicated, first-seen order, unknown ids skipped."""
    seen: dict[int, None] = {}
    for user_id in user_ids:
        seen.setdefault(user_id, None)
    return [user(store.users[user_id]) for user_id in seen if user_id in store.users]


def group(chat: Chat, viewer: int | None) -> types_pb2.Group:
    rendered = types_pb2.Group(
        id=chat.id, name=chat.name, owner=viewer is not None and chat.owner_id == viewer,
        participant_ids=list(chat.members),
    )
    if chat.photo_file_id is not None:
        rendered.photo.file_id = chat.photo_file_id
        rendered.photo.preview = b""
    return rendered


def message(chat: Chat, record: Message, viewer: int) -> types_pb2.Message:
    rendered = types_pb2.Message(
        chat_ref=chat_ref(chat, viewer), message_id=record.id, author_id=record.author_id, message=record.text,
    )
    if record.kind is not MessageKind.NORMAL:
        rendered.type = types_pb2.Message.MessageType.ValueType(int(record.kind))
    extra = record.extra
    if extra is not None:
        if extra.entities:
            rendered.MergeFromString(extra.entities)
        if extra.reply_to is not None:
            rendered.reply_to = extra.reply_to  # deprecated field 5, still filled for old clients (§16 item 37)
            rendered.reply.message_id = extra.reply_to
            if extra.reply_quote is not None:
                rendered.reply.quote.MergeFromString(extra.reply_quote)
        if extra.edited_at is not None:
            rendered.edited_at = extra.edited_at
    return rendered


def conversation(store: Store, chat: Chat, viewer: int) -> types_pb2.Conversation:
    record = chat.conversations[viewer]
    return types_pb2.Conversation(
        chat_ref=chat_ref(chat, viewer),
        last_message_id=chat.last_message_id,
        last_read_message_id=record.last_read,
        unread_count=store.unread_count(chat, viewer),
        notif_prefs=types_pb2.NotifPrefs.ValueType(record.notif_prefs),
        unread_mentions_count=store.unread_mention_count(chat, viewer),
    )


def chat_users(chat: Chat, viewer: int) -> list[int]:
    """GetChat's `users`: DM partner and viewer, all group participants, or the viewer (§10.2)."""
    if chat.kind is ChatKind.DM:
        return [*(member for member in chat.members if member != viewer), viewer]
    return list(chat.members)


def chat_view(store: Store, record: Chat, viewer: int) -> chats_pb2.Chat:
    """The `chats.Chat` of GetChat / EditChat / UpdateChat: conversation, last message, users, group."""
    rendered = chats_pb2.Chat(chat=conversation(store, record, viewer))
    last = store.last_message(record)
    user_ids = chat_users(record, viewer)
    if last is not None:
        rendered.message.CopyFrom(message(record, last, viewer))
        user_ids.append(last.author_id)
    rendered.users.extend(users(store, user_ids))
    if record.kind is ChatKind.GROUP:
        rendered.group.CopyFrom(group(record, viewer))
    return rendered


def update_group(store: Store, chat: Chat, viewer: int,
                 members: Sequence[types_pb2.User] | None = None) -> updates_pb2.Update:
    """UpdateGroup for one viewer; `members` (the rendered participants) may be passed in when the same
    list goes to every participant, so that it is rendered once, not once per recipient."""
    update = updates_pb2.Update()
    update.group.group.CopyFrom(group(chat, viewer))
    update.group.users.extend(users(store, chat.members) if members is None else members)
    return update


def update_chat(store: Store, chat: Chat, viewer: int) -> updates_pb2.Update:
    update = updates_pb2.Update()
    update.chat.chat.CopyFrom(chat_view(store, chat, viewer))
    return update
