"""Every record of the reference server and the indexes that keep pages O(log n + limit) (issue 3).

The store owns consistency between records and indexes: a chat's position in each member's chat list
(keyed by `last_message_id`, §8.1), the per-chat message order, per-author and per-mention id sets used
for exact unread counts (§11). Rules about who may do what live in the handlers, not here.
"""

from __future__ import annotations

from collections.abc import Iterable

from mockserver.domain.model import Chat, ChatKind, Conversation, Invite, Message, Session, User
from mockserver.domain.sorted_ids import SortedIds


class Store:
    """In-memory state. Keys of the chat-list indexes are unique because chats and messages share one id space."""

    def __init__(self) -> None:
        self.users: dict[int, User] = {}
        self.user_by_email: dict[str, int] = {}
        self.user_by_username: dict[str, int] = {}
        self.sessions: dict[int, Session] = {}
        self.session_by_token: dict[str, int] = {}
        self.chats: dict[int, Chat] = {}
        self.dm_by_pair: dict[tuple[int, int], int] = {}
        self.self_chat_by_user: dict[int, int] = {}
        self.chat_order: dict[int, SortedIds] = {}  # user id -> listed chats' keys (last_message_id)
        self.chat_by_key: dict[int, int] = {}  # key -> chat id
        self.invites: dict[str, Invite] = {}
        self.invites_by_chat: dict[int, list[str]] = {}  # creation order

    # users and sessions -------------------------------------------------------------------------

    def add_user(self, user: User) -> None:
        self.users[user.id] = user
        if user.email is not None:
            self.user_by_email[user.email.casefold()] = user.id
        if user.username is not None:
            self.user_by_username[user.username.casefold()] = user.id
        self.chat_order[user.id] = SortedIds()

    def add_session(self, session: Session) -> None:
        self.sessions[session.id] = session
        self.session_by_token[session.token] = session.id

    # chats ----------------------------------------------------------------------------------------

    def dm_key(self, first: int, second: int) -> tuple[int, int]:
        return (first, second) if first < second else (second, first)

    def add_chat(self, chat: Chat) -> None:
        """Register a new chat whose `conversations` are already filled; lists it where it is visible."""
        self.chats[chat.id] = chat
        if chat.kind is ChatKind.DM:
            first, second = chat.members
            self.dm_by_pair[self.dm_key(first, second)] = chat.id
        elif chat.kind is ChatKind.SELF:
            self.self_chat_by_user[chat.members[0]] = chat.id
        self._list(chat)

    def delete_chat(self, chat: Chat) -> None:
        """Forget a chat (a group whose last participant left, §8.4; a DM or SELF record made by a refused
        request); its invites die with it."""
        self._unlist(chat)
        del self.chats[chat.id]
        if chat.kind is ChatKind.DM:
            self.dm_by_pair.pop(self.dm_key(*chat.members), None)
        elif chat.kind is ChatKind.SELF:
            self.self_chat_by_user.pop(chat.members[0], None)
        for code in self.invites_by_chat.pop(chat.id, []):
            self.invites.pop(code, None)

    def is_listed(self, chat: Chat) -> bool:
        """Groups are listed from joining; DMs and SELF only once they hold a message (§10.1, §16 item 7)."""
        return chat.kind is ChatKind.GROUP or bool(chat.message_ids)

    def _list(self, chat: Chat) -> None:
        if not self.is_listed(chat):
            return
        key = chat.last_message_id
        self.chat_by_key[key] = chat.id
        for user_id in chat.conversations:
            self.chat_order[user_id].add(key)

    def _unlist(self, chat: Chat) -> None:
        if not self.is_listed(chat):
            return
        key = chat.last_message_id
        self.chat_by_key.pop(key, None)
        for user_id in chat.conversations:
            self.chat_order[user_id].discard(key)

    # membership -----------------------------------------------------------------------------------

    def add_member(self, chat: Chat, user_id: int, last_read: int) -> None:
        chat.members.append(user_id)
        chat.conversations[user_id] = Conversation(user_id=user_id, last_read=last_read)
        if self.is_listed(chat):
            self.chat_order[user_id].add(chat.last_message_id)

    def remove_member(self, chat: Chat, user_id: int) -> None:
        """Drop a participant and their conversation; passes ownership on when the owner leaves (§8.4)."""
        if self.is_listed(chat):
            self.chat_order[user_id].discard(chat.last_message_id)
        chat.members.remove(user_id)
        del chat.conversations[user_id]
        if chat.owner_id == user_id:
            chat.owner_id = chat.members[0] if chat.members else None

    # messages -------------------------------------------------------------------------------------

    def append_message(self, chat: Chat, message: Message) -> None:
        """Store a message newer than every other message of the chat and re-key the chat lists."""
        self._unlist(chat)
        chat.messages[message.id] = message
        chat.message_ids.add(message.id)
        chat.ids_by_author.setdefault(message.author_id, SortedIds()).add(message.id)
        self.index_mentions(chat, message)
        self._list(chat)

    def index_mentions(self, chat: Chat, message: Message) -> None:
        if message.extra is not None:
            for user_id in message.extra.mentions:
                chat.ids_by_mention.setdefault(user_id, SortedIds()).add(message.id)

    def unindex_mentions(self, chat: Chat, message: Message) -> None:
        if message.extra is not None:
            for user_id in message.extra.mentions:
                _discard(chat.ids_by_mention, user_id, message.id)

    def delete_messages(self, chat: Chat, message_ids: Iterable[int]) -> None:
        self._unlist(chat)
        for message_id in message_ids:
            message = chat.messages.pop(message_id)
            chat.message_ids.discard(message_id)
            _discard(chat.ids_by_author, message.author_id, message_id)
            self.unindex_mentions(chat, message)
            if chat.highlighted_msg_id == message_id:
                chat.highlighted_msg_id = None
        self._list(chat)

    def last_message(self, chat: Chat) -> Message | None:
        newest = chat.message_ids.last()
        return None if newest is None else chat.messages[newest]

    # read state (§11) -----------------------------------------------------------------------------

    def unread_count(self, chat: Chat, user_id: int) -> int:
        """Messages above the user's read position not written by the user, by two rank queries."""
        last_read = chat.conversations[user_id].last_read
        own = chat.ids_by_author.get(user_id)
        return chat.message_ids.count_above(last_read) - (own.count_above(last_read) if own else 0)

    def unread_mention_count(self, chat: Chat, user_id: int) -> int:
        mentions = chat.ids_by_mention.get(user_id)
        return mentions.count_above(chat.conversations[user_id].last_read) if mentions else 0

    def unread_mention_ids(self, chat: Chat, user_id: int) -> list[int]:
        mentions = chat.ids_by_mention.get(user_id)
        return mentions.values_above(chat.conversations[user_id].last_read) if mentions else []

    # invites --------------------------------------------------------------------------------------

    def add_invite(self, invite: Invite) -> None:
        self.invites[invite.code] = invite
        self.invites_by_chat.setdefault(invite.chat_id, []).append(invite.code)

    def delete_invite(self, invite: Invite) -> None:
        del self.invites[invite.code]
        codes = self.invites_by_chat.get(invite.chat_id, [])
        if invite.code in codes:
            codes.remove(invite.code)


def _discard(index: dict[int, SortedIds], key: int, value: int) -> None:
    ids = index.get(key)
    if ids is not None:
        ids.discard(value)
        if not ids:
            del index[key]
