"""A JSON-able picture of the state for debugging (/__admin/state). Credentials never appear in it."""

from __future__ import annotations

from mockserver.domain.model import Chat, Invite
from mockserver.domain.store import Store


def _chat(store: Store, chat: Chat) -> dict[str, object]:
    return {
        "id": str(chat.id),
        "kind": chat.kind.value,
        "name": chat.name,
        "owner_id": None if chat.owner_id is None else str(chat.owner_id),
        "members": [str(member) for member in chat.members],
        "message_count": len(chat.messages),
        "last_message_id": str(chat.last_message_id),
        "conversations": {
            str(user_id): {
                "last_read_message_id": str(conversation.last_read),
                "unread_count": store.unread_count(chat, user_id),
                "unread_mentions_count": store.unread_mention_count(chat, user_id),
                "notif_prefs": conversation.notif_prefs,
            }
            for user_id, conversation in chat.conversations.items()
        },
    }


def _invite(invite: Invite) -> dict[str, object]:
    return {
        "code": invite.code,
        "chat_id": str(invite.chat_id),
        "creator_id": str(invite.creator_id),
        "expires_at": invite.expires_at,
        "max_uses": invite.max_uses,
        "uses": invite.uses,
    }


def dump_state(store: Store) -> dict[str, object]:
    """Ids are strings: 64-bit snowflakes do not survive JSON number parsing in every client."""
    return {
        "users": [
            {"id": str(user.id), "name": user.name, "username": user.username, "email": user.email,
             "has_password": user.password is not None}
            for user in store.users.values()
        ],
        "sessions": [{"id": str(s.id), "user_id": str(s.user_id)} for s in store.sessions.values()],
        "chats": [_chat(store, chat) for chat in store.chats.values()],
        "invites": [_invite(invite) for invite in store.invites.values()],
    }
