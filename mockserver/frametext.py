"""Turn raw frames into readable protobuf text, for the frame journal and for `--log-frames`.

Frames are stored raw and decoded only when somebody reads them, so that recording stays cheap. Logged text
never carries secrets: `token` and `password` fields are masked (the journal, reached through the control
API that hands out tokens anyway, shows frames as they were).
"""

from __future__ import annotations

from enum import Enum

from google.protobuf import text_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message

from osmiumwire import core_pb2

SECRET_FIELDS = frozenset({"token", "password"})
MASK = "<redacted>"


class Direction(Enum):
    """Which way a frame travelled, seen from the server."""

    IN = "in"
    OUT = "out"


def decode(direction: Direction, data: bytes) -> Message:
    """Parse a frame as a ClientMessage (IN) or a ServerMessage (OUT); raises DecodeError."""
    message: Message = core_pb2.ClientMessage() if direction is Direction.IN else core_pb2.ServerMessage()
    message.ParseFromString(data)
    return message


def to_text(direction: Direction, data: bytes, *, redact: bool = False) -> str:
    """One-line protobuf text of a frame, or a hex dump when it does not decode."""
    try:
        message = decode(direction, data)
    except DecodeError:
        return f"<undecodable {len(data)} bytes: {data[:64].hex()}{'...' if len(data) > 64 else ''}>"
    if redact:
        _mask_secrets(message)
    return text_format.MessageToString(message, as_one_line=True)


def _mask_secrets(message: Message) -> None:
    """Replace every non-empty `token` / `password` string, at any depth, with a mask."""
    for field, value in message.ListFields():
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            children = value if _is_repeated(field) else [value]
            for child in children:
                if isinstance(child, Message):
                    _mask_secrets(child)
        elif field.type == FieldDescriptor.TYPE_STRING and field.name in SECRET_FIELDS and not _is_repeated(field):
            setattr(message, field.name, MASK)


def _is_repeated(field: FieldDescriptor) -> bool:
    return bool(field.is_repeated)
