"""Group lifecycle (§8.4, §10.3-§10.6): create, edit (owner only), add members (any participant), remove
(owner removes others, anyone leaves), ownership transfer and deletion of the empty group."""

from __future__ import annotations

from mockserver.domain import refs, render
from mockserver.domain.context import (
    BAD_REQUEST,
    CONFLICT,
    FORBIDDEN,
    NOT_FOUND,
    Context,
    Deliveries,
    empty_result,
    result_with,
)
from mockserver.domain.contract import DomainError, Outcome
from mockserver.domain.model import Chat, ChatKind, Conversation, MessageKind
from mockserver.domain.posting import post_service
from osmiumwire import core_pb2

MAX_NAME_LENGTH = 100  # §16 item 33


def validate_name(name: str) -> None:
    """REF: 1-100 characters after trimming whitespace, else 400."""
    trimmed = name.strip()
    if not trimmed:
        raise DomainError(BAD_REQUEST, "name must not be empty")
    if len(trimmed) > MAX_NAME_LENGTH:
        raise DomainError(BAD_REQUEST, f"name longer than {MAX_NAME_LENGTH} characters")


def group_changed(ctx: Context, chat: Chat, recipients: list[int] | None = None) -> Deliveries:
    """UpdateGroup (viewer-relative `owner`, all participants as `users`) to each recipient."""
    deliveries = Deliveries()
    members = render.users(ctx.store, chat.members)  # the same list for every recipient: rendered once
    for user_id in chat.members if recipients is None else recipients:
        deliveries.add(user_id, render.update_group(ctx.store, chat, user_id, members))
    return deliveries


def create_chat(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    """§10.3: owner = caller; listed users deduplicated, caller ignored, unknown id -> 404, nothing created."""
    create = request.chats_create_chat
    validate_name(create.name)
    invited: list[int] = []
    for ref in create.users:
        ctx.user(ref.user_id)
        if ref.user_id != viewer and ref.user_id not in invited:
            invited.append(ref.user_id)
    chat = Chat(id=ctx.ids.next_id(), kind=ChatKind.GROUP, members=[viewer, *invited], owner_id=viewer,
                name=create.name)
    for user_id in chat.members:
        chat.conversations[user_id] = Conversation(user_id=user_id)
    ctx.store.add_chat(chat)
    deliveries = group_changed(ctx, chat)
    for user_id in chat.members:
        deliveries.add(user_id, render.update_chat(ctx.store, chat, user_id))
    for user_id in invited:
        deliveries.extend(post_service(ctx, chat, user_id, MessageKind.JOIN))
    return Outcome(result=result_with("group", render.group(chat, viewer)), deliveries=deliveries.items)


def edit_chat(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    """§10.4: owner only; validate everything before changing anything; no optional field = no-op."""
    edit = request.chats_edit_chat
    chat = refs.resolve_group(ctx, viewer, edit.chat_ref, "EditChat")
    if chat.owner_id != viewer:
        raise DomainError(FORBIDDEN, "only the owner can edit the group")
    if edit.HasField("name"):
        validate_name(edit.name)
    highlighted = edit.highlighted_msg_id.highlighted_msg_id if edit.HasField("highlighted_msg_id") else 0
    if highlighted and highlighted not in chat.messages:
        raise DomainError(NOT_FOUND, f"message {highlighted} is not in this group")
    changed = False
    if edit.HasField("name"):
        chat.name, changed = edit.name, True
    if edit.HasField("highlighted_msg_id"):
        chat.highlighted_msg_id, changed = (highlighted or None), True
    if edit.HasField("photo"):
        chat.photo_file_id = ctx.ids.next_id() if edit.photo.HasField("file") else None
        changed = True
    deliveries = group_changed(ctx, chat) if changed else Deliveries()
    result = core_pb2.RPCResult()
    render.chat_view(ctx.store, chat, viewer, result.chat)
    return Outcome(result=result, deliveries=deliveries.items)


def join(ctx: Context, chat: Chat, user_id: int) -> Deliveries:
    """Add a participant (§10.5, §10.12): read position starts at the newest message (§11), then
    UpdateGroup to everyone, UpdateChat to the newcomer, and the JOIN message."""
    ctx.store.add_member(chat, user_id, last_read=chat.message_ids.last() or 0)
    deliveries = group_changed(ctx, chat)
    deliveries.add(user_id, render.update_chat(ctx.store, chat, user_id))
    deliveries.extend(post_service(ctx, chat, user_id, MessageKind.JOIN))
    return deliveries


def add_chat_member(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    """§10.5: any participant may add; unknown user 404; already a participant 409."""
    add = request.chats_add_chat_member
    chat = refs.resolve_group(ctx, viewer, add.chat_ref, "AddChatMember")
    ctx.user(add.user_id)
    if chat.is_member(add.user_id):
        raise DomainError(CONFLICT, "already a participant")
    return Outcome(result=empty_result(), deliveries=join(ctx, chat, add.user_id).items)


def remove_chat_member(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    """§10.6: removing someone else is owner-only; leaving is open to anyone. LEAVE message first, then
    UpdateGroup to the remaining participants and the removed user; the last one out deletes the group."""
    remove = request.chats_remove_chat_member
    chat = refs.resolve_group(ctx, viewer, remove.chat_ref, "RemoveChatMember")
    target = remove.user_id
    if not chat.is_member(target):
        raise DomainError(NOT_FOUND, "not a participant of this group")
    if target != viewer and chat.owner_id != viewer:
        raise DomainError(FORBIDDEN, "only the owner can remove other participants")
    deliveries = post_service(ctx, chat, target, MessageKind.LEAVE)
    ctx.store.remove_member(chat, target)
    deliveries.extend(group_changed(ctx, chat, [*chat.members, target]))
    if not chat.members:
        ctx.store.delete_chat(chat)
    return Outcome(result=empty_result(), deliveries=deliveries.items)
