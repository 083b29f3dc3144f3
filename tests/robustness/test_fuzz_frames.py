"""Fuzzing the reference server with raw frames (issue 7): zero crashes, every frame answered as the spec
table says, and the server's state untouched by invalid frames.

Each hypothesis example builds one batch of frames: one ClientMessage per oneof member with random field
values (from the descriptors), random byte strings, and mutants of both. The signed-in socket's user owns a
small seeded world (a group, messages, invites), and about half of the ids and codes in the batch are aimed
at it, so requests reach past "unknown id". Every batch goes, in its own shuffled order, to three fresh
sockets at the three lifecycle stages (connected, initialized, authorized), in two phases:

1. the frames that are not requests (malformed, heartbeats, unknown members): the state dump
   (`GET /__admin/state`) must be identical before and after;
2. the requests: each must be answered with its req_id, with the lifecycle error the spec gives, and never
   with a 500; when none of them succeeded, the state must again be unchanged.

A barrier (a request whose answer comes after every earlier answer on that socket) ends each phase, so
"no answer to a heartbeat" is decided without waiting on a timer. Each example also sends one random text
frame on a socket of its own, which must be closed with 1003 and get no answer.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from mockserver.embedded import EmbeddedServer
from osmiumwire import chats_pb2, core_pb2, messages_pb2, refs_pb2
from tests.robustness import oracle
from tests.robustness.harness import serving, state
from tests.robustness.strategies import CLIENT_MEMBERS, Known, aim, every_member, mutate
from tests.robustness.wire_client import WireClient, sign_up

EXAMPLES = 14
RANDOM_BLOBS = 25
MUTANTS = 200
STAGES = ("connected", "initialized", "authorized")
MIN_FRAMES = 10_000
CLOSE_UNSUPPORTED_DATA = 1003


@dataclass
class FuzzTally:
    """What the whole run sent and got: the figures docs/reliability.md quotes."""

    frames: Counter[str] = field(default_factory=Counter)
    members: set[str] = field(default_factory=set)
    answers: Counter[str] = field(default_factory=Counter)
    state_checks: int = 0
    sockets: int = 0


class ErrorLogs(logging.Handler):
    """Collects every ERROR record the server (or aiohttp under it) logs: a crash in disguise."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class FuzzRun:
    server: EmbeddedServer
    runner: asyncio.Runner
    errors: ErrorLogs
    tally: FuzzTally = field(default_factory=FuzzTally)


@pytest.fixture(scope="module")
def fuzz_run() -> Iterator[FuzzRun]:
    errors = ErrorLogs()
    logging.getLogger().addHandler(errors)
    try:
        with serving() as server, asyncio.Runner() as runner:
            yield FuzzRun(server, runner, errors)
    finally:
        logging.getLogger().removeHandler(errors)


async def seeded_world(url: str) -> tuple[WireClient, oracle.SocketState, Known, WireClient]:
    """A signed-in socket whose user owns a group with a second user, messages in the group, in saved messages
    and in a DM, and two invites: the ids and codes fuzzed requests are aimed at (`strategies.aim`)."""
    owner, other = await sign_up(url), await sign_up(url)
    body = chats_pb2.CreateChat(name="fuzz", users=[refs_pb2.UserRef(user_id=other.user_id)])
    group_id = (await owner.client.ok("chats_create_chat", body)).group.id
    group = refs_pb2.ChatRef(group=refs_pb2.GroupRef(group_id=group_id))
    ids = [owner.user_id, other.user_id, owner.session_id, group_id]
    for sender, ref in [(owner, group), (other, group), (owner, refs_pb2.ChatRef(self=refs_pb2.RefSelf())),
                        (owner, refs_pb2.ChatRef(user=refs_pb2.UserRef(user_id=other.user_id)))]:
        sent = await sender.client.ok("messages_send_message", messages_pb2.SendMessage(chat_ref=ref, message="seed"))
        ids.append(sent.sent_message.message_id)
    invite = chats_pb2.CreateChatInvite(chat_ref=group)
    codes = [(await user.client.ok("chats_create_chat_invite", invite)).created_invite.code for user in (owner, other)]
    signed_in = oracle.SocketState(initialized=True, authorized=True)
    return owner.client, signed_in, Known(tuple(ids), tuple(codes)), other.client


