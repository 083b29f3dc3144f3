"""Request builders and cheap frame classification for the load-generating client.

The load loops must cost the client the same per frame whether the server is the echo or the mock, so they
never decode a frame in full: `is_rpc_result` reads only the first tags of a `ServerMessage`. Full decoding
(`decode`) is for setup steps and for the sampled sanity checks that the mock answered what was asked.
"""

from __future__ import annotations

from osmiumwire import auth_pb2, chats_pb2, core_pb2, messages_pb2, refs_pb2

SERVER_MESSAGE_UPDATE_TAG = 0x12  # field 2, wire type LEN
SERVER_MESSAGE_RESULT_TAG = 0x1A  # field 3, wire type LEN
SERVER_MESSAGE_ID_TAG = 0x08  # field 1, wire type VARINT


def self_ref() -> refs_pb2.ChatRef:
    ref = refs_pb2.ChatRef()
    ref.self.SetInParent()
    return ref


def group_ref(group_id: int) -> refs_pb2.ChatRef:
    return refs_pb2.ChatRef(group=refs_pb2.GroupRef(group_id=group_id))


def initialize(req_id: int) -> core_pb2.ClientMessage:
    return core_pb2.ClientMessage(
        id=req_id, core_initialize=core_pb2.Initialize(client_id=8, device_type="benchmark", app_version="0")
    )


def sign_up(req_id: int, name: str) -> core_pb2.ClientMessage:
    return core_pb2.ClientMessage(id=req_id, auth_sign_up=auth_pb2.SignUp(name=name))


def create_group(req_id: int, name: str, member_ids: list[int]) -> core_pb2.ClientMessage:
    users = [refs_pb2.UserRef(user_id=user_id) for user_id in member_ids]
    return core_pb2.ClientMessage(id=req_id, chats_create_chat=chats_pb2.CreateChat(name=name, users=users))


def get_chat(req_id: int, chat_ref: refs_pb2.ChatRef) -> core_pb2.ClientMessage:
    return core_pb2.ClientMessage(id=req_id, chats_get_chat=chats_pb2.GetChat(chat_ref=chat_ref))


def send_message(req_id: int, chat_ref: refs_pb2.ChatRef, text: str) -> core_pb2.ClientMessage:
    return core_pb2.ClientMessage(
        id=req_id, messages_send_message=messages_pb2.SendMessage(chat_ref=chat_ref, message=text)
    )


def is_rpc_result(frame: bytes) -> bool:
    """True if a `ServerMessage` frame carries an `RPCResult` (not an update), without decoding it."""
    position = 0
    if frame[:1] == bytes([SERVER_MESSAGE_ID_TAG]):
        position = 1
        while position < len(frame) and frame[position] & 0x80:
            position += 1
        position += 1  # the last byte of the varint
    return position < len(frame) and frame[position] == SERVER_MESSAGE_RESULT_TAG


def decode(frame: bytes) -> core_pb2.ServerMessage:
    return core_pb2.ServerMessage.FromString(frame)


class RpcFailed(Exception):
    """The server answered a benchmark's request with an RPCError (the measurement would be meaningless)."""


def check_result(frame: bytes, expected_member: str) -> core_pb2.RPCResult:
    """Decode one result frame and insist it carries `expected_member` (else a one-line error)."""
    message = decode(frame)
    if message.WhichOneof("message") != "result":
        raise RpcFailed(f"expected an RPCResult, got a {message.WhichOneof('message')} frame")
    result = message.result
    member = result.WhichOneof("result")
    if member == "error":
        raise RpcFailed(f"server answered {result.error.error_code} {result.error.error_message!r}")
    if member != expected_member and not (expected_member == "empty" and member is None):
        raise RpcFailed(f"expected result member {expected_member!r}, got {member!r}")
    return result
