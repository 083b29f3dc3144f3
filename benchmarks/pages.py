"""Page cost as data grows, on the domain core directly (no socket: the algorithm alone).

* `chats_get_chats` first page and a middle page (`max_id` = the key halfway down the list), limit 50,
  for a user with 100 vs 100,000 conversations (single-member groups).
* `messages_get_history` `before` / `since` / `around` the middle message, limit 50, in a chat of
  1,000 vs 1,000,000 messages (saved messages of one user, short texts).

Both data sets live in one service and are built through `ChatService.handle`. Small and large are timed
alternately, in rounds of a batch of calls each; the figure is min(large) / min(small) over the batches, goal <= 1.5.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks import frames
from benchmarks.domain_driver import DomainDriver
from benchmarks.harness import Measured, module_main
from benchmarks.results import Figure, Goal
from benchmarks.stats import median
from mockserver.domain.contract import Caller
from osmiumwire import chats_pb2, core_pb2, messages_pb2

PAGE_LIMIT = 50
GROWTH_GOAL = Goal("<=", 1.5)


@dataclass(frozen=True)
class PageSizes:
    conversations: tuple[int, int]
    messages: tuple[int, int]
    rounds: int
    batch: int

    @classmethod
    def choose(cls, quick: bool) -> PageSizes:
        if quick:
            return cls(conversations=(100, 1_000), messages=(1_000, 5_000), rounds=2, batch=10)
        return cls(conversations=(100, 100_000), messages=(1_000, 1_000_000), rounds=9, batch=200)


@dataclass(frozen=True)
class PageRequest:
    """One page request by one caller against a data set of `size` items."""

    caller: Caller
    request: core_pb2.ClientMessage
    size: int


@dataclass(frozen=True)
class PageCase:
    """One kind of page, the same request shape against the small and the large data set."""

    name: str
    small: PageRequest
    large: PageRequest
    unit_of_size: str


def get_chats(limit: int, max_id: int | None = None) -> core_pb2.ClientMessage:
    page = chats_pb2.GetChats(limit=limit)
    if max_id is not None:
        page.max_id = max_id
    return core_pb2.ClientMessage(id=1, chats_get_chats=page)


def get_history(offset: str, anchor: int) -> core_pb2.ClientMessage:
    page = messages_pb2.GetHistory(chat_ref=frames.self_ref(), limit=PAGE_LIMIT)
    setattr(page, offset, anchor)
    return core_pb2.ClientMessage(id=1, messages_get_history=page)


def build_cases(driver: DomainDriver, sizes: PageSizes) -> list[PageCase]:
    cases: list[PageCase] = []
    small_n, large_n = sizes.conversations
    owners = (driver.sign_up("chats small"), driver.sign_up("chats large"))
    keys = [
        sorted(driver.create_groups(owner, n), reverse=True)
        for owner, n in zip(owners, (small_n, large_n), strict=True)
    ]
    first = get_chats(PAGE_LIMIT)
    cases.append(
        PageCase(
            "get_chats first page",
            PageRequest(owners[0], first, small_n),
            PageRequest(owners[1], first, large_n),
            "conversations",
        )
    )
    # max_id is exclusive: the key at position n/2 - 1 leaves exactly n/2 entries below it (50 of 100).
    small_middle, large_middle = (get_chats(PAGE_LIMIT, chat_keys[len(chat_keys) // 2 - 1]) for chat_keys in keys)
    cases.append(
        PageCase(
            "get_chats middle page",
            PageRequest(owners[0], small_middle, small_n),
            PageRequest(owners[1], large_middle, large_n),
            "conversations",
        )
    )
    small_n, large_n = sizes.messages
    authors = (driver.sign_up("history small"), driver.sign_up("history large"))
    send = frames.send_message(1, frames.self_ref(), "short text")
    anchors = [driver.post_many(author, send, n)[n // 2] for author, n in zip(authors, (small_n, large_n), strict=True)]
    for offset in ("before", "since", "around"):
        small, large = (get_history(offset, anchor) for anchor in anchors)
        cases.append(
            PageCase(
                f"get_history {offset} middle",
                PageRequest(authors[0], small, small_n),
                PageRequest(authors[1], large, large_n),
                "messages",
            )
        )
    return cases


def time_batch(call: Callable[[], object], batch: int) -> float:
    """Mean seconds per call over one batch."""
    started = time.perf_counter()
    for _ in range(batch):
        call()
    return (time.perf_counter() - started) / batch


def measure_case(driver: DomainDriver, case: PageCase, sizes: PageSizes) -> Figure:
    lengths = [_page_length(driver.call(side.caller, side.request)) for side in (case.small, case.large)]
    if lengths[0] != lengths[1]:
        raise ValueError(f"{case.name}: pages differ in length ({lengths[0]} vs {lengths[1]}), not comparable")
    handle = driver.service.handle
    samples: dict[int, list[float]] = {case.small.size: [], case.large.size: []}
    for round_index in range(sizes.rounds):
        order = [case.small, case.large] if round_index % 2 == 0 else [case.large, case.small]
        for side in order:

            def call(side: PageRequest = side) -> object:
                return handle(side.caller, side.request)

            samples[side.size].append(time_batch(call, sizes.batch))
    # The fastest batch is the algorithm's cost with the least interference from a shared machine (as
    # timeit advises); the medians are kept in the detail to show the noise.
    small_us, large_us = (min(samples[side.size]) * 1e6 for side in (case.small, case.large))
    small_median, large_median = (median(samples[side.size]) * 1e6 for side in (case.small, case.large))
    return Figure(
        f"{case.name}, {case.large.size:,} vs {case.small.size:,} {case.unit_of_size}",
        large_us / small_us,
        "cost ratio",
        GROWTH_GOAL,
        f"{small_us:.1f} us vs {large_us:.1f} us per page of {lengths[0]} (fastest of {sizes.rounds} batches of "
        f"{sizes.batch}; medians {small_median:.1f} vs {large_median:.1f} us)",
    )


def _page_length(result: core_pb2.RPCResult) -> int:
    return len(result.chats.chats) if result.WhichOneof("result") == "chats" else len(result.messages.messages)


def measure(quick: bool) -> Measured:
    sizes = PageSizes.choose(quick)
    driver = DomainDriver()
    started = time.perf_counter()
    cases = build_cases(driver, sizes)
    seeded_s = time.perf_counter() - started
    figures = [measure_case(driver, case, sizes) for case in cases]
    notes = [
        f"domain core in-process (ChatService.handle), no transport; data built through the service API in "
        f"{seeded_s:.0f}s; page limit {PAGE_LIMIT}; small and large alternate within each round",
    ]
    return Measured(figures, notes)


def main(argv: list[str] | None = None) -> int:
    return module_main("pages", "pages", measure, argv)


if __name__ == "__main__":
    sys.exit(main())
