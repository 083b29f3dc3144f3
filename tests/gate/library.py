"""A tiny case library in a temporary folder (cases/, requirements, targets/, a spec page) for CLI tests."""

from __future__ import annotations

from pathlib import Path

PASSING_CASE = """\
scenarios:
  - id: chats.tiny.list-is-empty
    title: A new user's chat list is empty
    level: MUST
    spec: {section: "10.1", tag: PROTO}
    requirements: [chats.tiny.empty]
    covers: [chats_get_chats]
    requires: []
    actors:
      alice: {}
    steps:
      - send: chats_get_chats
        as: alice
        with: {limit: 10}
        expect: {chats: {chats: {$len: 0}}}
"""

FAILING_CASE = """\
scenarios:
  - id: chats.tiny.wrongly-expects-one
    title: A deliberately wrong expectation (the chat list of a new user has one chat)
    level: MUST
    spec: {section: "10.1", tag: PROTO}
    requirements: [chats.tiny.empty]
    covers: [chats_get_chats]
    requires: []
    actors:
      alice: {}
    steps:
      - send: chats_get_chats
        as: alice
        with: {limit: 10}
        expect: {chats: {chats: {$len: 1}}}
"""

REQUIREMENTS = """\
- id: chats.tiny.empty
  level: MUST
  section: "10.1"
  tag: PROTO
  text: a new user has no chats
- id: chats.tiny.never-covered
  level: SHOULD
  section: "10.1"
  tag: DOC
  text: nobody tests this
"""

SPEC = """\
# Semantics

## 10. Chats RPCs

### 10.1 chats.GetChats → `chats` (9)

Returns the caller's conversations, newest first.

### 10.2 chats.GetChat → `chat` (15)

One conversation.
"""


def make_library(root: Path, *, failing: bool = False) -> Path:
    """root/cases/chats/*.yaml, root/cases/requirements/tiny.yaml, root/docs/spec/semantics.md, root/targets/."""
    (root / "cases/chats").mkdir(parents=True)
    (root / "cases/requirements").mkdir()
    (root / "cases/chats/tiny.yaml").write_text(PASSING_CASE)
    if failing:
        (root / "cases/chats/wrong.yaml").write_text(FAILING_CASE)
    (root / "cases/requirements/tiny.yaml").write_text(REQUIREMENTS)
    (root / "docs/spec").mkdir(parents=True)
    (root / "docs/spec/semantics.md").write_text(SPEC)
    (root / "targets").mkdir()
    return root / "cases"


def write_target(root: Path, body: str, name: str = "t.yaml") -> Path:
    path = root / "targets" / name
    path.write_text(body)
    return path
