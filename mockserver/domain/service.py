"""The domain core's entry point: one `handle` per request, dispatched on the ClientMessage oneof member.

The transport handles Initialize, heartbeats, "not initialized" and unknown members; everything else comes
here. Every `DomainError` becomes an `RPCError` result (§14); anything else propagates (the transport turns
it into a 500).
"""

from __future__ import annotations

from collections.abc import Callable

from mockserver.clock import Clock
from mockserver.domain import auth, chats, groups, invites, messages, read_state, settings, typing_relay, users
from mockserver.domain.auth import SeededUser
from mockserver.domain.context import NOT_IMPLEMENTED, UNAUTHORIZED, Context, ServiceOptions, error_result
from mockserver.domain.contract import Caller, DomainError, Outcome
from mockserver.domain.dump import dump_state
from mockserver.domain.store import Store
from mockserver.snowflake import SnowflakeGenerator
from osmiumwire import core_pb2

__all__ = ["ChatService", "SeededUser", "ServiceOptions"]

PublicHandler = Callable[[Context, int | None, core_pb2.ClientMessage], Outcome]
AuthedHandler = Callable[[Context, int, core_pb2.ClientMessage], Outcome]

DEFAULT_OPTIONS = ServiceOptions()

# Allowed before authorization (§3 REF); they receive the caller's user id when there is one.
PUBLIC_HANDLERS: dict[str, PublicHandler] = {
    "auth_sign_up": auth.sign_up,
    "auth_sign_in": auth.sign_in,
    "auth_authorize": auth.authorize,
    "auth_lookup_invite": invites.lookup_invite,
}

AUTHED_HANDLERS: dict[str, AuthedHandler] = {
    "chats_get_chats": chats.get_chats,
    "chats_get_chat": chats.get_chat,
    "chats_create_chat": groups.create_chat,
    "chats_edit_chat": groups.edit_chat,
    "chats_add_chat_member": groups.add_chat_member,
    "chats_remove_chat_member": groups.remove_chat_member,
    "chats_create_chat_invite": invites.create_chat_invite,
    "chats_list_chat_invites": invites.list_chat_invites,
    "chats_delete_chat_invite": invites.delete_chat_invite,
    "auth_use_invite": invites.use_invite,
    "chats_mark_chat_read": read_state.mark_chat_read,
    "chats_set_typing": typing_relay.set_typing,
    "messages_send_message": messages.send_message,
    "messages_get_history": messages.get_history,
    "messages_edit_message": messages.edit_message,
    "messages_delete_message": messages.delete_message,
    "messages_get_unread_mentions": messages.get_unread_mentions,
    "settings_change_notification_preferences": settings.change_notification_preferences,
    "users_lookup_username": users.lookup_username,
    "users_get_profile": users.get_profile,
}


class ChatService:
    """Every chats-scope RPC of semantics.md over one in-memory store."""

    def __init__(self, clock: Clock, ids: SnowflakeGenerator, options: ServiceOptions = DEFAULT_OPTIONS) -> None:
        self._ctx = Context(store=Store(), clock=clock, ids=ids, options=options)

    def handle(self, caller: Caller, request: core_pb2.ClientMessage) -> Outcome:
        member = request.WhichOneof("message")
        self._ctx.created_chats.clear()
        try:
            return self._dispatch(caller, member, request)
        except DomainError as error:
            for chat in self._ctx.created_chats:  # a refused request changes nothing
                self._ctx.store.delete_chat(chat)
            return Outcome(result=error_result(error))

    def _dispatch(self, caller: Caller, member: str | None, request: core_pb2.ClientMessage) -> Outcome:
        viewer = caller.user_id if caller.user_id in self._ctx.store.users else None
        if member is not None and member in PUBLIC_HANDLERS:
            return PUBLIC_HANDLERS[member](self._ctx, viewer, request)
        if member is None or member not in AUTHED_HANDLERS:
            raise DomainError(NOT_IMPLEMENTED, f"{member or 'empty request'} is not implemented")
        if viewer is None:
            raise DomainError(UNAUTHORIZED, "not authorized")
        return AUTHED_HANDLERS[member](self._ctx, viewer, request)

    def seed_user(
        self, name: str, *, username: str | None = None, email: str | None = None, password: str | None = None
    ) -> SeededUser:
        """Create a user and a session for the control API. Raises DomainError (400/409) on bad input."""
        return auth.seed_user(self._ctx, name, username=username, email=email, password=password)

    def dump(self) -> dict[str, object]:
        """JSON-able state for /__admin/state: never passwords, hashes or tokens."""
        return dump_state(self._ctx.store)

    def reset(self) -> None:
        self._ctx.store = Store()
        self._ctx.created_chats.clear()
