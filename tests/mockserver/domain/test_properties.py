"""Property checks of the indexes against naive models (semantics.md §10.1, §11, §12.2): whatever the data,
pages equal a filter-and-sort over all ids and unread counts equal a count over all messages."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.domain import history
from mockserver.domain.chats import select_keys
from mockserver.domain.sorted_ids import SortedIds
from tests.mockserver.domain.world import World, conversation, group_ref, make_group

id_sets = st.sets(st.integers(min_value=1, max_value=500), max_size=60)
anchors = st.integers(min_value=0, max_value=510)
limits = st.integers(min_value=1, max_value=20)


def sorted_ids(values: set[int]) -> SortedIds:
    ids = SortedIds()
    for value in values:
        ids.add(value)
    return ids


operations = st.lists(st.tuples(st.booleans(), st.integers(min_value=1, max_value=40)), max_size=80)


@given(operations, anchors)
def test_newest_and_count_above_track_adds_and_discards(steps: list[tuple[bool, int]], probe: int) -> None:
    """The cached largest value (and the O(1) path of `count_above` it allows) survives every add/discard
    order, deleting the newest message included."""
    ids, model = SortedIds(), set()
    for adding, value in steps:
        if adding and value not in model:
            ids.add(value)
            model.add(value)
        elif not adding:
            ids.discard(value)
            model.discard(value)
        assert ids.last() == (max(model) if model else None)
        assert ids.count_above(probe) == sum(1 for v in model if v > probe)
        assert ids.count_above(value) == sum(1 for v in model if v > value)


@given(id_sets, limits, st.none() | anchors, st.none() | anchors)
def test_chat_list_page_matches_naive_filter(values: set[int], limit: int, max_id: int | None,
                                             min_id: int | None) -> None:
    """§10.1: exclusive bounds; newest below max_id, or nearest above a lone min_id; descending."""
    inside = sorted(v for v in values if (max_id is None or v < max_id) and (min_id is None or v > min_id))
    expected = inside[:limit] if max_id is None and min_id is not None else inside[-limit:]
    assert select_keys(sorted_ids(values), limit, max_id, min_id) == expected[::-1]


@given(id_sets, limits, anchors)
def test_history_pages_match_naive_filter(values: set[int], limit: int, anchor: int) -> None:
    """§12.2: since ascending above, before descending below, around split ceil/floor, newest first."""
    ids, ordered = sorted_ids(values), sorted(values)
    assert history.newest(ids, limit) == ordered[::-1][:limit]
    assert history.since(ids, anchor, limit) == [v for v in ordered if v > anchor][:limit]
    assert history.before(ids, anchor, limit) == [v for v in ordered if v < anchor][::-1][:limit]
    older = [v for v in ordered if v <= anchor][-((limit + 1) // 2):] if (limit + 1) // 2 else []
    newer = [v for v in ordered if v > anchor][: limit // 2]
    assert history.around(ids, anchor, limit) == (older + newer)[::-1]


operations = st.lists(
    st.tuples(st.sampled_from(["send", "read", "delete"]), st.integers(0, 2), st.integers(0, 1000)), max_size=40
)


@settings(max_examples=40, deadline=None)
@given(operations)
def test_unread_counts_match_naive_count(steps: list[tuple[str, int, int]]) -> None:
    """§11: unread = messages above last_read not authored by the viewer, after any mix of sends, reads and
    deletions."""
    world = World()
    actors = [world.sign_up() for _ in range(3)]
    gid = make_group(world, actors[0], actors[1], actors[2])
    ref = group_ref(gid)
    for action, who, pick in steps:
        actor = actors[who]
        ids = [m.message_id for m in world.ok(actor, "messages_get_history", chat_ref=ref, limit=100)
               .result.messages.messages]
        if action == "send":
            world.ok(actor, "messages_send_message", chat_ref=ref, message="x")
        elif action == "read" and ids:
            world.ok(actor, "chats_mark_chat_read", chat_ref=ref, message_id=ids[pick % len(ids)])
        elif action == "delete":
            own = [m.message_id for m in world.ok(actor, "messages_get_history", chat_ref=ref, limit=100)
                   .result.messages.messages if m.author_id == actor.user_id and m.type == 0]
            if own:
                world.ok(actor, "messages_delete_message", chat_ref=ref, message_ids=[own[pick % len(own)]])
    every = world.ok(actors[0], "messages_get_history", chat_ref=ref, limit=100).result.messages.messages
    for actor in actors:
        view = conversation(world, actor, ref)
        naive = sum(1 for m in every if m.message_id > view.last_read_message_id and m.author_id != actor.user_id)
        assert view.unread_count == naive
