"""Group invites (semantics.md §10.7-§10.12, §16 items 20-26)."""

from __future__ import annotations

import re

import pytest

from osmiumwire import auth_pb2
from tests.mockserver.domain.world import SELF_REF, Actor, World, group_ref, kinds, make_group, user_ref


def create(world: World, who: Actor, gid: int, **fields: object) -> str:
    return world.ok(who, "chats_create_chat_invite", chat_ref=group_ref(gid), **fields).result.created_invite.code


def test_invite_code_length_is_a_switch() -> None:
    """§16.26 REF is 8 characters; `--invite-code-length` (ServiceOptions.invite_code_length) changes only that."""
    world = World(invite_code_length=11)
    alice = world.sign_up("Alice")
    code = create(world, alice, make_group(world, alice))
    assert re.fullmatch(r"[A-Za-z0-9]{11}", code)
    assert world.ok(None, "auth_lookup_invite", code=code).result.invite_preview.code == code
    world.ok(world.sign_up("Bob"), "auth_use_invite", code=code)
    assert world.error(None, "auth_lookup_invite", code=code[:8]) == 404


def test_create_and_lookup_before_auth() -> None:
    """§10.7, §10.11: code of 8 [A-Za-z0-9]; LookupInvite works unauthenticated, owner false, creator filled."""
    world = World()
    alice = world.sign_up("Alice")
    gid = make_group(world, alice, name="Club")
    code = create(world, alice, gid)
    assert re.fullmatch(r"[A-Za-z0-9]{8}", code)
    preview = world.ok(None, "auth_lookup_invite", code=code).result.invite_preview
    assert (preview.code, preview.creator_id, preview.target_id) == (code, alice.user_id, gid)
    assert preview.target_type == auth_pb2.InviteType.GROUP and not preview.HasField("expires_at")
    assert preview.creator.name == "Alice" and preview.WhichOneof("target_info") == "chat"
    assert preview.chat.name == "Club" and not preview.chat.owner
    assert world.ok(alice, "auth_lookup_invite", code=code).result.invite_preview.chat.owner


def test_create_invite_validation() -> None:
    """§10.7 REF: user/self -> 400, channel -> 501, outsider -> 403, expires_at <= now -> 400."""
    world = World()
    alice, bob, eve = world.sign_up(), world.sign_up(), world.sign_up()
    gid = make_group(world, alice)
    now = world.clock.now_ms()
    assert world.error(alice, "chats_create_chat_invite", chat_ref=user_ref(bob.user_id)) == 400
    assert world.error(alice, "chats_create_chat_invite", chat_ref=SELF_REF) == 400
    assert world.error(alice, "chats_create_chat_invite", chat_ref={"channel": {"channel_id": 1}}) == 501
    assert world.error(eve, "chats_create_chat_invite", chat_ref=group_ref(gid)) == 403
    assert world.error(alice, "chats_create_chat_invite", chat_ref=group_ref(gid), expires_at=now) == 400
    assert world.error(alice, "chats_create_chat_invite", chat_ref=group_ref(gid), expires_at=now - 1) == 400
    code = create(world, alice, gid, expires_at=now + 1)
    assert world.ok(None, "auth_lookup_invite", code=code).result.invite_preview.expires_at == now + 1


def test_use_invite_joins_like_add_member_and_creates_no_update_when_member() -> None:
    """§10.12: UseInvite adds the caller with AddChatMember's updates; a participant -> success, no updates."""
    world = World()
    alice, bob, carol = world.sign_up(), world.sign_up(), world.sign_up()
    gid = make_group(world, alice)
    code = create(world, alice, gid, max_uses=2)
    outcome = world.ok(bob, "auth_use_invite", code=code)
    assert kinds(outcome.deliveries) == [
        (alice.user_id, "group"), (bob.user_id, "group"), (bob.user_id, "chat"),
        (alice.user_id, "message_created"), (bob.user_id, "message_created"),
    ]
    assert world.ok(alice, "auth_use_invite", code=code).deliveries == []  # owner: no use consumed
    assert world.ok(bob, "auth_use_invite", code=code).deliveries == []
    world.ok(carol, "auth_use_invite", code=code)  # the second use is still there
    assert world.error(world.sign_up(), "auth_use_invite", code=code) == 404


