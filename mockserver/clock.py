"""Time for the reference server: injectable, so that tests and the control API can drive it."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Milliseconds since the Unix epoch. The domain core reads time only through this."""

    def now_ms(self) -> int: ...


class SystemClock:
    """The real wall clock."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class VirtualClock:
    """A clock that moves only when told to (`set_ms`, `advance_ms`)."""

    def __init__(self, start_ms: int | None = None) -> None:
        self._lock = threading.Lock()
        self._now = SystemClock().now_ms() if start_ms is None else start_ms

    def now_ms(self) -> int:
        return self._now

    def set_ms(self, value: int) -> None:
        if value < 0:
            raise ValueError("clock value must be >= 0")
        with self._lock:
            self._now = value

    def advance_ms(self, delta: int) -> int:
        if delta < 0:
            raise ValueError("the clock only moves forward (advance_ms >= 0)")
        with self._lock:
            self._now += delta
            return self._now
