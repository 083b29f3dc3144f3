"""Permissions, property-based (issue 7; semantics.md §8.4, §10.4-§10.9, §12.3-§12.4).

Hypothesis draws small worlds: a group with an owner, one to three members, one or two outsiders, maybe a
member the owner removed, and invites created by random participants. Then:

* no RPC lets a non-member (outsider or removed member) read the history, get the chat, list invites,
  type, send, mark read, edit, add or remove members, create invites or delete others' invites: each is
  answered 403 (§8.4, REF);
* after traffic in the group (a message, typing, an edit), no non-member received any update that
  mentions the group, while every member did receive the message (the positive control);
* ListChatInvites shows the owner every live invite and any other member only their own (§10.8);
* only the roles the spec names can edit the chat (owner, §10.4), remove another member (owner, §10.6),
  delete an invite (its creator or the owner, §10.9), edit or delete a message (author; owner may delete,
  §12.3-§12.4).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.embedded import EmbeddedServer
from osmiumwire import chats_pb2, messages_pb2, refs_pb2, settings_pb2, updates_pb2
from tests.robustness.wire_client import User, sign_up

FORBIDDEN = 403


@dataclass(frozen=True)
class WorldPlan:
    members: int  # besides the owner
    outsiders: int
    remove_one: bool  # the owner removes the last member before the checks
    invites_by: list[int]  # participant index (0 = owner) of each invite's creator
    author: int  # participant index of the member who writes the message
    actor_roles: list[str]  # who attempts each owner/creator/author-only action


worlds = st.builds(
    WorldPlan,
    members=st.integers(1, 3),
    outsiders=st.integers(1, 2),
    remove_one=st.booleans(),
    invites_by=st.lists(st.integers(0, 3), min_size=1, max_size=4),
    author=st.integers(0, 3),
    actor_roles=st.lists(st.sampled_from(["owner", "member", "outsider", "removed", "author", "creator"]),
                         min_size=3, max_size=6),
)


@dataclass
class World:
    owner: User
    members: list[User]  # current members besides the owner
    outsiders: list[User]
    removed: User | None
    group_id: int
    invites: dict[str, int] = field(default_factory=dict)  # code -> creator user id

    @property
    def participants(self) -> list[User]:
        return [self.owner, *self.members]

    @property
    def non_members(self) -> list[User]:
        return self.outsiders + ([self.removed] if self.removed else [])

    @property
    def everyone(self) -> list[User]:
        return self.participants + self.non_members

    def ref(self) -> refs_pb2.ChatRef:
        return refs_pb2.ChatRef(group=refs_pb2.GroupRef(group_id=self.group_id))


def mentions(message: Message, value: int) -> bool:
    """Whether any integer field, at any depth, holds `value` (a group id in an update about that group)."""
    for descriptor, content in message.ListFields():
        items = content if descriptor.is_repeated else [content]
        for item in items:
            if descriptor.type == FieldDescriptor.TYPE_MESSAGE:
                if mentions(item, value):
                    return True
            elif item == value:
                return True
    return False


async def build(url: str, plan: WorldPlan) -> World:
    owner = await sign_up(url)
    members = [await sign_up(url) for _ in range(plan.members)]
    outsiders = [await sign_up(url) for _ in range(plan.outsiders)]
    body = chats_pb2.CreateChat(name="perm", users=[refs_pb2.UserRef(user_id=m.user_id) for m in members])
    group_id = (await owner.client.ok("chats_create_chat", body)).group.id
    world = World(owner, members, outsiders, None, group_id)
    if plan.remove_one and len(members) > 1:
        world.removed = members[-1]
        world.members = members[:-1]
        removal = chats_pb2.RemoveChatMember(chat_ref=world.ref(), user_id=world.removed.user_id)
        await owner.client.ok("chats_remove_chat_member", removal)
    for index in plan.invites_by:
        creator = world.participants[index % len(world.participants)]
        created = await creator.client.ok("chats_create_chat_invite", chats_pb2.CreateChatInvite(chat_ref=world.ref()))
        world.invites[created.created_invite.code] = creator.user_id
    for user in world.everyone:  # settle: every update of the setup has arrived before the checks begin
        await user.client.barrier()
    return world


def forbidden_requests(world: World, message_id: int) -> list[tuple[str, Message]]:
    """Every group RPC a non-member might try, each of which must be refused."""
    ref = world.ref()
    someone = world.owner.user_id
    code = next(iter(world.invites))
    return [
        ("chats_get_chat", chats_pb2.GetChat(chat_ref=ref)),
        ("messages_get_history", messages_pb2.GetHistory(chat_ref=ref)),
        ("messages_get_unread_mentions", messages_pb2.GetUnreadMentions(chat_ref=ref)),
        ("chats_list_chat_invites", chats_pb2.ListChatInvites(chat_ref=ref)),
        ("chats_set_typing", chats_pb2.SetTyping(chat_ref=ref, typing=True)),
        ("messages_send_message", messages_pb2.SendMessage(chat_ref=ref, message="let me in")),
        ("chats_mark_chat_read", chats_pb2.MarkChatRead(chat_ref=ref, message_id=message_id)),
        ("chats_edit_chat", chats_pb2.EditChat(chat_ref=ref, name="taken over")),
        ("chats_add_chat_member", chats_pb2.AddChatMember(chat_ref=ref, user_id=world.outsiders[0].user_id)),
        ("chats_remove_chat_member", chats_pb2.RemoveChatMember(chat_ref=ref, user_id=someone)),
        ("chats_create_chat_invite", chats_pb2.CreateChatInvite(chat_ref=ref)),
        ("chats_delete_chat_invite", chats_pb2.DeleteChatInvite(code=code)),
        ("messages_edit_message", messages_pb2.EditMessage(chat_ref=ref, message_id=message_id, message="x")),
        ("messages_delete_message", messages_pb2.DeleteMessage(chat_ref=ref, message_ids=[message_id])),
        (
            "settings_change_notification_preferences",
            settings_pb2.ChangeNotificationPreferences(chat_ref=ref),
        ),
    ]


def group_updates(user: User, group_id: int, since: int) -> list[updates_pb2.Update]:
    return [u for u in user.client.received.updates[since:] if mentions(u, group_id)]


async def check_non_members_locked_out(world: World, plan: WorldPlan) -> None:
    author = world.participants[plan.author % len(world.participants)]
    marks = {user.user_id: len(user.client.received.updates) for user in world.everyone}
    sent = messages_pb2.SendMessage(chat_ref=world.ref(), message="members only")
    message_id = (await author.client.ok("messages_send_message", sent)).sent_message.message_id
    await author.client.ok("chats_set_typing", chats_pb2.SetTyping(chat_ref=world.ref(), typing=True))
    await world.owner.client.ok("chats_edit_chat", chats_pb2.EditChat(chat_ref=world.ref(), name="renamed"))

    for outsider in world.non_members:
        for member, body in forbidden_requests(world, message_id):
            answer = await outsider.client.call(member, body)
            assert answer.WhichOneof("result") == "error", f"a non-member's {member} succeeded: {answer}"
            assert answer.error.error_code == FORBIDDEN, f"{member} by a non-member: {answer.error}"

    for user in world.everyone:
        await user.client.barrier()
    for outsider in world.non_members:
        leaked = group_updates(outsider, world.group_id, marks[outsider.user_id])
        assert not leaked, f"a non-member received updates of the group: {leaked[:2]}"
    for participant in world.participants:  # the positive control: the same updates did reach the members
        created = [u for u in group_updates(participant, world.group_id, marks[participant.user_id])
                   if u.WhichOneof("update") == "message_created"]
        assert [u.message_created.message.message_id for u in created] == [message_id]


async def check_invite_visibility(world: World) -> None:
    for viewer in world.participants:
        listed = await viewer.client.ok("chats_list_chat_invites", chats_pb2.ListChatInvites(chat_ref=world.ref()))
        codes = {invite.code for invite in listed.invite_list.invites}
        if viewer is world.owner:
            assert codes == set(world.invites)
        else:
            assert codes == {code for code, creator in world.invites.items() if creator == viewer.user_id}


def pick(world: World, role: str, author: User, creator_id: int, turn: int) -> User | None:
    """A user playing `role` (None when the world has nobody in that role)."""
    plain_members = [m for m in world.members if m.user_id not in (author.user_id, creator_id)]
    if role == "owner":
        return world.owner
    if role == "member":
        return plain_members[turn % len(plain_members)] if plain_members else None
    if role == "outsider":
        return world.outsiders[turn % len(world.outsiders)]
    if role == "removed":
        return world.removed
    if role == "author":
        return author
    return next(user for user in world.participants if user.user_id == creator_id)


async def check_role_actions(world: World, plan: WorldPlan) -> None:
    author = world.participants[plan.author % len(world.participants)]
    for turn, role in enumerate(plan.actor_roles):
        sent = messages_pb2.SendMessage(chat_ref=world.ref(), message=f"turn {turn}")
        message_id = (await author.client.ok("messages_send_message", sent)).sent_message.message_id
        creator = world.participants[turn % len(world.participants)]
        code = (await creator.client.ok("chats_create_chat_invite", chats_pb2.CreateChatInvite(chat_ref=world.ref())))
        code_text = code.created_invite.code
        actor = pick(world, role, author, creator.user_id, turn)
        if actor is None:
            continue
        is_owner = actor is world.owner
        expectations: list[tuple[str, Message, bool]] = [
            ("chats_edit_chat", chats_pb2.EditChat(chat_ref=world.ref(), name=f"by {role}"), is_owner),
            ("messages_edit_message",
             messages_pb2.EditMessage(chat_ref=world.ref(), message_id=message_id, message="edited"),
             actor is author),
            ("chats_delete_chat_invite", chats_pb2.DeleteChatInvite(code=code_text),
             is_owner or actor.user_id == creator.user_id),
            ("messages_delete_message", messages_pb2.DeleteMessage(chat_ref=world.ref(), message_ids=[message_id]),
             is_owner or actor is author),
        ]
        for member, body, allowed in expectations:
            answer = await actor.client.call(member, body)
            succeeded = answer.WhichOneof("result") != "error"
            expected = "success" if allowed else "403"
            assert succeeded == allowed, f"{member} by the {role}: expected {expected}, got {answer}"
            if not allowed:
                assert answer.error.error_code == FORBIDDEN, f"{member} by the {role}: {answer.error}"
        if world.members and actor is not world.owner and actor in world.members:
            target = next((m for m in world.members if m is not actor), None)
            if target is not None:  # removing someone else: owner only
                removal = chats_pb2.RemoveChatMember(chat_ref=world.ref(), user_id=target.user_id)
                answer = await actor.client.call("chats_remove_chat_member", removal)
                assert answer.error.error_code == FORBIDDEN, f"a member removed another member: {answer}"


@settings(max_examples=12, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=worlds)
def test_non_members_see_nothing_and_only_named_roles_act(server: EmbeddedServer, plan: WorldPlan) -> None:
    async def scenario() -> None:
        world = await build(server.url, plan)
        try:
            await check_non_members_locked_out(world, plan)
            await check_invite_visibility(world)
            await check_role_actions(world, plan)
        finally:
            await asyncio.gather(*(user.client.close() for user in world.everyone))

    asyncio.run(scenario())
