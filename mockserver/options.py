"""Every knob of the reference server in one place, shared by the CLI, the embedded server and the tests."""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.domain.credentials import (
    INVITE_CODE_LENGTH,
    MAX_INVITE_CODE_LENGTH,
    MAX_SCRYPT_N,
    MIN_INVITE_CODE_LENGTH,
    SCRYPT_N,
    is_valid_scrypt_n,
)

DEFAULT_MAX_FRAME_BYTES = 1 << 20


@dataclass(frozen=True)
class ServerOptions:
    """How one reference server listens and behaves.

    `send_queue_frames` and `send_timeout_s` bound what a client that stops reading can cost: when its queue
    overflows, or one frame cannot be written within the timeout, its socket is closed with 1008.
    """

    host: str = "127.0.0.1"
    port: int = 8080
    path: str = "/"
    admin: bool = False
    virtual_clock: bool = False
    clock_start_ms: int | None = None
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
    send_queue_frames: int = 1024
    send_timeout_s: float = 10.0
    close_timeout_s: float = 2.0
    log_frames: bool = False
    journal_enabled: bool = False
    journal_limit: int = 1000
    service_messages: bool = True
    invite_code_length: int = INVITE_CODE_LENGTH
    scrypt_n: int = SCRYPT_N  # password hashing cost
    updates_first: bool = False  # §16.19 REF sends a result before the updates it caused; True: after them

    def validate(self) -> None:
        """Raise ValueError with a message a user can act on."""
        if not self.path.startswith("/"):
            raise ValueError(f"path must start with '/': {self.path!r}")
        if self.path.startswith("/__admin"):
            raise ValueError("path must not be under /__admin/ (the control API lives there)")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be in 0..65535: {self.port}")
        if self.max_frame_bytes < 16:
            raise ValueError(f"max frame bytes must be at least 16: {self.max_frame_bytes}")
        if self.send_queue_frames < 1:
            raise ValueError("send queue must hold at least one frame")
        if self.send_timeout_s <= 0 or self.close_timeout_s <= 0:
            raise ValueError("timeouts must be positive")
        if not MIN_INVITE_CODE_LENGTH <= self.invite_code_length <= MAX_INVITE_CODE_LENGTH:
            raise ValueError(f"invite code length must be in {MIN_INVITE_CODE_LENGTH}..{MAX_INVITE_CODE_LENGTH}: "
                             f"{self.invite_code_length}")
        if not is_valid_scrypt_n(self.scrypt_n):
            raise ValueError(f"scrypt N must be a power of two in 2..{MAX_SCRYPT_N}: {self.scrypt_n}")
        if self.journal_limit < 1:
            raise ValueError("journal limit must be at least 1")
