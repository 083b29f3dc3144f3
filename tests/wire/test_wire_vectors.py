"""Every byte-exact vector of docs/spec/wire-vectors.json round-trips through our generated code.

Parsing the bytes gives the vector's JSON form, and that JSON form serialises back to exactly the bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import descriptor_pool, json_format
from google.protobuf.message_factory import GetMessageClass

import osmiumwire.core_pb2
import osmiumwire.reactions_pb2  # noqa: F401

VECTORS_FILE = Path(__file__).resolve().parents[2] / "docs" / "spec" / "wire-vectors.json"
VECTORS: list[dict[str, Any]] = json.loads(VECTORS_FILE.read_text())["vectors"]


def test_all_vectors_present() -> None:
    assert len(VECTORS) == 158


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector_round_trips(vector: dict[str, Any]) -> None:
    cls = GetMessageClass(descriptor_pool.Default().FindMessageTypeByName(vector["type"]))
    raw = bytes.fromhex(vector["hex"])
    parsed = cls.FromString(raw)
    assert json_format.MessageToDict(parsed, preserving_proto_field_name=True) == vector["json"]
    rebuilt = json_format.ParseDict(vector["json"], cls())
    assert rebuilt.SerializeToString() == raw
