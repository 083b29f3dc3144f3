"""Composition of one reference server: clock, ids, domain, transport, control API, as an aiohttp app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from mockserver.admin import admin_routes
from mockserver.clock import Clock, SystemClock, VirtualClock
from mockserver.domain.context import ServiceOptions
from mockserver.domain.service import ChatService
from mockserver.faults import FaultPlan
from mockserver.journal import FrameJournal
from mockserver.options import ServerOptions
from mockserver.service_api import ChatServiceAPI
from mockserver.snowflake import SnowflakeGenerator
from mockserver.transport.connection import CLOSE_GOING_AWAY
from mockserver.transport.dispatch import Dispatcher
from mockserver.transport.registry import ConnectionRegistry
from mockserver.transport.websocket import WebSocketEndpoint

log = logging.getLogger("mockserver")

ServiceFactory = Callable[[Clock, SnowflakeGenerator], ChatServiceAPI]
CLOSE_SERVICE_RESTART = 1012


def domain_service(options: ServerOptions) -> ServiceFactory:
    """The real domain core with the server's switches; tests of the transport pass a fake factory instead."""

    def create(clock: Clock, ids: SnowflakeGenerator) -> ChatServiceAPI:
        service_options = ServiceOptions(
            service_messages=options.service_messages,
            invite_code_length=options.invite_code_length,
            scrypt_n=options.scrypt_n,
        )
        return ChatService(clock, ids, service_options)

    return create


@dataclass
class MockServer:
    """Everything one running server owns; every method runs on the server's event loop."""

    options: ServerOptions
    clock: Clock
    ids: SnowflakeGenerator
    service: ChatServiceAPI
    registry: ConnectionRegistry = field(default_factory=ConnectionRegistry)
    faults: FaultPlan = field(default_factory=FaultPlan)
    journal: FrameJournal = field(init=False)

    def __post_init__(self) -> None:
        self.journal = FrameJournal(self.options.journal_limit, enabled=self.options.journal_enabled)

    @classmethod
    def create(cls, options: ServerOptions, service_factory: ServiceFactory | None = None) -> MockServer:
        options.validate()
        service_factory = service_factory or domain_service(options)
        clock: Clock = VirtualClock(options.clock_start_ms) if options.virtual_clock else SystemClock()
        ids = SnowflakeGenerator(clock)
        return cls(options, clock, ids, service_factory(clock, ids))

    @property
    def virtual_clock(self) -> VirtualClock | None:
        return self.clock if isinstance(self.clock, VirtualClock) else None

    async def reset(self) -> None:
        """Forget every user and chat; sockets bound to them are closed (1012), faults and journal cleared."""
        await self.close_all(CLOSE_SERVICE_RESTART, "server reset")
        self.service.reset()
        self.faults.clear()
        self.journal.clear()

    async def close_all(self, code: int, reason: str) -> None:
        connections = self.registry.all()
        if connections:
            await asyncio.gather(*(connection.close(code, reason) for connection in connections))

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=self.options.max_frame_bytes)
        dispatcher = Dispatcher(self.service, self.registry, self.faults, updates_first=self.options.updates_first)
        endpoint = WebSocketEndpoint(self.options, self.registry, dispatcher, self.journal)
        if self.options.admin:
            app.add_routes(admin_routes(self))
        app.router.add_get(self.options.path, endpoint.handle)
        app.on_shutdown.append(self._on_shutdown)
        return app

    async def _on_shutdown(self, app: web.Application) -> None:
        await self.close_all(CLOSE_GOING_AWAY, "server shutting down")


@dataclass(frozen=True)
class Listening:
    """A server bound to its socket: where to reach it, and the runner that stops it."""

    runner: web.AppRunner
    host: str
    port: int
    path: str

    @property
    def url(self) -> str:
        return f"ws://{self._authority}{self.path}"

    @property
    def admin_url(self) -> str:
        return f"http://{self._authority}/__admin"

    @property
    def _authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


async def listen(server: MockServer) -> Listening:
    """Bind the server's app to host:port (port 0: the OS picks one) and start accepting."""
    options = server.options
    runner = web.AppRunner(
        server.build_app(), handle_signals=False, access_log=None, shutdown_timeout=options.close_timeout_s + 1
    )
    await runner.setup()
    site = web.TCPSite(runner, options.host, options.port)
    try:
        await site.start()
    except OSError:
        await runner.cleanup()
        raise
    port = options.port
    for address in runner.addresses:
        if isinstance(address, tuple):
            port = int(address[1])
            break
    log.info("serving on %s:%d%s (admin %s)", options.host, port, options.path, "on" if options.admin else "off")
    return Listening(runner, options.host, port, options.path)
