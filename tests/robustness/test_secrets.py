"""Secrets (issue 7): session tokens and invite codes are unguessable (>= 64 bits, measured) and unique;
they are never logged; passwords are stored hashed, never in the state dump; tokens and passwords are
compared with `hmac.compare_digest`; the control API is off on `osmium-mock` without `--admin`, and the
server listens on loopback unless told otherwise.

Entropy is estimated from samples, not taken from the code: the Shannon entropy of the pooled characters of
many samples, times their length. It cannot exceed the true entropy of a uniform source much, and for a
short or biased alphabet it comes out low, which is the point.
"""

from __future__ import annotations

import asyncio
import hmac
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from mockserver.domain import credentials
from mockserver.embedded import EmbeddedServer
from osmiumwire import auth_pb2, chats_pb2, refs_pb2
from tests.robustness.harness import http_status, serving, state
from tests.robustness.process import mock_process
from tests.robustness.wire_client import WireClient, authorize, sign_up

TOKENS = 500
INVITE_CODES = 2_000
MIN_BITS = 64
PASSWORD = "correct horse battery staple"


def estimated_bits(samples: list[str]) -> float:
    """Pooled per-character Shannon entropy times the (shortest) sample length."""
    counts = Counter(char for sample in samples for char in sample)
    total = sum(counts.values())
    per_char = -sum(n / total * math.log2(n / total) for n in counts.values())
    return per_char * min(len(sample) for sample in samples)


async def many_tokens(url: str) -> list[str]:
    """One token per passwordless sign-up, all on one socket (each sign-up re-binds it, §3)."""
    client = await WireClient.connect(url)
    await client.ok("core_initialize")
    tokens = []
    for n in range(TOKENS):
        answer = await client.ok("auth_sign_up", auth_pb2.SignUp(name=f"entropy {n}"))
        tokens.append(answer.authorization.token)
    await client.close()
    return tokens


async def many_invite_codes(url: str) -> list[str]:
    owner = await sign_up(url)
    group = (await owner.client.ok("chats_create_chat", chats_pb2.CreateChat(name="codes"))).group
    request = chats_pb2.CreateChatInvite(chat_ref=refs_pb2.ChatRef(group=refs_pb2.GroupRef(group_id=group.id)))
    codes = []
    for _ in range(INVITE_CODES):
        codes.append((await owner.client.ok("chats_create_chat_invite", request)).created_invite.code)
    await owner.client.close()
    return codes


def test_session_tokens_carry_at_least_64_bits_and_never_collide(server: EmbeddedServer) -> None:
    tokens = asyncio.run(many_tokens(server.url))
    bits = estimated_bits(tokens)
    print(f"\ntokens: {len(tokens)} samples, {len(set(tokens))} distinct, ~{bits:.0f} bits estimated")
    assert len(set(tokens)) == len(tokens)
    assert bits >= MIN_BITS


SPEC_REF_LENGTH = pytest.mark.xfail(
    strict=True,
    reason="semantics.md §10.7/§16.26 REF: 8 chars of [A-Za-z0-9] = 47.6 bits, the default; issue 7 asks >= 64. "
    "A spec decision is pending; `osmium-mock --invite-code-length 11` gives 65.5 bits (the other parameter)",
)


@pytest.mark.parametrize("length", [pytest.param(8, marks=SPEC_REF_LENGTH, id="default-8"), pytest.param(11, id="11")])
def test_invite_codes_carry_at_least_64_bits_and_never_collide(length: int) -> None:
    with serving(invite_code_length=length) as server:
        codes = asyncio.run(many_invite_codes(server.url))
    bits = estimated_bits(codes)
    print(f"\ninvite codes of {length}: {len(codes)} samples, {len(set(codes))} distinct, ~{bits:.1f} bits estimated")
    assert {len(code) for code in codes} == {length}
    assert len(set(codes)) == len(codes)
    assert bits >= MIN_BITS


def strings_reachable(root: object, limit: int = 200_000) -> Iterable[str]:
    """Every str reachable from `root` through containers, dataclasses and object attributes."""
    seen: set[int] = set()
    stack: list[object] = [root]
    while stack and len(seen) < limit:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, str):
            yield item
        elif isinstance(item, bytes | bytearray):
            yield bytes(item).decode("latin-1")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
        elif hasattr(item, "__dict__") or hasattr(item, "__slots__"):
            stack.extend(vars(item).values() if hasattr(item, "__dict__") else [])
            stack.extend(getattr(item, slot, None) for slot in getattr(item, "__slots__", ()))


def test_passwords_are_stored_hashed_and_absent_from_the_state_dump(server: EmbeddedServer) -> None:
    async def sign_up_with_password() -> tuple[str, int]:
        user = await sign_up(server.url, password=PASSWORD)
        await user.client.close()
        return user.token, user.user_id

    token, user_id = asyncio.run(sign_up_with_password())
    dump = state(server)
    assert PASSWORD not in repr(dump)
    assert token not in repr(dump)
    email = next(user["email"] for user in dump["users"] if user["id"] == str(user_id))
    service = server.server.service
    reachable = server.call(lambda: {text for text in strings_reachable(service) if PASSWORD in text or text == email})
    assert email in reachable, "the walk did not reach the user records: it would miss a plaintext password too"
    assert not any(PASSWORD in text for text in reachable), "the plaintext password is kept in the domain's state"


