"""GetHistory pages (semantics.md §12.2, §16 item 36): exclusive bounds, directions, around split, limits."""

from __future__ import annotations

import pytest

from mockserver.domain import history
from mockserver.domain.sorted_ids import SortedIds
from tests.mockserver.domain.world import World, group_ref, history_ids, make_group, send

IDS = list(range(10, 110, 10))  # 10, 20, ..., 100


@pytest.fixture
def ids() -> SortedIds:
    sorted_ids = SortedIds()
    for value in IDS:
        sorted_ids.add(value)
    return sorted_ids


def test_newest_first_without_offset(ids: SortedIds) -> None:
    """§12.2 REF: no offset -> newest `limit`, newest first."""
    assert history.newest(ids, 3) == [100, 90, 80]
    assert history.newest(ids, 50) == IDS[::-1]


def test_since_is_exclusive_and_ascending(ids: SortedIds) -> None:
    """§12.2: since -> ids > since, the `limit` directly above, oldest first."""
    assert history.since(ids, 30, 3) == [40, 50, 60]
    assert history.since(ids, 35, 2) == [40, 50]
    assert history.since(ids, 100, 5) == []
    assert history.since(ids, 0, 2) == [10, 20]


def test_before_is_exclusive_and_descending(ids: SortedIds) -> None:
    """§12.2: before -> ids < before, newest first."""
    assert history.before(ids, 50, 3) == [40, 30, 20]
    assert history.before(ids, 55, 2) == [50, 40]
    assert history.before(ids, 10, 5) == []


@pytest.mark.parametrize(
    ("anchor", "limit", "expected"),
    [
        (50, 4, [70, 60, 50, 40]),  # ceil(4/2)=2 at or below (anchor included), floor(4/2)=2 above
        (50, 5, [70, 60, 50, 40, 30]),  # ceil(5/2)=3 at or below, 2 above
        (55, 4, [70, 60, 50, 40]),  # anchor that is not a message id
        (10, 4, [30, 20, 10]),  # nothing older than the anchor
        (100, 4, [100, 90]),  # nothing newer
        (50, 1, [50]),  # ceil(1/2)=1, floor(1/2)=0
    ],
)
def test_around_split(ids: SortedIds, anchor: int, limit: int, expected: list[int]) -> None:
    """§16 item 36: around X -> ceil(limit/2) ids <= X and floor(limit/2) ids > X, newest first."""
    assert history.around(ids, anchor, limit) == expected


def test_history_limits_through_the_service() -> None:
    """§12.2: default 50 (0 too), clamp 100, pages chain with `before`."""
    world = World(service_messages=False)
    alice = world.sign_up()
    gid = make_group(world, alice)
    sent = [send(world, alice, group_ref(gid), f"m{i}") for i in range(120)]
    assert history_ids(world, alice, group_ref(gid)) == sent[::-1][:50]
    assert history_ids(world, alice, group_ref(gid), limit=0) == sent[::-1][:50]
    assert history_ids(world, alice, group_ref(gid), limit=1000) == sent[::-1][:100]
    assert history_ids(world, alice, group_ref(gid), limit=10, before=sent[50]) == sent[40:50][::-1]
    assert history_ids(world, alice, group_ref(gid), limit=10, since=sent[50]) == sent[51:61]
    assert history_ids(world, alice, group_ref(gid), limit=10, around=sent[50]) == sent[46:56][::-1]


def test_deleted_messages_never_appear() -> None:
    """§12.2: deleted messages never appear in any page."""
    world = World(service_messages=False)
    alice = world.sign_up()
    gid = make_group(world, alice)
    sent = [send(world, alice, group_ref(gid)) for _ in range(5)]
    world.ok(alice, "messages_delete_message", chat_ref=group_ref(gid), message_ids=[sent[1], sent[3]])
    assert history_ids(world, alice, group_ref(gid)) == [sent[4], sent[2], sent[0]]
    assert history_ids(world, alice, group_ref(gid), since=0) == [sent[0], sent[2], sent[4]]
    assert history_ids(world, alice, group_ref(gid), around=sent[3], limit=2) == [sent[4], sent[2]]
