"""A bounded journal of the frames every connection exchanged, for the control API (`GET /__admin/frames`).

Raw bytes are stored and decoded only on read; when the journal is off, recording is a single attribute
test, so leaving it in the hot path costs nothing measurable.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from mockserver.frametext import Direction, to_text


@dataclass(frozen=True)
class JournalEntry:
    """One frame as it crossed the wire."""

    seq: int
    conn_id: int
    direction: Direction
    data: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "conn": self.conn_id,
            "direction": self.direction.value,
            "bytes": len(self.data),
            "hex": self.data.hex(),
            "text": to_text(self.direction, self.data),
        }


class FrameJournal:
    """The newest `limit` frames across all connections, oldest first."""

    def __init__(self, limit: int, enabled: bool = False) -> None:
        self.enabled = enabled
        self._entries: deque[JournalEntry] = deque(maxlen=limit)
        self._seq = 0

    @property
    def limit(self) -> int:
        return self._entries.maxlen or 0

    def record(self, conn_id: int, direction: Direction, data: bytes) -> None:
        if not self.enabled:
            return
        self._seq += 1
        self._entries.append(JournalEntry(self._seq, conn_id, direction, data))

    def configure(self, *, enabled: bool, limit: int | None = None) -> None:
        """Switch recording on or off; a new limit keeps the newest entries that still fit."""
        self.enabled = enabled
        if limit is not None and limit != self.limit:
            self._entries = deque(self._entries, maxlen=limit)

    def clear(self) -> None:
        self._entries.clear()

    def entries(self, limit: int | None = None, conn_id: int | None = None) -> list[JournalEntry]:
        """The newest `limit` entries (all when None), optionally of one connection, oldest first."""
        selected = [entry for entry in self._entries if conn_id is None or entry.conn_id == conn_id]
        return selected if limit is None else selected[max(len(selected) - limit, 0) :]
