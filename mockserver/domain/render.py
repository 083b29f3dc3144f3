"""Records -> protobuf, always for one viewer: chat refs and `Group.owner` are viewer-relative (§7.1, §7.4).

Renderers fill `into`, a field of the message being built (say `result.chat`); `user`, `group` and `message`
build a new message when given none, because some callers share one rendering between many updates.
Filling in place is the fast way: building a message and `CopyFrom`-ing it into its parent copies it again,
and a GetChat answer would be built three times over (benchmarks/throughput).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from google.protobuf.internal.containers import RepeatedCompositeFieldContainer

from mockserver.domain.model import Chat, ChatKind, Message, MessageKind, User
from mockserver.domain.store import Store
from osmiumwire import chats_pb2, refs_pb2, types_pb2, updates_pb2

# Looking up an enum member on its class costs about 0.1 us on Python 3.11, a tenth of rendering a chat ref;
# the renderers run on every answer, so they compare against these module constants instead.
_DM, _SELF, _GROUP = ChatKind.DM, ChatKind.SELF, ChatKind.GROUP
_NORMAL = MessageKind.NORMAL


def chat_ref(chat: Chat, viewer: int, into: refs_pb2.ChatRef) -> None:
    """A DM is `user{other side}`, saved messages `self{}`, a group `group{id}` (§16 item 8)."""
    if chat.kind is _GROUP:
        into.group.group_id = chat.id
    elif chat.kind is _SELF:
        into.self.SetInParent()
    else:
        first, second = chat.members
        into.user.user_id = second if first == viewer else first


def user(record: User, into: types_pb2.User | None = None) -> types_pb2.User:
    """REF §7.6: id, name, username when set, bot false."""
    rendered = types_pb2.User() if into is None else into
    rendered.id = record.id
    rendered.name = record.name  # `bot` stays false: proto3's default, so nothing to set
    if record.username is not None:
        rendered.username = record.username
    return rendered


def users(store: Store, user_ids: Iterable[int]) -> list[types_pb2.User]:
    """Users for side lists: deduplicated, first-seen order, unknown ids skipped."""
    return [user(store.users[user_id]) for user_id in _known_once(store, user_ids)]


def add_users(into: RepeatedCompositeFieldContainer[types_pb2.User], store: Store, user_ids: Iterable[int]) -> None:
    """`users()` appended to a repeated field in place."""
    for user_id in _known_once(store, user_ids):
        user(store.users[user_id], into.add())


def _known_once(store: Store, user_ids: Iterable[int]) -> list[int]:
    return [user_id for user_id in dict.fromkeys(user_ids) if user_id in store.users]


def group(chat: Chat, viewer: int | None, into: types_pb2.Group | None = None) -> types_pb2.Group:
    rendered = types_pb2.Group() if into is None else into
    rendered.id = chat.id
    rendered.name = chat.name
    rendered.owner = viewer is not None and chat.owner_id == viewer
    rendered.participant_ids.extend(chat.members)
    if chat.photo_file_id is not None:
        rendered.photo.file_id = chat.photo_file_id
        rendered.photo.preview = b""
    return rendered


def message(chat: Chat, record: Message, viewer: int, into: types_pb2.Message | None = None) -> types_pb2.Message:
    rendered = types_pb2.Message() if into is None else into
    chat_ref(chat, viewer, rendered.chat_ref)
    rendered.message_id = record.id
    rendered.author_id = record.author_id
    rendered.message = record.text
    if record.kind is not _NORMAL:
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


def conversation(store: Store, chat: Chat, viewer: int, into: types_pb2.Conversation) -> None:
    record = chat.conversations[viewer]
    chat_ref(chat, viewer, into.chat_ref)
    into.last_message_id = chat.last_message_id
    into.last_read_message_id = record.last_read
    into.unread_count = store.unread_count(chat, viewer)
    into.notif_prefs = types_pb2.NotifPrefs.ValueType(record.notif_prefs)
    into.unread_mentions_count = store.unread_mention_count(chat, viewer)


def chat_users(chat: Chat, viewer: int) -> list[int]:
    """GetChat's `users`: DM partner and viewer, all group participants, or the viewer (§10.2)."""
    if chat.kind is _DM:
        return [*(member for member in chat.members if member != viewer), viewer]
    return list(chat.members)


def chat_view(store: Store, record: Chat, viewer: int, into: chats_pb2.Chat) -> None:
    """The `chats.Chat` of GetChat / EditChat / UpdateChat: conversation, last message, users, group."""
    conversation(store, record, viewer, into.chat)
    last = store.last_message(record)
    user_ids = chat_users(record, viewer)
    if last is not None:
        message(record, last, viewer, into.message)
        user_ids.append(last.author_id)
    add_users(into.users, store, user_ids)
    if record.kind is _GROUP:
        group(record, viewer, into.group)


def update_group(store: Store, chat: Chat, viewer: int,
                 members: Sequence[types_pb2.User] | None = None) -> updates_pb2.Update:
    """UpdateGroup for one viewer; `members` (the rendered participants) may be passed in when the same
    list goes to every participant, so that it is rendered once, not once per recipient."""
    update = updates_pb2.Update()
    group(chat, viewer, update.group.group)
    if members is None:
        add_users(update.group.users, store, chat.members)
    else:
        update.group.users.extend(members)
    return update


def update_chat(store: Store, chat: Chat, viewer: int) -> updates_pb2.Update:
    update = updates_pb2.Update()
    chat_view(store, chat, viewer, update.chat.chat)
    return update
