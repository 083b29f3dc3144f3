"""LookupUsername and GetProfile (§9.4, §9.5): just enough user lookup to drive chat flows."""

from __future__ import annotations

from mockserver.domain import render
from mockserver.domain.context import NOT_FOUND, Context, result_with
from mockserver.domain.contract import DomainError, Outcome
from osmiumwire import core_pb2, users_pb2


def lookup_username(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    """Case-insensitive exact match, leading `@` stripped; not found -> 404."""
    wanted = request.users_lookup_username.username.removeprefix("@").casefold()
    user_id = ctx.store.user_by_username.get(wanted)
    if user_id is None:
        raise DomainError(NOT_FOUND, "no user with that username")
    details = users_pb2.UserDetails(user=render.user(ctx.store.users[user_id]))
    return Outcome(result=result_with("user_details", details))


def get_profile(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    """REF: empty bio and mutual lists; unknown user -> 404."""
    user = ctx.user(request.users_get_profile.ref.user_id)
    profile = users_pb2.Profile(bio="")
    profile.ref.user_id = user.id
    return Outcome(result=result_with("profile", profile))
