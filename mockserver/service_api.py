"""What the transport and the control API need from the domain core (implemented by domain.service)."""

from __future__ import annotations

from typing import Protocol

from mockserver.domain.contract import Caller, Outcome
from osmiumwire import core_pb2


class SeededUserLike(Protocol):
    """A user created for the control API, with a session ready for `auth_authorize`."""

    @property
    def user_id(self) -> int: ...

    @property
    def session_id(self) -> int: ...

    @property
    def token(self) -> str: ...


class ChatServiceAPI(Protocol):
    """The domain core as the transport sees it: synchronous, no I/O, called on the event loop only."""

    def handle(self, caller: Caller, client_message: core_pb2.ClientMessage) -> Outcome: ...

    def seed_user(
        self, name: str, *, username: str | None = None, email: str | None = None, password: str | None = None
    ) -> SeededUserLike: ...

    def dump(self) -> dict[str, object]: ...

    def reset(self) -> None: ...
