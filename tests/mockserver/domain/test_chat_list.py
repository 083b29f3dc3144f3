"""GetChats: sort key, exclusive bounds, limits, listing rules and side lists (semantics.md §8.1, §10.1,
§16 items 4-7)."""

from __future__ import annotations

from mockserver.domain.chats import select_keys
from mockserver.domain.sorted_ids import SortedIds
from tests.mockserver.domain.world import SELF_REF, World, group_ref, make_group, ref_of, send, user_ref


def keys(values: list[int]) -> SortedIds:
    ids = SortedIds()
    for value in values:
        ids.add(value)
    return ids


def test_select_keys_bounds_are_exclusive() -> None:
    """§10.1 REF: max_id -> newest `limit` below it; both -> strictly between; min_id only -> nearest above."""
    order = keys(list(range(10, 110, 10)))  # 10..100
    assert select_keys(order, 3, None, None) == [100, 90, 80]
    assert select_keys(order, 3, 50, None) == [40, 30, 20]
    assert select_keys(order, 3, 55, None) == [50, 40, 30]
    assert select_keys(order, 10, 50, 20) == [40, 30]
    assert select_keys(order, 1, 50, 20) == [40]
    assert select_keys(order, 3, None, 50) == [80, 70, 60]
    assert select_keys(order, 3, None, 95) == [100]
    assert select_keys(order, 3, 10, None) == []
    assert select_keys(order, 3, None, 100) == []
    assert select_keys(order, 5, 30, 40) == []


def test_default_limit_50_and_clamp_100() -> None:
    """§16 item 5: absent or 0 -> 50; above 100 -> 100."""
    world = World(service_messages=False)
    alice = world.sign_up()
    for i in range(120):
        make_group(world, alice, name=f"g{i}")
    assert len(world.ok(alice, "chats_get_chats").result.chats.chats) == 50
    assert len(world.ok(alice, "chats_get_chats", limit=0).result.chats.chats) == 50
    assert len(world.ok(alice, "chats_get_chats", limit=500).result.chats.chats) == 100
    assert len(world.ok(alice, "chats_get_chats", limit=7).result.chats.chats) == 7


def test_paging_through_the_list_with_max_id() -> None:
    """§10.1: max_id = last key of the previous page walks the whole list without gaps or repeats."""
    world = World(service_messages=False)
    alice = world.sign_up()
    created = [make_group(world, alice, name=f"g{i}") for i in range(12)]
    seen: list[int] = []
    page = world.ok(alice, "chats_get_chats", limit=5).result.chats.chats
    while page:
        seen.extend(c.last_message_id for c in page)
        page = world.ok(alice, "chats_get_chats", limit=5, max_id=page[-1].last_message_id).result.chats.chats
    assert seen == list(reversed(created))
    newer = world.ok(alice, "chats_get_chats", limit=3, min_id=created[4]).result.chats.chats
    assert [c.last_message_id for c in newer] == [created[7], created[6], created[5]]


def test_new_message_moves_chat_to_top() -> None:
    """§8.1: the sort key is last_message_id, so activity reorders the list."""
    world = World(service_messages=False)
    alice = world.sign_up()
    first, second = make_group(world, alice), make_group(world, alice)
    mid = send(world, alice, group_ref(first))
    chats = world.ok(alice, "chats_get_chats").result.chats
    assert [ref_of(c.chat_ref) for c in chats.chats] == [("group", first), ("group", second)]
    assert chats.chats[0].last_message_id == mid and [m.message_id for m in chats.messages] == [mid]


def test_dm_and_self_listed_only_with_a_message() -> None:
    """§16 item 7: DMs and saved messages appear once they hold a message; both DM sides see it."""
    world = World()
    alice, bob = world.sign_up(), world.sign_up()
    world.ok(alice, "chats_get_chat", chat_ref=user_ref(bob.user_id))
    world.ok(alice, "chats_get_chat", chat_ref=SELF_REF)
    assert world.ok(alice, "chats_get_chats").result.chats.chats == []
    send(world, alice, SELF_REF)
    dm = send(world, alice, user_ref(bob.user_id))
    alice_list = world.ok(alice, "chats_get_chats").result.chats
    assert [ref_of(c.chat_ref) for c in alice_list.chats] == [("user", bob.user_id), ("self", 0)]
    bob_list = world.ok(bob, "chats_get_chats").result.chats
    assert [ref_of(c.chat_ref) for c in bob_list.chats] == [("user", alice.user_id)]
    assert bob_list.chats[0].last_message_id == dm and bob_list.chats[0].unread_count == 1
    assert {u.id for u in bob_list.users} == {alice.user_id, bob.user_id}
    assert bob_list.groups == [] and bob_list.channels == []


def test_side_lists_groups_users_messages() -> None:
    """§10.1: groups (viewer-relative owner) for group conversations, every referenced user, last messages."""
    world = World(service_messages=False)
    alice, bob, carol = world.sign_up(), world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob)
    mid = send(world, bob, group_ref(gid))
    send(world, carol, user_ref(bob.user_id))
    chats = world.ok(alice, "chats_get_chats").result.chats
    assert [(g.id, g.owner) for g in chats.groups] == [(gid, True)]
    assert [m.message_id for m in chats.messages] == [mid]
    assert {u.id for u in chats.users} == {alice.user_id, bob.user_id}
    bob_view = world.ok(bob, "chats_get_chats").result.chats
    assert [(g.id, g.owner) for g in bob_view.groups] == [(gid, False)]
    assert {u.id for u in bob_view.users} == {alice.user_id, bob.user_id, carol.user_id}
