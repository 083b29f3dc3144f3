"""GetChats and GetChat (§10.1, §10.2): the viewer's chat list, paged by `last_message_id`."""

from __future__ import annotations

from mockserver.domain import refs, render
from mockserver.domain.context import Context
from mockserver.domain.contract import Outcome
from mockserver.domain.model import ChatKind
from mockserver.domain.sorted_ids import SortedIds
from osmiumwire import core_pb2

DEFAULT_LIMIT = 50  # §16 item 5
MAX_LIMIT = 100


def page_limit(requested: int) -> int:
    """Absent or 0 -> 50, above 100 -> 100 (§10.1, §12.2)."""
    return DEFAULT_LIMIT if requested == 0 else min(requested, MAX_LIMIT)


def select_keys(order: SortedIds, limit: int, max_id: int | None, min_id: int | None) -> list[int]:
    """Keys of one page, descending, exclusive bounds (§10.1): with `max_id` the newest `limit` below it
    (and above `min_id`); with only `min_id` the `limit` keys immediately above it (§16 item 6)."""
    low = 0 if min_id is None else order.index_above(min_id)
    if max_id is None and min_id is not None:
        return order.slice(low, low + limit)[::-1]
    high = len(order) if max_id is None else order.index_at_or_above(max_id)
    return order.slice(max(low, high - limit), high)[::-1]


def get_chats(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    page = request.chats_get_chats
    keys = select_keys(
        ctx.store.chat_order[viewer], page_limit(page.limit),
        page.max_id if page.HasField("max_id") else None, page.min_id if page.HasField("min_id") else None,
    )
    answer = core_pb2.RPCResult()
    result = answer.chats  # filled in place: a page copied into its RPCResult would be built twice
    result.SetInParent()
    user_ids: list[int] = []
    for key in keys:
        chat = ctx.store.chats[ctx.store.chat_by_key[key]]
        render.conversation(ctx.store, chat, viewer, result.chats.add())
        user_ids.extend(render.chat_users(chat, viewer))
        if chat.kind is ChatKind.GROUP:
            render.group(chat, viewer, result.groups.add())
        last = ctx.store.last_message(chat)
        if last is not None:
            render.message(chat, last, viewer, result.messages.add())
            user_ids.append(last.author_id)
    render.add_users(result.users, ctx.store, user_ids)
    return Outcome(result=answer)


def get_chat(ctx: Context, viewer: int, request: core_pb2.ClientMessage) -> Outcome:
    """Creates a DM record on first use (§16 item 35) but lists nothing until a message exists."""
    chat = refs.resolve(ctx, viewer, request.chats_get_chat.chat_ref)
    result = core_pb2.RPCResult()
    render.chat_view(ctx.store, chat, viewer, result.chat)
    return Outcome(result=result)
