"""Group creation and the chat list (semantics.md §8.4, §10.1, §10.3)."""

from __future__ import annotations

from tests.mockserver.domain.world import World, kinds, ref_of


def test_create_chat_returns_group_and_notifies_every_participant() -> None:
    """§10.3: Group for the caller (owner=true); UpdateGroup + UpdateChat to all, JOIN per added user."""
    world = World()
    alice, bob, carol = world.sign_up("A"), world.sign_up("B"), world.sign_up("C")
    outcome = world.ok(alice, "chats_create_chat", name="Team",
                       users=[{"user_id": bob.user_id}, {"user_id": carol.user_id}, {"user_id": alice.user_id}])
    group = outcome.result.group
    assert group.owner and group.name == "Team"
    assert list(group.participant_ids) == [alice.user_id, bob.user_id, carol.user_id]
    members = [alice.user_id, bob.user_id, carol.user_id]
    assert kinds(outcome.deliveries) == (
        [(m, "group") for m in members] + [(m, "chat") for m in members]
        + [(m, "message_created") for m in members] * 2
    )
    owners = {d.user_id: d.update.group.group.owner for d in outcome.deliveries if d.update.HasField("group")}
    assert owners == {alice.user_id: True, bob.user_id: False, carol.user_id: False}


def test_create_chat_validation() -> None:
    """§10.3 REF: empty name 400, >100 chars 400, unknown user 404 (nothing created)."""
    world = World()
    alice = world.sign_up()
    assert world.error(alice, "chats_create_chat", name=" ") == 400
    assert world.error(alice, "chats_create_chat", name="x" * 101) == 400
    assert world.error(alice, "chats_create_chat", name="ok", users=[{"user_id": 999}]) == 404
    assert len(world.ok(alice, "chats_get_chats").result.chats.chats) == 0
    assert world.ok(alice, "chats_create_chat", name="x" * 100).result.group.participant_ids == [alice.user_id]


def test_get_chats_lists_groups_newest_first() -> None:
    """§10.1: sorted by last_message_id descending; a group without messages keys on its own id."""
    world = World(service_messages=False)
    alice = world.sign_up()
    ids = [world.ok(alice, "chats_create_chat", name=f"g{i}").result.group.id for i in range(3)]
    chats = world.ok(alice, "chats_get_chats").result.chats
    assert [ref_of(c.chat_ref) for c in chats.chats] == [("group", i) for i in reversed(ids)]
    assert [c.last_message_id for c in chats.chats] == list(reversed(ids))
    assert [g.id for g in chats.groups] == list(reversed(ids))
    assert [u.id for u in chats.users] == [alice.user_id]
