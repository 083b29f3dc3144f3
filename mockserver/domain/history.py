"""Which message ids one GetHistory page holds (§12.2, §16 item 36), by position in the sorted ids:
O(log n + limit) whatever the chat's size."""

from __future__ import annotations

from mockserver.domain.sorted_ids import SortedIds


def newest(ids: SortedIds, limit: int) -> list[int]:
    """No offset: the newest `limit`, newest first."""
    return ids.slice(len(ids) - limit, len(ids))[::-1]


def since(ids: SortedIds, anchor: int, limit: int) -> list[int]:
    """Ids > anchor, the `limit` directly above it, oldest first."""
    start = ids.index_above(anchor)
    return ids.slice(start, start + limit)


def before(ids: SortedIds, anchor: int, limit: int) -> list[int]:
    """Ids < anchor, the `limit` directly below it, newest first."""
    stop = ids.index_at_or_above(anchor)
    return ids.slice(stop - limit, stop)[::-1]


def around(ids: SortedIds, anchor: int, limit: int) -> list[int]:
    """Up to ceil(limit/2) ids <= anchor (the anchor included) and up to floor(limit/2) ids > anchor,
    newest first."""
    split = ids.index_above(anchor)
    older = ids.slice(split - (limit + 1) // 2, split)
    newer = ids.slice(split, split + limit // 2)
    return (older + newer)[::-1]
