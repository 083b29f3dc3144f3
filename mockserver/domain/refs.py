"""Input ChatRef -> chat record, with the access rules every chat RPC shares (§7.1, §8.2-§8.4, §10.2).

`user{own id}` means saved messages; DM and SELF chats are created lazily and idempotently on first use,
one per unordered pair (§16 item 9); groups must exist (404) and include the caller (403); channel refs are
out of scope (501); a ref with no member is malformed (400).
"""

from __future__ import annotations

from mockserver.domain.context import BAD_REQUEST, FORBIDDEN, NOT_FOUND, NOT_IMPLEMENTED, Context
from mockserver.domain.contract import DomainError
from mockserver.domain.model import Chat, ChatKind, Conversation
from osmiumwire import refs_pb2


def resolve(ctx: Context, viewer: int, ref: refs_pb2.ChatRef) -> Chat:
    """The chat `ref` names for `viewer`, who is guaranteed to be a participant of it."""
    kind = ref.WhichOneof("ref")
    if kind is None:
        raise DomainError(BAD_REQUEST, "chat_ref has no member set")
    if kind == "channel":
        raise DomainError(NOT_IMPLEMENTED, "channel chats are outside the chats scope")
    if kind == "self" or (kind == "user" and ref.user.user_id == viewer):
        return self_chat(ctx, viewer)
    if kind == "user":
        return dm_chat(ctx, viewer, ref.user.user_id)
    return member_group(ctx, viewer, ref.group.group_id)


def resolve_group(ctx: Context, viewer: int, ref: refs_pb2.ChatRef, action: str) -> Chat:
    """Like `resolve`, for RPCs that only make sense on groups: DM/SELF -> 400 (§8.3, §10.4-§10.7)."""
    chat = resolve(ctx, viewer, ref)
    if chat.kind is not ChatKind.GROUP:
        raise DomainError(BAD_REQUEST, f"{action} needs a group chat_ref")
    return chat


def existing_group(ctx: Context, group_id: int) -> Chat:
    chat = ctx.store.chats.get(group_id)
    if chat is None or chat.kind is not ChatKind.GROUP:
        raise DomainError(NOT_FOUND, f"unknown group {group_id}")
    return chat


def member_group(ctx: Context, viewer: int, group_id: int) -> Chat:
    chat = existing_group(ctx, group_id)
    if not chat.is_member(viewer):
        raise DomainError(FORBIDDEN, "not a participant of this group")
    return chat


def self_chat(ctx: Context, viewer: int) -> Chat:
    chat_id = ctx.store.self_chat_by_user.get(viewer)
    if chat_id is not None:
        return ctx.store.chats[chat_id]
    chat = Chat(id=ctx.ids.next_id(), kind=ChatKind.SELF, members=[viewer])
    chat.conversations[viewer] = Conversation(user_id=viewer)
    ctx.store.add_chat(chat)
    ctx.created_chats.append(chat)
    return chat


def dm_chat(ctx: Context, viewer: int, other: int) -> Chat:
    ctx.user(other)  # 404 for an unknown user
    chat_id = ctx.store.dm_by_pair.get(ctx.store.dm_key(viewer, other))
    if chat_id is not None:
        return ctx.store.chats[chat_id]
    chat = Chat(id=ctx.ids.next_id(), kind=ChatKind.DM, members=[viewer, other])
    chat.conversations[viewer] = Conversation(user_id=viewer)
    chat.conversations[other] = Conversation(user_id=other)
    ctx.store.add_chat(chat)
    ctx.created_chats.append(chat)
    return chat
