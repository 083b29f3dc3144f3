"""A typed, sorted multiset of ints: the one index structure behind every page and every unread count.

Pages must cost O(log n + limit) and unread counts must not scan a chat (issue 3, "scale"), so every
ordered access path (a chat's message ids, a user's conversation keys, per-author and per-mention ids)
is one of these: insertion and removal in O(log n), rank queries by bisection, slices by position.
"""

from __future__ import annotations

from collections.abc import Iterator

from sortedcontainers import SortedList  # type: ignore[import-untyped]


class SortedIds:
    """Sorted ints with rank queries (`count_above`) and positional slices; duplicates are not expected.

    The largest value is kept at hand: every chat view asks for the newest message, and most unread counts
    are asked of someone who has read everything (nothing above the newest), so both answer in O(1).
    """

    __slots__ = ("_items", "_last")

    def __init__(self) -> None:
        self._items = SortedList()
        self._last: int | None = None

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return len(self._items) > 0

    def __contains__(self, value: int) -> bool:
        return value in self._items

    def __iter__(self) -> Iterator[int]:
        return iter(self._items)

    def add(self, value: int) -> None:
        self._items.add(value)
        if self._last is None or value > self._last:
            self._last = value

    def discard(self, value: int) -> None:
        self._items.discard(value)
        if value == self._last:
            self._last = int(self._items[-1]) if self._items else None

    def last(self) -> int | None:
        """The largest value, or None when empty."""
        return self._last

    def count_above(self, value: int) -> int:
        """How many values are strictly greater than `value` (O(log n); O(1) at or above the largest)."""
        if self._last is None or value >= self._last:
            return 0
        return len(self._items) - int(self._items.bisect_right(value))

    def values_above(self, value: int) -> list[int]:
        """Every value strictly greater than `value`, ascending (O(log n + k))."""
        start = int(self._items.bisect_right(value))
        return [int(v) for v in self._items.islice(start)]

    def index_above(self, value: int) -> int:
        """Position of the first value strictly greater than `value`."""
        return int(self._items.bisect_right(value))

    def index_at_or_above(self, value: int) -> int:
        """Position of the first value greater than or equal to `value`."""
        return int(self._items.bisect_left(value))

    def slice(self, start: int, stop: int) -> list[int]:
        """Values at positions [start, stop), ascending, clamped to the bounds (O(log n + k))."""
        start = max(start, 0)
        stop = min(stop, len(self._items))
        if start >= stop:
            return []
        return [int(v) for v in self._items.islice(start, stop)]
