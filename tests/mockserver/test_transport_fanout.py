"""Fan-out (semantics.md §13): result before updates on the calling socket, every subscribed socket of each
recipient user, none for no_subscribe or unauthenticated sockets, and re-binding on a later auth (§3)."""

from __future__ import annotations

from collections.abc import Iterator

import aiohttp
import pytest

from mockserver.domain.contract import Delivery
from mockserver.embedded import EmbeddedServer
from tests.mockserver.transport_support import (
    FakeService,
    WireClient,
    big_update,
    connect,
    deliver_to,
    fake_server,
    request,
    run,
    typing_update,
)

ALICE, BOB, CAROL = 101, 202, 303


@pytest.fixture
def served() -> Iterator[tuple[EmbeddedServer, FakeService]]:
    with fake_server() as pair:
        yield pair


async def device(
    session: aiohttp.ClientSession, url: str, user_id: int | None, *, no_subscribe: bool = False
) -> WireClient:
    client = await connect(session, url)
    await client.initialize(no_subscribe=no_subscribe)
    if user_id is not None:
        await client.authorize(user_id)
    return client


async def barrier(client: WireClient, req_id: int) -> None:
    """A round trip on `client`: every frame queued for it before this request has been read once this returns."""
    result = await client.call(request(req_id, "users_get_profile"))
    assert result.WhichOneof("result") is None


def test_result_comes_before_the_updates_it_caused(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, service = served
    service.handler = deliver_to(Delivery(ALICE, typing_update(1)), Delivery(ALICE, typing_update(2)))

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            alice = await device(session, server.url, ALICE)
            await alice.send(request(40, "chats_set_typing"))
            frames = [await alice.receive() for _ in range(3)]
            assert [frame.WhichOneof("message") for frame in frames] == ["result", "update", "update"]
            assert frames[0].result.req_id == 40
            assert [frame.update.chat_typing.user_id for frame in frames[1:]] == [1, 2]
            assert [frame.id for frame in frames] == [3, 4, 5]  # initialize 1, authorize 2

    run(body)


def test_updates_before_results_turns_the_order_around() -> None:
    """§16.19 leaves the order open; `--updates-before-results` sends the caused updates first."""
    with fake_server(updates_first=True) as (server, service):
        service.handler = deliver_to(Delivery(ALICE, typing_update(1)), Delivery(ALICE, typing_update(2)))

        async def body() -> None:
            async with aiohttp.ClientSession() as session:
                alice = await device(session, server.url, ALICE)
                await alice.send(request(41, "chats_set_typing"))
                frames = [await alice.receive() for _ in range(3)]
                assert [frame.WhichOneof("message") for frame in frames] == ["update", "update", "result"]
                assert frames[2].result.req_id == 41

        run(body)


def test_every_socket_of_each_recipient_gets_the_update_and_nobody_else(
    served: tuple[EmbeddedServer, FakeService],
) -> None:
    server, service = served
    service.handler = deliver_to(Delivery(BOB, typing_update(ALICE)))

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            alice = await device(session, server.url, ALICE)
            bob_phone = await device(session, server.url, BOB)
            bob_laptop = await device(session, server.url, BOB)
            carol = await device(session, server.url, CAROL)
            await alice.call(request(41, "chats_set_typing"))
            for bob in (bob_phone, bob_laptop):
                update = await bob.receive()
                assert update.WhichOneof("message") == "update"
                assert update.update.chat_typing.user_id == ALICE
            service.handler = deliver_to()
            await barrier(carol, 42)  # Carol's next frame is her own result: she got no update
            await barrier(alice, 43)  # same for the caller, who is not a recipient here

    run(body)


def test_no_subscribe_and_unauthenticated_sockets_get_no_updates(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, service = served

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            bot = await device(session, server.url, BOB, no_subscribe=True)
            anonymous = await device(session, server.url, None)
            bob = await device(session, server.url, BOB)
            service.handler = deliver_to(Delivery(BOB, typing_update(9)))
            result = await bot.call(request(44, "chats_set_typing"))  # results still reach no_subscribe sockets
            assert result.req_id == 44
            assert (await bob.receive()).update.chat_typing.user_id == 9
            service.handler = deliver_to()
            await barrier(bot, 45)
            await barrier(anonymous, 46)

    run(body)


def test_a_later_authorize_rebinds_the_socket(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, service = served

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            switcher = await device(session, server.url, ALICE)
            await switcher.authorize(CAROL)
            caller = await device(session, server.url, BOB)
            service.handler = deliver_to(Delivery(ALICE, typing_update(1)), Delivery(CAROL, typing_update(2)))
            await caller.call(request(47, "chats_set_typing"))
            update = await switcher.receive()
            assert update.update.chat_typing.user_id == 2
            service.handler = deliver_to()
            await barrier(switcher, 48)  # and nothing for Alice any more

    run(body)


def test_domain_sees_the_bound_caller(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, service = served

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            anonymous = await device(session, server.url, None)
            await anonymous.call(request(50, "auth_lookup_invite"))
            alice = await device(session, server.url, ALICE)
            await alice.call(request(51, "chats_get_chats"))

    run(body)
    callers = {member: caller for caller, member in service.calls}
    assert callers["auth_lookup_invite"].user_id is None
    assert callers["chats_get_chats"].user_id == ALICE
    assert callers["chats_get_chats"].session_id == ALICE * 10


@pytest.mark.parametrize("size", [0, 100, 125, 126, 65_535, 65_536, 300_000])
def test_frames_of_every_header_length_arrive_intact(served: tuple[EmbeddedServer, FakeService], size: int) -> None:
    """Frames are written by hand in batches: 7-bit, 16-bit and 64-bit lengths must all parse in a real client."""
    server, service = served
    updates = [big_update(size), typing_update(1), big_update(size // 2)]
    service.handler = deliver_to(*[Delivery(ALICE, update) for update in updates])

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            alice = await device(session, server.url, ALICE)
            await alice.send(request(60, "chats_set_typing"))
            assert (await alice.receive()).result.req_id == 60
            for expected in updates:
                assert (await alice.receive()).update == expected

    run(body)
