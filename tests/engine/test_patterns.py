"""Every matcher, matching and not matching, on real protobuf values."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.scenario.patterns import assign, match, message_slot
from osmiumwire import chats_pb2, refs_pb2, types_pb2, updates_pb2

GROUP = types_pb2.Group(id=42, name="team", owner=True, participant_ids=[7, 8, 9])
CONVERSATIONS = chats_pb2.Chats(
    chats=[
        types_pb2.Conversation(
            chat_ref=refs_pb2.ChatRef(group=refs_pb2.GroupRef(group_id=3)), last_message_id=30, unread_count=2
        ),
        types_pb2.Conversation(chat_ref=refs_pb2.ChatRef(self=refs_pb2.RefSelf()), last_message_id=20),
        types_pb2.Conversation(
            chat_ref=refs_pb2.ChatRef(user=refs_pb2.UserRef(user_id=5)), last_message_id=10, notif_prefs=types_pb2.NONE
        ),
    ]
)
TYPING = updates_pb2.UpdateChatTyping(user_id=7, typing=True, action=chats_pb2.UPLOAD_IMAGE)


def holds(pattern: Any, value: Any) -> bool:
    return not match(pattern, message_slot(value))


CASES: list[tuple[str, Any, Any, Any]] = [
    # (name, value, matching pattern, non-matching pattern)
    ("scalar", GROUP, {"name": "team"}, {"name": "other"}),
    ("bool", GROUP, {"owner": True}, {"owner": False}),
    ("id as decimal string", GROUP, {"id": "42"}, {"id": "43"}),
    (
        "unset scalar equals default",
        CONVERSATIONS,
        {"chats": {"$contains": [{"unread_count": 0}]}},
        {"chats": {"$contains": [{"unread_count": 9}]}},
    ),
    ("list in order", GROUP, {"participant_ids": [7, 8, 9]}, {"participant_ids": [9, 8, 7]}),
    ("$any", GROUP, {"photo": "$any"}, {"photo": {"$not": "$any"}}),
    ("$absent presence field", GROUP, {"photo": "$absent"}, {"name": "$absent"}),
    ("$absent optional enum", TYPING, {"user_id": {"$not": "$absent"}}, {"action": "$absent"}),
    ("$snowflake", GROUP, {"id": "$snowflake"}, {"photo": "$snowflake"}),
    ("$gt", GROUP, {"id": {"$gt": 41}}, {"id": {"$gt": 42}}),
    ("$ge", GROUP, {"id": {"$ge": 42}}, {"id": {"$ge": 43}}),
    ("$lt", GROUP, {"id": {"$lt": 43}}, {"id": {"$lt": 42}}),
    ("$le", GROUP, {"id": {"$le": 42}}, {"id": {"$le": 41}}),
    ("$len repeated", GROUP, {"participant_ids": {"$len": 3}}, {"participant_ids": {"$len": 2}}),
    ("$len string", GROUP, {"name": {"$len": 4}}, {"name": {"$len": 5}}),
    (
        "$len with a comparison",
        GROUP,
        {"participant_ids": {"$len": {"$gt": 2}}},
        {"participant_ids": {"$len": {"$gt": 3}}},
    ),
    ("$contains", GROUP, {"participant_ids": {"$contains": [9, 7]}}, {"participant_ids": {"$contains": [7, 10]}}),
    (
        "$contains distinct items",
        GROUP,
        {"participant_ids": {"$contains": [7]}},
        {"participant_ids": {"$contains": [7, 7]}},
    ),
    ("$unordered", GROUP, {"participant_ids": {"$unordered": [9, 7, 8]}}, {"participant_ids": {"$unordered": [9, 7]}}),
    (
        "$sorted desc by field",
        CONVERSATIONS,
        {"chats": {"$sorted": {"by": "last_message_id", "order": "desc"}}},
        {"chats": {"$sorted": {"by": "last_message_id", "order": "asc"}}},
    ),
    (
        "$sorted scalars",
        GROUP,
        {"participant_ids": {"$sorted": {"order": "asc"}}},
        {"participant_ids": {"$sorted": {"order": "desc"}}},
    ),
    ("$one_of", GROUP, {"name": {"$one_of": ["x", "team"]}}, {"name": {"$one_of": ["x", "y"]}}),
    ("$not", GROUP, {"name": {"$not": "x"}}, {"name": {"$not": "team"}}),
    ("enum by name", TYPING, {"action": "UPLOAD_IMAGE"}, {"action": "TYPING"}),
    ("enum by number", TYPING, {"action": 1}, {"action": 2}),
    (
        "nested oneof member",
        CONVERSATIONS,
        {"chats": {"$contains": [{"chat_ref": {"self": {}}}]}},
        {"chats": [{"chat_ref": {"self": {}}}, {}, {}]},
    ),
    ("several $ keys all hold", GROUP, {"id": {"$gt": 1, "$lt": 100}}, {"id": {"$gt": 1, "$lt": 10}}),
]


@pytest.mark.parametrize(("value", "good", "bad"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_matcher(value: Any, good: Any, bad: Any) -> None:
    assert holds(good, value)
    assert not holds(bad, value)


def test_mismatch_names_the_path_and_both_values() -> None:
    [mismatch] = match({"group": {"owner": False}}, message_slot(updates_pb2.UpdateGroup(group=GROUP)))
    assert mismatch.path == "group.owner"
    assert "expected false" in str(mismatch) and "got true" in str(mismatch)


def test_unset_message_field_does_not_match_a_mapping() -> None:
    update = updates_pb2.Update(chat_typing=TYPING)
    assert not holds({"group": {}}, update)
    assert holds({"chat_typing": {}}, update)


def test_assign_gives_each_pattern_a_distinct_candidate() -> None:
    candidates = [message_slot(types_pb2.Group(id=n)) for n in (1, 2, 3)]
    # a greedy choice of 1 for the first pattern would starve the second
    assert assign([{"id": {"$lt": 3}}, {"id": 1}], candidates) == [1, 0]
    assert assign([{"id": 1}, {"id": 1}], candidates) in ([0, None], [None, 0])


def test_long_values_are_shown_bounded() -> None:
    from conformance.scenario.patterns import show

    big = types_pb2.Group(participant_ids=list(range(1, 501)))
    [mismatch] = match({"participant_ids": {"$len": 3}}, message_slot(big))
    assert "... 490 more" in mismatch.got
    assert len(show(types_pb2.Group(name="x" * 5_000))) < 1_600