async def open_socket(url: str, stage: str) -> tuple[WireClient, oracle.SocketState]:
    client = await WireClient.connect(url)
    if stage == "initialized":
        await client.ok("core_initialize")
        return client, oracle.SocketState(initialized=True)
    return client, oracle.SocketState()


@dataclass
class Played:
    """The outcome of one batch on one socket: each answered frame's expectation with its answer."""

    pairs: list[tuple[oracle.Expectation, core_pb2.RPCResult]]
    problems: list[str]


async def play(client: WireClient, socket_state: oracle.SocketState, frames: list[bytes]) -> Played:
    """Send `frames` then a barrier; check every answer against the spec; advance `socket_state`."""
    already = len(client.received.results)
    for frame in frames:
        await client.send_bytes(frame)
    taken = set().union(*(oracle.expect(frame, socket_state).req_ids for frame in frames))
    barrier_id = client.next_id()
    while barrier_id in taken:  # a frame answered under the barrier's id would end the wait too early
        barrier_id = client.next_id()
    barrier = client.expect_answer(barrier_id)
    await client.send_bytes(client.barrier_frame(barrier_id))
    await asyncio.wait_for(barrier, 20)
    answers = client.received.results[already:-1]
    answered = [frame for frame in frames if oracle.expect(frame, socket_state).answered]
    problems: list[str] = []
    if len(answers) != len(answered):
        problems.append(f"{len(answers)} answers to {len(answered)} frames that need one ({len(frames)} sent)")
    pairs = []
    # In order: what a request must get depends on the lifecycle the answers before it established.
    for frame, answer in zip(answered, answers, strict=False):
        expectation = oracle.expect(frame, socket_state)
        why = oracle.mismatch(expectation, answer)
        if why is not None:
            problems.append(f"frame {frame.hex()} ({expectation.kind.value} {expectation.member}): {why}")
        oracle.observe(expectation, answer, socket_state)
        pairs.append((expectation, answer))
    if client.received.undecodable or client.received.text_frames or client.closed.is_set():
        problems.append(f"server sent junk or closed: {client.received}, close code {client.close_code}")
    return Played(pairs, problems)


def describe_change(before: Any, after: Any, path: str = "state") -> str:
    """The first few places where two JSON documents differ, as `path: old -> new` (enough to diagnose)."""
    if isinstance(before, dict) and isinstance(after, dict):
        keys = sorted(set(before) | set(after), key=str)
        parts = [describe_change(before.get(k), after.get(k), f"{path}.{k}") for k in keys
                 if before.get(k) != after.get(k)]
        return "; ".join(parts[:5])
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        pairs = enumerate(zip(before, after, strict=True))
        parts = [describe_change(x, y, f"{path}[{i}]") for i, (x, y) in pairs if x != y]
        return "; ".join(parts[:5])
    return f"{path}: {before!r:.200} -> {after!r:.200}"


async def text_frame_closes(url: str, text: str) -> list[str]:
    """A text frame on a socket of its own: closed with 1003 (semantics.md §2, REF), nothing answered."""
    user = await sign_up(url)
    answered = len(user.client.received.results)
    await user.client.ws.send_str(text)
    code = await user.client.wait_closed()
    await user.client.close()
    extra = len(user.client.received.results) - answered
    if code != CLOSE_UNSUPPORTED_DATA or extra:
        return [f"text frame {text!r}: close code {code}, {extra} answers (expected 1003, none)"]
    return []


