"""Snowflake ids (semantics.md §6, REF layout): one strictly monotonic generator for every kind."""

from __future__ import annotations

from mockserver.clock import Clock

EPOCH_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
WORKER_BITS = 10
SEQUENCE_BITS = 12
MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1


class SnowflakeGenerator:
    """`ms_since_epoch << 22 | worker << 12 | seq`, strictly increasing even when the clock stalls."""

    def __init__(self, clock: Clock, worker: int = 0) -> None:
        if not 0 <= worker < (1 << WORKER_BITS):
            raise ValueError(f"worker must be in [0, {1 << WORKER_BITS})")
        self._clock = clock
        self._worker = worker
        self._last = 0

    def next_id(self) -> int:
        elapsed = max(self._clock.now_ms() - EPOCH_MS, 0)
        candidate = (elapsed << (WORKER_BITS + SEQUENCE_BITS)) | (self._worker << SEQUENCE_BITS)
        if candidate <= self._last:
            # Same millisecond (or the clock went back): bump the sequence; overflow borrows the next ms.
            candidate = self._last + 1
        self._last = candidate
        return candidate

    @staticmethod
    def timestamp_ms(snowflake: int) -> int:
        return (snowflake >> (WORKER_BITS + SEQUENCE_BITS)) + EPOCH_MS
