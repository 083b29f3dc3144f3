"""Generated protobuf modules of the Osmium Chat Protocol's chats scope.

The `.proto` sources beside these modules declare every message of `docs/spec/wire-facts.md` with the
public package names (`osmium.client.<file>`). Regenerate with `python -m tests.wire.regen` (see
docs/contributing.md); `tests/wire/test_generated_code.py` fails when the committed code drifts.
"""
