"""What every handler works with: the store, the clock, the id generator, the options, and small helpers
to build results, errors and deliveries (semantics.md §4.3, §13, §14)."""

from __future__ import annotations

from dataclasses import dataclass, field

from google.protobuf.message import Message as ProtoMessage

from mockserver.clock import Clock
from mockserver.domain.contract import Delivery, DomainError
from mockserver.domain.credentials import INVITE_CODE_LENGTH, SCRYPT_N
from mockserver.domain.model import Chat, User
from mockserver.domain.store import Store
from mockserver.snowflake import SnowflakeGenerator
from osmiumwire import core_pb2, updates_pb2

BAD_REQUEST = 400
UNAUTHORIZED = 401
FORBIDDEN = 403
NOT_FOUND = 404
CONFLICT = 409
NOT_IMPLEMENTED = 501


@dataclass(frozen=True)
class ServiceOptions:
    """Switches of the reference behaviour."""

    service_messages: bool = True  # JOIN/LEAVE service messages (semantics §8.4)
    invite_code_length: int = INVITE_CODE_LENGTH  # semantics §16.26 REF: 8; codes are opaque to clients
    scrypt_n: int = SCRYPT_N  # password hashing cost (issue 7); the bundled test target lowers it


@dataclass
class Context:
    store: Store
    clock: Clock
    ids: SnowflakeGenerator
    options: ServiceOptions
    # DM and SELF chats created lazily by the request being handled: forgotten again if it is refused, so a
    # rejected request leaves the state as it was (issue 7).
    created_chats: list[Chat] = field(default_factory=list)

    def user(self, user_id: int) -> User:
        """The user with this id, or 404 (§14: unknown user)."""
        user = self.store.users.get(user_id)
        if user is None:
            raise DomainError(NOT_FOUND, f"unknown user {user_id}")
        return user


def result_with(member: str, value: ProtoMessage) -> core_pb2.RPCResult:
    """An RPCResult whose `result` oneof is `member` = `value` (req_id is the transport's business)."""
    result = core_pb2.RPCResult()
    getattr(result, member).CopyFrom(value)
    return result


def empty_result() -> core_pb2.RPCResult:
    """The answer of the `-> ()` RPCs: an RPCResult with no oneof member (§4.3)."""
    return core_pb2.RPCResult()


def error_result(error: DomainError) -> core_pb2.RPCResult:
    result = core_pb2.RPCResult()
    result.error.error_code = error.code
    result.error.error_message = error.message
    return result


@dataclass
class Deliveries:
    """Updates in the order they must be delivered, each already rendered for its recipient."""

    items: list[Delivery] = field(default_factory=list)

    def add(self, user_id: int, update: updates_pb2.Update) -> None:
        self.items.append(Delivery(user_id=user_id, update=update))

    def extend(self, other: Deliveries) -> None:
        self.items.extend(other.items)