@pytest.mark.parametrize("cost", [credentials.MIN_SCRYPT_N, 256, credentials.SCRYPT_N])
def test_a_password_hash_keeps_its_cost_and_checks_only_the_right_password(cost: int) -> None:
    stored = credentials.hash_password(PASSWORD, cost)
    assert stored.n == cost and len(stored.salt) == credentials.SALT_BYTES
    assert credentials.password_matches(stored, PASSWORD)
    assert not credentials.password_matches(stored, PASSWORD + "x")
    cheaper_elsewhere = credentials.hash_password(PASSWORD, cost * 2)
    assert cheaper_elsewhere.digest != stored.digest  # salt and cost both change the digest


@pytest.mark.parametrize(("cost", "valid"), [(1, False), (2, True), (256, True), (300, False), (2**15, False)])
def test_only_powers_of_two_within_bounds_are_accepted_as_scrypt_cost(cost: int, valid: bool) -> None:
    assert credentials.is_valid_scrypt_n(cost) is valid


def test_tokens_and_passwords_are_compared_with_compare_digest(
    server: EmbeddedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, Any]] = []
    real: Callable[[Any, Any], bool] = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)

    async def authenticate() -> None:
        user = await sign_up(server.url, password=PASSWORD)
        second = await authorize(server.url, user.token)
        await second.close()
        client = await WireClient.connect(server.url)
        await client.ok("core_initialize")
        email = next(u["email"] for u in state(server)["users"] if u["id"] == str(user.user_id))
        answer = await client.call("auth_sign_in", auth_pb2.SignIn(email=email, password="wrong " + PASSWORD))
        assert answer.error.error_code == 401
        await asyncio.gather(client.close(), user.client.close())

    before = len(calls)
    asyncio.run(authenticate())
    assert len(calls) - before >= 2, "Authorize and SignIn did not go through hmac.compare_digest"


def secrets_in(log: str, secrets: dict[str, str]) -> list[str]:
    return [name for name, value in secrets.items() if value and value in log]


async def exercise_secrets(url: str) -> dict[str, str]:
    """Sign up, authorize a second device, sign in, fail to authorize, create, look up and use an invite."""
    owner = await sign_up(url, password=PASSWORD)
    device = await authorize(url, owner.token)
    guest = await sign_up(url, password=PASSWORD)
    group = (await owner.client.ok("chats_create_chat", chats_pb2.CreateChat(name="secret"))).group
    ref = refs_pb2.ChatRef(group=refs_pb2.GroupRef(group_id=group.id))
    code = (await owner.client.ok("chats_create_chat_invite", chats_pb2.CreateChatInvite(chat_ref=ref))).created_invite
    await guest.client.ok("auth_lookup_invite", auth_pb2.LookupInvite(code=code.code))
    await guest.client.ok("auth_use_invite", auth_pb2.UseInvite(code=code.code))
    wrong_token = "Wr0ngT0kenThatLooksLikeASecret_9f8e7d6c5b4a"
    intruder = await WireClient.connect(url)
    await intruder.ok("core_initialize")
    assert (await intruder.call("auth_authorize", auth_pb2.Authorize(token=wrong_token))).error.error_code == 401
    await asyncio.gather(owner.client.close(), device.close(), guest.client.close(), intruder.close())
    return {"token": owner.token, "guest token": guest.token, "password": PASSWORD, "wrong token": wrong_token,
            "invite code": code.code}


@pytest.mark.parametrize("log_frames", [False, True], ids=["normal-log", "log-frames"])
def test_secrets_never_appear_in_the_server_log(log_frames: bool) -> None:
    flags = ["--log-level", "DEBUG"] + (["--log-frames"] if log_frames else [])
    with mock_process(*flags) as mock:
        secrets = asyncio.run(exercise_secrets(mock.url))
    log = mock.log
    if log_frames:
        assert "auth_sign_up" in log, "--log-frames printed no frames: the check below would prove nothing"
        # Frame logs are opt-in decoded frames: tokens and passwords are masked; invite codes are shown
        # (they are what a developer debugs with), recorded in docs/reliability.md.
        secrets.pop("invite code")
    leaked = secrets_in(log, secrets)
    assert not leaked, f"{leaked} appear in the server log ({'with' if log_frames else 'without'} --log-frames)"


def test_the_control_api_is_off_without_admin_and_everything_listens_on_loopback() -> None:
    with mock_process() as mock:
        assert http_status(f"{mock.http_base}/__admin/state") == 404
        assert http_status(f"{mock.http_base}/__admin/capabilities") == 404
        assert listening_addresses(mock.process.pid, mock.url) == {"127.0.0.1"}
    with mock_process("--admin") as mock:
        assert http_status(f"{mock.http_base}/__admin/capabilities") == 200
        assert listening_addresses(mock.process.pid, mock.url) == {"127.0.0.1"}


def listening_addresses(pid: int, url: str) -> set[str]:
    """The local addresses of the process's listening TCP sockets on the URL's port (from /proc/net/tcp*)."""
    port = int(re.search(r":(\d+)/", url).group(1))  # type: ignore[union-attr]
    addresses: set[str] = set()
    for table, width in (("tcp", 8), ("tcp6", 32)):
        path = Path(f"/proc/{pid}/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state_hex = line.split()[1], line.split()[3]
            address_hex, port_hex = local.split(":")
            if state_hex == "0A" and int(port_hex, 16) == port:  # 0A = LISTEN
                addresses.add(decode_address(address_hex, width))
    return addresses


def decode_address(address_hex: str, width: int) -> str:
    if width == 8:
        return ".".join(str(b) for b in reversed(bytes.fromhex(address_hex)))
    return "::" if int(address_hex, 16) == 0 else address_hex
