"""The words of a failure: results, expectations, what is missing from an inbox, the step's YAML."""

from __future__ import annotations

from typing import Any

from conformance.scenario import model
from conformance.scenario.loader import source_lines
from conformance.scenario.patterns import Mismatch, assign, match, message_slot, show, show_pattern
from conformance.wire.client import Connection, ReceivedUpdate
from osmiumwire import core_pb2


def show_result(result: core_pb2.RPCResult) -> str:
    member = result.WhichOneof("result")
    if member is None:
        return f"empty result (req_id {result.req_id})"
    if member == "error":
        return f"error {result.error.error_code} {result.error.error_message!r}"
    return f"{member} {show(getattr(result, member))}"


def expect_text(expect: Any) -> str:
    if expect is None:
        return "a successful result"
    if expect == "empty":
        return "an empty result"
    return show_pattern(expect)


def code_text(expected: model.ExpectError) -> str:
    return f" (code {expected.code})" if expected.code is not None else ""


def mismatch_text(mismatches: list[Mismatch]) -> str:
    return "mismatches:\n" + "\n".join(f"  {m}" for m in mismatches[:12])


def explain_missing(connection: Connection, wanted: list[Any], within: float) -> str:
    places = assign(wanted, [message_slot(r.update) for r in connection.inbox])
    lines = [f"expected on {connection.label} within {within:g}s:"]
    for pattern, place in zip(wanted, places, strict=True):
        lines.append(f"  {'ok     ' if place is not None else 'MISSING'} {show_pattern(pattern)}")
        if place is None:
            ((member, sub),) = pattern.items()
            same = [r for r in connection.inbox if r.member == member]
            for candidate in same[:3]:
                for mismatch in match(sub, message_slot(candidate.payload), member)[:4]:
                    lines.append(f"          closest {member}: {mismatch}")
    inbox = updates_text(connection.inbox) or "  (nothing)"
    lines.append(f"updates in the inbox of {connection.label}:\n{inbox}")
    fault = connection.fault()
    if fault:
        lines.append(f"and {fault}")
    return "\n".join(lines)


def snippet(source: model.Source) -> str:
    lines = source_lines(source.path, source.line, source.end_line)
    if not lines:
        return ""
    return "\n".join(f"  {number:4} | {text}" for number, text in lines) + "\n"


MAX_LISTED = 20


def updates_text(received: list[ReceivedUpdate]) -> str:
    """Updates, one per line, at most MAX_LISTED of them (a flooding target must not drown the report)."""
    lines = [f"  {show(r.update)}" for r in received[:MAX_LISTED]]
    if len(received) > MAX_LISTED:
        lines.append(f"  ... and {len(received) - MAX_LISTED} more")
    return "\n".join(lines)
