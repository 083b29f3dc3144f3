"""Deliberately broken copies of the reference server, for proving that the suite catches bugs.

    python -m tests.differential.broken MUTATION [osmium-mock options]

applies one named mutation to the domain core, then runs `osmium-mock` in this process.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from mockserver.domain import history
from mockserver.domain.model import Invite
from mockserver.domain.sorted_ids import SortedIds
from mockserver.domain.store import Store


def _before_inclusive() -> None:
    def before(ids: SortedIds, anchor: int, limit: int) -> list[int]:
        stop = ids.index_above(anchor)  # the bug: the anchor itself is included
        return ids.slice(stop - limit, stop)[::-1]

    history.before = before


def _unread_off_by_one() -> None:
    original = Store.unread_count

    def unread_count(self: Store, chat: object, user_id: int) -> int:
        count = original(self, chat, user_id)  # type: ignore[arg-type]
        return count + 1 if count else 0  # the bug: one too many whenever anything is unread

    Store.unread_count = unread_count  # type: ignore[method-assign]


def _expiry_strict() -> None:
    def is_live(self: Invite, now_ms: int) -> bool:
        if self.expires_at is not None and now_ms > self.expires_at:  # the bug: `>` instead of `>=`
            return False
        return self.max_uses is None or self.uses < self.max_uses

    Invite.is_live = is_live  # type: ignore[method-assign]


MUTATIONS: dict[str, Callable[[], None]] = {
    "history-before-inclusive": _before_inclusive,
    "unread-off-by-one": _unread_off_by_one,
    "invite-expiry-strict": _expiry_strict,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in MUTATIONS:
        print(f"usage: python -m tests.differential.broken {{{','.join(MUTATIONS)}}} [osmium-mock options]",
              file=sys.stderr)
        return 2
    MUTATIONS[argv[0]]()
    from mockserver.cli import main as mock_main

    return mock_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
