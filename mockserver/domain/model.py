"""The reference server's state, as plain slotted records (semantics.md §6-§12).

Messages are the bulk of the memory (issue 8 measures bytes per stored message), so a `Message` keeps
only what every message has; the rarely used parts (entities, reply, edit time, mentions) live in an
optional `MessageExtra`. Indexes that make pages and counts cheap live in `store.py`, not here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from mockserver.domain.sorted_ids import SortedIds


class ChatKind(enum.Enum):
    """The three chat kinds of the chats scope (§8)."""

    DM = "dm"
    SELF = "self"
    GROUP = "group"


class MessageKind(enum.IntEnum):
    """`types.Message.MessageType` values the reference server produces (§7.5, §8.4)."""

    NORMAL = 0
    JOIN = 2
    LEAVE = 3


@dataclass(slots=True)
class User:
    """A registered user; `email` and `password` are optional (passwordless sign-up, §9.1)."""

    id: int
    name: str
    username: str | None = None
    email: str | None = None
    password: PasswordHash | None = None


@dataclass(frozen=True, slots=True)
class PasswordHash:
    """A salted KDF digest (issue 7): the password itself is never stored. The cost it was made with is kept
    with it, as password hash formats do, so that it can be checked whatever the current setting."""

    salt: bytes
    digest: bytes
    n: int  # scrypt's cost parameter


@dataclass(slots=True)
class Session:
    """One authorization: its token resumes it through Authorize (§9.3)."""

    id: int
    user_id: int
    token: str


@dataclass(slots=True)
class MessageExtra:
    """The optional parts of a message, kept out of `Message` so that plain text messages stay small."""

    entities: bytes = b""  # serialized `types.Message` holding only the entities (field 7), verbatim
    reply_to: int | None = None
    reply_quote: bytes | None = None  # serialized `Message.MessageReplyInfo.Quote`
    edited_at: int | None = None
    mentions: tuple[int, ...] = ()  # user ids this message mentions (§16 item 14), author excluded


@dataclass(slots=True)
class Message:
    """A stored message; `extra` is None for plain text, which keeps the common case small."""

    id: int
    author_id: int
    text: str
    kind: MessageKind = MessageKind.NORMAL
    extra: MessageExtra | None = None


@dataclass(slots=True)
class Conversation:
    """One user's view of one chat (§7.2): read position and notification level."""

    user_id: int
    last_read: int = 0
    notif_prefs: int = 0  # types.NotifPrefs; ALL (0) by default


@dataclass(slots=True)
class Chat:
    """A DM, SELF or GROUP chat with its messages and indexes (ids sorted, per author, per mention)."""

    id: int
    kind: ChatKind
    members: list[int]  # groups: join order, owner first at creation; DM: the pair; SELF: the user
    owner_id: int | None = None
    name: str = ""
    photo_file_id: int | None = None
    highlighted_msg_id: int | None = None
    messages: dict[int, Message] = field(default_factory=dict)
    message_ids: SortedIds = field(default_factory=SortedIds)
    ids_by_author: dict[int, SortedIds] = field(default_factory=dict)
    ids_by_mention: dict[int, SortedIds] = field(default_factory=dict)
    conversations: dict[int, Conversation] = field(default_factory=dict)

    @property
    def last_message_id(self) -> int:
        """Newest message id, or the chat's own id when it has no message (§7.2, §11)."""
        newest = self.message_ids.last()
        return self.id if newest is None else newest

    def is_member(self, user_id: int) -> bool:
        return user_id in self.conversations


@dataclass(slots=True)
class Invite:
    """A GROUP invite (§10.7): expiry in ms since the Unix epoch, `max_uses` None = unlimited."""

    code: str
    chat_id: int
    creator_id: int
    expires_at: int | None = None
    max_uses: int | None = None
    uses: int = 0

    def is_live(self, now_ms: int) -> bool:
        """False once expired (`now_ms >= expires_at`) or exhausted (`uses == max_uses`), §10.12."""
        if self.expires_at is not None and now_ms >= self.expires_at:
            return False
        return self.max_uses is None or self.uses < self.max_uses
