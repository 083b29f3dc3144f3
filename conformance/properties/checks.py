"""The properties, each a hypothesis test over randomly generated data on a live target.

| property | level | spec |
|---|---|---|
| `before` history walk: every older message once, newest first, exclusive | MUST | §12.2 DOC |
| `since` history walk: every newer message once, oldest first, exclusive | MUST | §12.2 DOC |
| `max_id` chat-list walk: every conversation once, `last_message_id` descending | MUST | §10.1 PROTO/DOC |
| chat-list pages walked with `min_id` only climb in order, each page descending | REFERENCE | §16 item 6 |
| `last_read_message_id` never decreases; `unread_count` = messages from others after it | MUST | §10.10, §11 DOC |
| an invite is used at most `max_uses` times | REFERENCE | §10.12, §16 item 21 |
| an invite works before `expires_at` and never at or after it | REFERENCE | §10.12 (clock control) |

Messages arrive and are deleted between pages where the spec makes the result defined: new messages are
newer than any `before` cursor, and deleting an already-returned message cannot change later pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from conformance.outcome import Level
from conformance.properties.client import PropertyFailure, Target, User

SELF: dict[str, Any] = {"self": {}}


@dataclass(frozen=True)
class PropertyResult:
    name: str
    level: Level
    spec: str
    passed: bool
    message: str = ""


@dataclass(frozen=True)
class Budget:
    examples: int = 10
    seed: int | None = 0


def _settings(budget: Budget) -> settings:
    return settings(max_examples=budget.examples, deadline=None, database=None, print_blob=False,
                    suppress_health_check=list(HealthCheck))


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise PropertyFailure(message)


def _send(user: User, chat: dict[str, Any], text: str) -> int:
    return int(user.ok("messages_send_message", {"chat_ref": chat, "message": text}).message_id)


def _history(user: User, chat: dict[str, Any], **offset: int) -> list[int]:
    page = user.ok("messages_get_history", {"chat_ref": chat, **offset})
    return [m.message_id for m in page.messages]


def history_before_walk(target: Target, count: int, page: int, churn: bool) -> None:
    user = target.user("walker")
    try:
        ids = [_send(user, SELF, f"m{i}") for i in range(count)]
        walked: list[int] = []
        cursor: int | None = None
        while True:
            got = _history(user, SELF, limit=page, **({} if cursor is None else {"before": cursor}))
            _check(len(got) <= page, f"page of {len(got)} > limit {page}")
            _check(got == sorted(got, reverse=True), f"page not newest first: {got}")
            if cursor is not None:
                _check(all(i < cursor for i in got), f"before={cursor} returned {got} (not exclusive)")
            if not got:
                break
            walked += got
            cursor = got[-1]
            if churn:
                _send(user, SELF, "late")  # newer than every cursor: never on a later `before` page
                user.ok("messages_delete_message", {"chat_ref": SELF, "message_ids": [got[0]]})
        _check(walked == sorted(ids, reverse=True), f"walk returned {len(walked)} of {len(ids)}: {walked} vs {ids}")
    finally:
        user.close()


def history_since_walk(target: Target, count: int, page: int, churn: bool) -> None:
    user = target.user("walker")
    try:
        ids = [_send(user, SELF, f"m{i}") for i in range(count)]
        walked: list[int] = []
        cursor = 0
        for _ in range(count + 50):
            got = _history(user, SELF, limit=page, since=cursor)
            _check(len(got) <= page, f"page of {len(got)} > limit {page}")
            _check(got == sorted(got), f"page not oldest first: {got}")
            _check(all(i > cursor for i in got), f"since={cursor} returned {got} (not exclusive)")
            if not got:
                break
            walked += got
            cursor = got[-1]
            if churn and len(ids) < count + 5:
                ids.append(_send(user, SELF, "late"))  # newer than the cursor: must appear later in the walk
        _check(walked == sorted(ids), f"walk returned {walked}, expected {sorted(ids)}")
    finally:
        user.close()


def _chats(user: User, **bounds: int) -> list[tuple[int, str]]:
    page = user.ok("chats_get_chats", bounds)
    return [(c.last_message_id, c.chat_ref.WhichOneof("ref") + ":" + str(c.chat_ref.group.group_id))
            for c in page.chats]


def chats_max_id_walk(target: Target, groups: int, touched: list[int], page: int) -> None:
    user = target.user("lister")
    try:
        made = [int(user.ok("chats_create_chat", {"name": f"g{i}", "users": []}).id) for i in range(groups)]
        for index in touched:
            if made:
                _send(user, {"group": {"group_id": made[index % len(made)]}}, "bump")
        everything = _chats(user, limit=100)
        walked: list[tuple[int, str]] = []
        cursor: int | None = None
        while True:
            got = _chats(user, limit=page, **({} if cursor is None else {"max_id": cursor}))
            _check(len(got) <= page, f"page of {len(got)} > limit {page}")
            keys = [key for key, _ in got]
            _check(keys == sorted(keys, reverse=True), f"page not by last_message_id descending: {keys}")
            if cursor is not None:
                _check(all(k < cursor for k in keys), f"max_id={cursor} returned keys {keys} (not exclusive)")
            if not got:
                break
            walked += got
            cursor = keys[-1]
        _check(len(everything) == groups, f"{groups} groups created, GetChats lists {len(everything)}")
        _check(walked == everything, f"pages {walked} differ from the whole list {everything}")
    finally:
        user.close()


def chats_min_id_walk(target: Target, groups: int, page: int) -> None:
    user = target.user("climber")
    try:
        for i in range(groups):
            user.ok("chats_create_chat", {"name": f"g{i}", "users": []})
        everything = sorted(_chats(user, limit=100))
        walked: list[tuple[int, str]] = []
        cursor = 1
        for _ in range(groups + 2):
            got = _chats(user, limit=page, min_id=cursor)
            keys = [key for key, _ in got]
            _check(keys == sorted(keys, reverse=True), f"min_id page not descending: {keys}")
            _check(all(k > cursor for k in keys), f"min_id={cursor} returned {keys} (not exclusive)")
            if not got:
                break
            walked += sorted(got)
            cursor = max(keys)
        _check(walked == everything, f"climbing pages {walked} differ from {everything}")
    finally:
        user.close()


def read_state(target: Target, script: list[tuple[str, int]]) -> None:
    alice, bob = target.user("alice"), target.user("bob")
    try:
        to_bob: dict[str, Any] = {"user": {"user_id": bob.id}}
        to_alice: dict[str, Any] = {"user": {"user_id": alice.id}}
        sent: list[tuple[int, int]] = []  # (id, author)
        last_read = 0
        for action, pick in script:
            if action == "alice-sends":
                sent.append((_send(alice, to_bob, "a"), alice.id))
            elif action == "bob-sends":
                sent.append((_send(bob, to_alice, "b"), bob.id))
            elif sent:
                bob.ok("chats_mark_chat_read", {"chat_ref": to_alice, "message_id": sent[pick % len(sent)][0]})
            if not sent:
                continue
            chat = bob.ok("chats_get_chat", {"chat_ref": to_alice}).chat
            _check(chat.last_read_message_id >= last_read,
                   f"last_read went back from {last_read} to {chat.last_read_message_id}")
            last_read = chat.last_read_message_id
            expected = sum(1 for mid, author in sent if mid > last_read and author != bob.id)
            _check(chat.unread_count == expected,
                   f"unread_count {chat.unread_count}, but {expected} messages from others follow {last_read}")
    finally:
        alice.close()
        bob.close()


def invite_max_uses(target: Target, max_uses: int, joiners: int) -> None:
    owner = target.user("owner")
    others = [target.user(f"j{i}") for i in range(joiners)]
    try:
        group = owner.ok("chats_create_chat", {"name": "inv", "users": []})
        code = owner.ok("chats_create_chat_invite", {"chat_ref": {"group": {"group_id": group.id}},
                                                     "max_uses": max_uses}).code
        successes = sum(1 for user in others if user.call("auth_use_invite", {"code": code}).WhichOneof("result")
                        != "error")
        _check(successes == min(max_uses, joiners), f"max_uses={max_uses}, {joiners} tried, {successes} joined")
    finally:
        for user in [owner, *others]:
            user.close()


def invite_expiry(target: Target, lifetime: int, elapsed: int) -> None:
    owner, joiner = target.user("owner"), target.user("joiner")
    try:
        group = owner.ok("chats_create_chat", {"name": "inv", "users": []})
        expires_at = target.now_ms() + lifetime
        code = owner.ok("chats_create_chat_invite", {"chat_ref": {"group": {"group_id": group.id}},
                                                     "expires_at": expires_at}).code
        target.advance_clock(elapsed)
        answer = joiner.call("auth_use_invite", {"code": code})
        worked = answer.WhichOneof("result") != "error"
        _check(worked == (elapsed < lifetime), f"expires in {lifetime} ms, used after {elapsed} ms: "
                                               f"{'accepted' if worked else 'refused'}")
    finally:
        owner.close()
        joiner.close()


@dataclass(frozen=True)
class Property:
    name: str
    level: Level
    spec: str
    build: Callable[[Target], Callable[[], None]]
    needs_clock: bool = False


def _props() -> list[Property]:
    sizes = st.integers(0, 25)
    pages = st.integers(1, 8)
    return [
        Property("history.before-walk", Level.MUST, "12.2 DOC", lambda t: given(sizes, pages, st.booleans())(
            lambda c, p, ch: history_before_walk(t, c, p, ch))),
        Property("history.since-walk", Level.MUST, "12.2 DOC", lambda t: given(sizes, pages, st.booleans())(
            lambda c, p, ch: history_since_walk(t, c, p, ch))),
        Property("chats.max-id-walk", Level.MUST, "10.1 PROTO", lambda t: given(
            st.integers(0, 12), st.lists(st.integers(0, 20), max_size=6), pages)(
            lambda g, touched, p: chats_max_id_walk(t, g, touched, p))),
        Property("chats.min-id-walk", Level.REFERENCE, "16 item 6 REF", lambda t: given(st.integers(0, 12), pages)(
            lambda g, p: chats_min_id_walk(t, g, p))),
        Property("read-state.monotonic-and-exact", Level.MUST, "10.10 DOC", lambda t: given(st.lists(
            st.tuples(st.sampled_from(["alice-sends", "bob-sends", "bob-reads"]), st.integers(0, 30)),
            max_size=14))(lambda script: read_state(t, script))),
        Property("invites.max-uses", Level.REFERENCE, "10.12 REF", lambda t: given(
            st.integers(1, 3), st.integers(0, 4))(lambda m, j: invite_max_uses(t, m, j))),
        Property("invites.expiry", Level.REFERENCE, "10.12 REF", lambda t: given(
            st.integers(1, 5_000), st.one_of(st.sampled_from([-1, 0, 1]), st.integers(-5_000, 5_000)))(
            lambda life, offset: invite_expiry(t, life, max(0, life + offset))), needs_clock=True),
    ]


PROPERTIES = _props()


def run_properties(target: Target, budget: Budget, clock_control: bool,
                   only: list[str] | None = None) -> list[PropertyResult]:
    """Run every property (or those named) against the target; never raises for a property failure."""
    results = []
    for prop in PROPERTIES:
        if only and prop.name not in only:
            continue
        if prop.needs_clock and not clock_control:
            results.append(PropertyResult(prop.name, prop.level, prop.spec, True, "unsupported: no clock-control"))
            continue
        test = _settings(budget)(prop.build(target))
        if budget.seed is not None:
            test = hypothesis_seed(budget.seed)(test)
        try:
            test()
            results.append(PropertyResult(prop.name, prop.level, prop.spec, True))
        except (PropertyFailure, AssertionError) as failure:
            notes = "\n".join(getattr(failure, "__notes__", []))
            results.append(PropertyResult(prop.name, prop.level, prop.spec, False, f"{failure}\n{notes}".strip()))
    return results