def build_frames(
    members: list[core_pb2.ClientMessage], blobs: list[bytes], rng: random.Random, known: Known
) -> list[bytes]:
    valid = []
    for message in members:
        aim(message, known, rng)
        message.id = rng.randrange(1, 2**32)
        valid.append(message.SerializeToString())
    seeds = valid + blobs
    return seeds + [mutate(rng.choice(seeds), rng) for _ in range(MUTANTS)]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=[Phase.explicit, Phase.generate],  # bounded CI time: the failure message lists the frames instead
)
@given(
    members=every_member(),
    blobs=st.lists(st.binary(max_size=64), min_size=RANDOM_BLOBS, max_size=RANDOM_BLOBS),
    rng=st.randoms(use_true_random=False),
    text=st.text(max_size=64),
)
def fuzz_one_batch(
    fuzz_run: FuzzRun, members: list[core_pb2.ClientMessage], blobs: list[bytes], rng: random.Random, text: str
) -> None:
    """One hypothesis example: one batch of frames, in two phases, on three fresh sockets."""
    tally = fuzz_run.tally
    url = fuzz_run.server.url

    async def example() -> tuple[list[str], list[bytes]]:
        owner, owner_state, known, other = await seeded_world(url)
        sockets = [await open_socket(url, stage) for stage in STAGES[:2]] + [(owner, owner_state)]
        tally.sockets += len(sockets)
        frames = build_frames(members, blobs, rng, known)
        kinds = [oracle.expect(frame, oracle.SocketState()).kind for frame in frames]
        invalid = [frame for frame, kind in zip(frames, kinds, strict=True) if kind is not oracle.Kind.REQUEST]
        requests = [frame for frame, kind in zip(frames, kinds, strict=True) if kind is oracle.Kind.REQUEST]
        problems: list[str] = []
        try:
            before = state(fuzz_run.server)
            for client, socket_state in sockets:
                problems += (await play(client, socket_state, rng.sample(invalid, len(invalid)))).problems
            after = state(fuzz_run.server)
            if after != before:
                problems.append(f"state changed after frames that are not requests: {describe_change(before, after)}")
            tally.state_checks += 1
            before = state(fuzz_run.server)
            changed = False
            for client, socket_state in sockets:
                played = await play(client, socket_state, rng.sample(requests, len(requests)))
                problems += played.problems
                for expectation, answer in played.pairs:
                    changed |= oracle.may_have_changed_state(expectation, answer)
                    outcome = answer.WhichOneof("result") or "empty"
                    tally.answers[f"error {answer.error.error_code}" if outcome == "error" else outcome] += 1
            if not changed:
                after = state(fuzz_run.server)
                if after != before:
                    problems.append(f"state changed although no request succeeded: {describe_change(before, after)}")
                tally.state_checks += 1
            problems += await text_frame_closes(fuzz_run.server.url, text)
            tally.frames["text"] += 1
            tally.sockets += 1
        finally:
            for client, _ in sockets:
                await client.close()
            await other.close()
        return problems, frames

    problems, frames = fuzz_run.runner.run(example())
    for frame in frames:
        tally.frames[oracle.expect(frame, oracle.SocketState()).kind.value] += len(STAGES)
    tally.members.update(message.WhichOneof("message") or "" for message in members)
    assert not problems, "\n".join(problems[:20])
    assert not fuzz_run.errors.records, [record.getMessage() for record in fuzz_run.errors.records[:5]]


def test_fuzzed_frames_get_the_spec_answer_and_invalid_ones_change_nothing(fuzz_run: FuzzRun) -> None:
    """All the examples, then the budget promised in docs/reliability.md, then a server still serving."""
    fuzz_one_batch(fuzz_run)
    tally = fuzz_run.tally
    print(f"\nfuzz: {sum(tally.frames.values())} frames {dict(tally.frames)} on {tally.sockets} sockets, "
          f"{tally.state_checks} state comparisons, answers {dict(tally.answers)}")
    assert sum(tally.frames.values()) >= MIN_FRAMES
    assert tally.members == set(CLIENT_MEMBERS)
    assert all(tally.frames[kind] > 0 for kind in [*(k.value for k in oracle.Kind), "text"])

    async def still_serving() -> None:
        user = await sign_up(fuzz_run.server.url)
        await user.client.ok("chats_get_chats")
        await user.client.close()

    fuzz_run.runner.run(still_serving())


def test_a_rejected_request_creates_no_chat_record(fuzz_run: FuzzRun) -> None:
    async def reject_a_send_to_self() -> tuple[Any, Any, core_pb2.RPCResult]:
        user = await sign_up(fuzz_run.server.url)
        before = state(fuzz_run.server)
        body = messages_pb2.SendMessage(chat_ref=refs_pb2.ChatRef(self=refs_pb2.RefSelf()), message="")
        answer = await user.client.call("messages_send_message", body)
        after = state(fuzz_run.server)
        await user.client.close()
        return before, after, answer

    before, after, answer = fuzz_run.runner.run(reject_a_send_to_self())
    assert answer.error.error_code == oracle.BAD_REQUEST
    assert after == before, describe_change(before, after)
