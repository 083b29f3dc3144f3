"""Reference servers that make another choice where the spec leaves one (a REF rule, semantics.md §16).

A MUST case grades what every Osmium server must do, so it must not lean on a REF choice, not even in its
setup: a server that answers CreateChat with an empty `users` list by 400 (§16.33 allows that) must not fail
a MUST case about invites. Each variant here is the bundled server with one REF choice made differently, in
a way the spec permits; `test_ref_variants.py` runs every MUST case against each of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.session import BUNDLED_SCRYPT_N
from mockserver.app import ServiceFactory
from mockserver.clock import Clock
from mockserver.domain.context import ServiceOptions, error_result
from mockserver.domain.contract import Caller, DomainError, Outcome
from mockserver.domain.service import ChatService
from mockserver.snowflake import SnowflakeGenerator
from osmiumwire import core_pb2

BAD_REQUEST = 400
FORBIDDEN = 403
NOT_FOUND = 404


class RefusesEmptyGroups(ChatService):
    """§16.33: "empty users list" is undocumented; REF allows a single-member group. This server refuses it."""

    def handle(self, caller: Caller, request: core_pb2.ClientMessage) -> Outcome:
        if request.WhichOneof("message") == "chats_create_chat" and not request.chats_create_chat.users:
            return refusal(BAD_REQUEST, "a group needs at least one other member")
        return super().handle(caller, request)


class OtherErrorCodes(ChatService):
    """§14: no error-code table is published, so codes are REF. This server answers 403 where the reference
    says 404 and 404 where it says 403 (hiding what exists from outsiders is a common choice), and 400 for
    409 (a conflict is a bad request to some). Whether an error comes back is unchanged."""

    SWAP = {FORBIDDEN: NOT_FOUND, NOT_FOUND: FORBIDDEN, 409: BAD_REQUEST}

    def handle(self, caller: Caller, request: core_pb2.ClientMessage) -> Outcome:
        outcome = super().handle(caller, request)
        if outcome.result.HasField("error"):
            code = outcome.result.error.error_code
            outcome.result.error.error_code = self.SWAP.get(code, code)
        return outcome


MUST_CASES = ("-m", "must")
ALL_CASES = ("cases",)
# The case files whose scenarios send or check invite codes (grep -l invite cases/*/*.yaml, requirements aside).
INVITE_CASES = (
    "cases/invites",
    "cases/errors/member.yaml",
    "cases/errors/owner.yaml",
    "cases/errors/non_member.yaml",
    "cases/errors/unknown_group.yaml",
    "cases/errors/unauthenticated.yaml",
    "cases/groups/ownership.yaml",
    "cases/groups/service_messages.yaml",
    "cases/groups/remove_member.yaml",
)


def refusal(code: int, message: str) -> Outcome:
    return Outcome(result=error_result(DomainError(code, message)))


class NoEchoToAuthor(ChatService):
    """§16.17: the reference delivers UpdateMessageCreated to the author's own sessions too. This server
    sends the author nothing but the result."""

    def handle(self, caller: Caller, request: core_pb2.ClientMessage) -> Outcome:
        outcome = super().handle(caller, request)
        outcome.deliveries = [d for d in outcome.deliveries
                              if not (d.user_id == caller.user_id and d.update.HasField("message_created"))]
        return outcome


class SmallerChatPages(ChatService):
    """§16.5: GetChats' maximum limit is undocumented; the reference caps it at 100. This server caps it at 50."""

    CAP = 50

    def handle(self, caller: Caller, request: core_pb2.ClientMessage) -> Outcome:
        if request.WhichOneof("message") == "chats_get_chats" and request.chats_get_chats.limit > self.CAP:
            capped = core_pb2.ClientMessage()
            capped.CopyFrom(request)
            capped.chats_get_chats.limit = self.CAP
            request = capped
        return super().handle(caller, request)


class MembersCannotReuseInvites(ChatService):
    """§16.23: the reference answers success when a member uses an invite to their own group. This server
    answers 409."""

    def handle(self, caller: Caller, request: core_pb2.ClientMessage) -> Outcome:
        if request.WhichOneof("message") == "auth_use_invite":
            invite = self._ctx.store.invites.get(request.auth_use_invite.code)
            chat = self._ctx.store.chats.get(invite.chat_id) if invite else None
            if chat is not None and caller.user_id in chat.members:
                return refusal(409, "already a member")
        return super().handle(caller, request)


class OwnerOnlyAddsMembers(ChatService):
    """§16.27: the reference lets any participant add members. This server lets only the owner."""

    def handle(self, caller: Caller, request: core_pb2.ClientMessage) -> Outcome:
        if request.WhichOneof("message") == "chats_add_chat_member":
            chat = self._ctx.store.chats.get(request.chats_add_chat_member.chat_ref.group.group_id)
            if chat is not None and caller.user_id in chat.members and chat.owner_id != caller.user_id:
                return refusal(FORBIDDEN, "only the owner adds members")
        return super().handle(caller, request)


@dataclass(frozen=True)
class Variant:
    name: str
    rule: str  # the REF rule it decides differently
    factory: ServiceFactory
    selection: tuple[str, ...] = MUST_CASES  # the cases that must still pass (`osmium-conformance run` arguments)
    all_levels: bool = False  # every check holds, not only the MUST ones (the choice is invisible to the cases)
    server_options: dict[str, object] = field(default_factory=dict)  # ServerOptions fields (transport choices)


def _service(kind: type[ChatService] = ChatService, **options: object) -> ServiceFactory:
    """`kind` with these ServiceOptions, and the bundled target's cheap password hashing: every variant runs
    hundreds of sign-ups, and the hashing cost is not what the variants are about."""
    settings: dict[str, object] = {"scrypt_n": BUNDLED_SCRYPT_N, **options}

    def build(clock: Clock, ids: SnowflakeGenerator) -> ChatService:
        return kind(clock, ids, ServiceOptions(**settings))  # type: ignore[arg-type]

    return build


VARIANTS = (
    Variant("refuses-empty-groups", "§16.33 empty users list", _service(RefusesEmptyGroups)),
    Variant("no-service-messages", "§16.31 JOIN/LEAVE service messages", _service(service_messages=False)),
    Variant("other-error-codes", "§14 error codes", _service(OtherErrorCodes)),
    Variant("no-echo-to-author", "§16.17 UpdateMessageCreated to the author's sessions", _service(NoEchoToAuthor)),
    Variant("smaller-chat-pages", "§16.5 GetChats maximum limit", _service(SmallerChatPages)),
    Variant("members-cannot-reuse-invites", "§16.23 invite used by a member", _service(MembersCannotReuseInvites)),
    Variant("owner-only-adds-members", "§16.27 who may add members", _service(OwnerOnlyAddsMembers)),
    # §16.19: no case may depend on the order of a result and its updates; the engine must cope with both.
    Variant("updates-before-results", "§16.19 result vs update order", _service(), ALL_CASES, True,
            {"updates_first": True}),
    # §16.26: "tests must treat codes as opaque", so every invite case passes at every level.
    Variant("long-invite-codes", "§16.26 invite code format", _service(invite_code_length=12), INVITE_CASES, True),
)
