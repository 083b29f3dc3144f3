"""Requests built from rendered `with:` bodies, and values read back from results for `save:`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format, message_factory
from google.protobuf.message import Message

from conformance.errors import CaseError, Location
from conformance.runner.actors import ActorHandle
from conformance.scenario import model
from conformance.scenario.expressions import access
from conformance.scenario.shape import RPC_MEMBERS, message_of
from osmiumwire import core_pb2


def build_request(step: model.SendStep, body: Any) -> Message:
    request: Message = message_factory.GetMessageClass(message_of(RPC_MEMBERS[step.rpc]))()
    if body is None:
        return request
    try:
        json_format.ParseDict(plain_values(body), request)
    except json_format.ParseError as exc:
        raise CaseError(
            Location(step.source.display, step.source.line), f"with: cannot build {request.DESCRIPTOR.full_name}: {exc}"
        ) from None
    return request


def plain_values(value: Any) -> Any:
    """Rendered values as ParseDict takes them: messages as dicts, actors as their user id."""
    if isinstance(value, Message):
        return json_format.MessageToDict(value, preserving_proto_field_name=True)
    if isinstance(value, ActorHandle):
        return value.id
    if isinstance(value, Mapping):
        return {k: plain_values(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) or type(value).__name__.startswith("Repeated"):
        return [plain_values(v) for v in value]
    return value


def walk_result(result: core_pb2.RPCResult, path: str) -> Any:
    parts = path.split(".")
    if result.WhichOneof("result") != parts[0]:
        raise LookupError(f"the result has no {parts[0]!r} (it is {result.WhichOneof('result') or 'empty'})")
    value: Any = getattr(result, parts[0])
    for part in parts[1:]:
        value = access(value, int(part) if part.isdigit() else part)
    return value


def readable_request_id(data: bytes) -> set[int]:
    try:
        return {core_pb2.ClientMessage.FromString(data).id}
    except Exception:
        return set()
