"""Group invites (§10.7-§10.12): create (any participant), list (owner all, others their own), delete
(creator or owner), lookup (also before auth) and use. Expired, exhausted and deleted codes are
indistinguishable from unknown ones: 404 (§16 item 22)."""

from __future__ import annotations

from mockserver.domain import credentials, refs, render
from mockserver.domain.context import BAD_REQUEST, FORBIDDEN, NOT_FOUND, Context, empty_result, result_with
from mockserver.domain.contract import DomainError, Outcome
from mockserver.domain.groups import join
from mockserver.domain.model import Invite
from osmiumwire import auth_pb2, core_pb2


def live_invite(ctx: Context, code: str) -> Invite:
    invite = ctx.store.invites.get(code)
    if invite is None or not invite.is_live(ctx.clock.now_ms()):
        raise DomainError(NOT_FOUND, "unknown or invalid invite")
    return invite


def preview(ctx: Context, invite: Invite, viewer: int | None) -> auth_pb2.InvitePreview:
    """§10.11: the group as the looking-up user sees it; `creator` always filled."""
    chat = ctx.store.chats[invite.chat_id]
    rendered = auth_pb2.InvitePreview(
        code=invite.code, creator_id=invite.creator_id, target_id=invite.chat_id,
        target_type=auth_pb2.InviteType.GROUP,
    )
    if invite.expires_at is not None:
        rendered.expires_at = invite.expires_at
    creator = ctx.store.users.get(invite.creator_id)
    if creator is not None:
        render.user(creator, rendered.creator)
    render.group(chat, viewer, rendered.chat)
    return rendered


def _unique_code(ctx: Context) -> str:
    while True:
        code = credentials.new_invite_code(ctx.options.invite_code_length)
        if code not in ctx.store.invites:
            return code


def create_chat_invite(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    """§10.7: group only (user/self 400, channel 501); `expires_at` <= now -> 400; `max_uses` 0 = unlimited."""
    create = request.chats_create_chat_invite
    chat = refs.resolve_group(ctx, viewer, create.chat_ref, "CreateChatInvite")
    expires_at = create.expires_at if create.HasField("expires_at") else None
    if expires_at is not None and expires_at <= ctx.clock.now_ms():
        raise DomainError(BAD_REQUEST, "expires_at is not in the future")
    invite = Invite(
        code=_unique_code(ctx), chat_id=chat.id, creator_id=viewer, expires_at=expires_at,
        max_uses=create.max_uses or None,
    )
    ctx.store.add_invite(invite)
    return Outcome(result=result_with("created_invite", auth_pb2.CreatedInvite(code=invite.code)))


def list_chat_invites(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    """§10.8: live invites only, creation order; the owner sees all, other participants their own."""
    chat = refs.resolve_group(ctx, viewer, request.chats_list_chat_invites.chat_ref, "ListChatInvites")
    now = ctx.clock.now_ms()
    result = auth_pb2.InviteList()
    for code in ctx.store.invites_by_chat.get(chat.id, []):
        invite = ctx.store.invites[code]
        if invite.is_live(now) and (chat.owner_id == viewer or invite.creator_id == viewer):
            result.invites.append(preview(ctx, invite, viewer))
    return Outcome(result=result_with("invite_list", result))


def delete_chat_invite(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    """§10.9: the creator or the group owner; anyone else 403; unknown/invalid code 404."""
    invite = live_invite(ctx, request.chats_delete_chat_invite.code)
    chat = ctx.store.chats[invite.chat_id]
    if viewer not in (invite.creator_id, chat.owner_id):
        raise DomainError(FORBIDDEN, "only the invite's creator or the group owner can delete it")
    ctx.store.delete_invite(invite)
    return Outcome(result=empty_result())


def lookup_invite(ctx: Context, viewer: int | None, request: core_pb2.ClientMessage) -> Outcome:
    invite = live_invite(ctx, request.auth_lookup_invite.code)
    return Outcome(result=result_with("invite_preview", preview(ctx, invite, viewer)))


def use_invite(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    """§10.12: joins like AddChatMember and consumes a use; already a participant -> success, nothing else."""
    invite = live_invite(ctx, request.auth_use_invite.code)
    chat = ctx.store.chats[invite.chat_id]
    if chat.is_member(viewer):
        return Outcome(result=empty_result())
    invite.uses += 1
    return Outcome(result=empty_result(), deliveries=join(ctx, chat, viewer).items)