def test_max_uses_exhaustion() -> None:
    """§10.12: exhausted when uses == max_uses -> 404 everywhere; max_uses 0 or absent = unlimited."""
    world = World()
    alice, bob, carol, dave = world.sign_up(), world.sign_up(), world.sign_up(), world.sign_up()
    gid = make_group(world, alice)
    limited = create(world, alice, gid, max_uses=2)
    unlimited = create(world, alice, gid, max_uses=0)
    world.ok(bob, "auth_use_invite", code=limited)
    world.ok(carol, "auth_use_invite", code=limited)
    assert world.error(dave, "auth_use_invite", code=limited) == 404
    assert world.error(dave, "auth_lookup_invite", code=limited) == 404
    world.ok(dave, "auth_use_invite", code=unlimited)
    listed = world.ok(alice, "chats_list_chat_invites", chat_ref=group_ref(gid)).result.invite_list.invites
    assert [invite.code for invite in listed] == [unlimited]


@pytest.mark.parametrize(("offset", "live"), [(-1, True), (0, False), (1, False)])
def test_expiry_edges(offset: int, live: bool) -> None:
    """§10.12: expired when now_ms >= expires_at: valid at expires_at - 1, invalid at expires_at and after."""
    world = World()
    alice, bob = world.sign_up(), world.sign_up()
    gid = make_group(world, alice)
    expires_at = world.clock.now_ms() + 60_000
    code = create(world, alice, gid, expires_at=expires_at)
    world.clock.set_ms(expires_at + offset)
    listed = world.ok(alice, "chats_list_chat_invites", chat_ref=group_ref(gid)).result.invite_list.invites
    if live:
        assert world.ok(None, "auth_lookup_invite", code=code).result.invite_preview.expires_at == expires_at
        assert [i.code for i in listed] == [code]
        world.ok(bob, "auth_use_invite", code=code)
    else:
        assert world.error(None, "auth_lookup_invite", code=code) == 404
        assert world.error(bob, "auth_use_invite", code=code) == 404
        assert list(listed) == []


def test_list_visibility() -> None:
    """§10.8 REF: owner sees all live invites in creation order, others only their own, outsiders 403."""
    world = World()
    alice, bob, eve = world.sign_up(), world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob)
    first, second, third = create(world, alice, gid), create(world, bob, gid), create(world, alice, gid)

    def listed(who: Actor) -> list[str]:
        result = world.ok(who, "chats_list_chat_invites", chat_ref=group_ref(gid)).result.invite_list
        return [invite.code for invite in result.invites]

    assert listed(alice) == [first, second, third]
    assert listed(bob) == [second]
    assert world.error(eve, "chats_list_chat_invites", chat_ref=group_ref(gid)) == 403
    invite = world.ok(bob, "chats_list_chat_invites", chat_ref=group_ref(gid)).result.invite_list.invites[0]
    assert invite.creator.id == bob.user_id and invite.chat.id == gid and not invite.chat.owner


def test_delete_permissions() -> None:
    """§10.9 REF: creator or owner deletes; others 403; deleted/unknown 404 and the code stops working."""
    world = World()
    alice, bob, carol = world.sign_up(), world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob, carol)
    by_bob, by_carol = create(world, bob, gid), create(world, carol, gid)
    assert world.error(carol, "chats_delete_chat_invite", code=by_bob) == 403
    world.ok(bob, "chats_delete_chat_invite", code=by_bob)
    world.ok(alice, "chats_delete_chat_invite", code=by_carol)
    assert world.error(bob, "chats_delete_chat_invite", code=by_bob) == 404
    assert world.error(bob, "chats_delete_chat_invite", code="nope1234") == 404
    assert world.error(None, "auth_lookup_invite", code=by_carol) == 404
    assert world.error(carol, "auth_use_invite", code=by_bob) == 404


def test_invite_survives_creator_leaving() -> None:
    """§10.6 REF: invites belong to the group, so a removed creator's invites stay valid."""
    world = World()
    alice, bob, carol = world.sign_up(), world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob)
    code = create(world, bob, gid)
    world.ok(bob, "chats_remove_chat_member", chat_ref=group_ref(gid), user_id=bob.user_id)
    world.ok(carol, "auth_use_invite", code=code)


def test_use_invite_requires_auth() -> None:
    """§3 REF: UseInvite is not in the pre-auth allow list -> 401."""
    world = World()
    alice = world.sign_up()
    code = create(world, alice, make_group(world, alice))
    assert world.error(None, "auth_use_invite", code=code) == 401
