"""The reference server on its own event loop in a daemon thread, for in-process use (the pytest plugin).

    with EmbeddedServer() as server:   # virtual clock, control API on, a free port
        url = server.url               # ws://127.0.0.1:PORT/
        admin = server.admin_url       # http://127.0.0.1:PORT/__admin
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from types import TracebackType
from typing import Any

from mockserver.app import Listening, MockServer, ServiceFactory, listen
from mockserver.options import ServerOptions

_OPTION_NAMES = frozenset(field.name for field in dataclasses.fields(ServerOptions))


class EmbeddedServerError(RuntimeError):
    """The embedded server could not start (or was used before it started)."""


class EmbeddedServer:
    """Owns a thread and a loop; `start()` returns once the port is bound, `stop()` once sockets are closed."""

    def __init__(
        self, virtual_clock: bool = True, *, service_factory: ServiceFactory | None = None, **options: Any
    ) -> None:
        unknown = set(options) - _OPTION_NAMES
        if unknown:
            raise TypeError(f"unknown server option(s): {', '.join(sorted(unknown))}")
        settings: dict[str, Any] = {"host": "127.0.0.1", "port": 0, "admin": True, **options}
        self.options = ServerOptions(virtual_clock=virtual_clock, **settings)
        self.options.validate()
        self._service_factory = service_factory
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._listening: Listening | None = None
        self._server: MockServer | None = None

    @property
    def url(self) -> str:
        return self._require_listening().url

    @property
    def admin_url(self) -> str:
        return self._require_listening().admin_url

    @property
    def server(self) -> MockServer:
        """The live server object; touch it only through `call()` (it belongs to the server's loop)."""
        if self._server is None:
            raise EmbeddedServerError("the embedded server is not running")
        return self._server

    def start(self) -> str:
        """Start serving; returns the WebSocket URL."""
        if self._thread is not None:
            return self.url
        started = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                self._server = MockServer.create(self.options, self._service_factory)
                self._listening = loop.run_until_complete(listen(self._server))
            except BaseException as error:  # reported to the starting thread, not lost in this one
                failure.append(error)
                started.set()
                loop.close()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="osmium-mock", daemon=True)
        self._thread.start()
        started.wait()
        if failure:
            self._thread.join()
            self._thread = None
            self._loop = None
            raise EmbeddedServerError(f"the embedded server failed to start: {failure[0]}") from failure[0]
        return self.url

    def call(self, function: Any, *args: Any) -> Any:
        """Run `function(*args)` (a plain callable or a coroutine function) on the server's loop; return its result."""
        loop = self._require_loop()

        async def invoke() -> Any:
            result = function(*args)
            return await result if asyncio.iscoroutine(result) else result

        return asyncio.run_coroutine_threadsafe(invoke(), loop).result()

    def stop(self) -> None:
        """Close every socket (1001), stop the loop and join the thread. Idempotent."""
        if self._thread is None or self._loop is None:
            return
        listening = self._require_listening()
        asyncio.run_coroutine_threadsafe(listening.runner.cleanup(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._thread = None
        self._loop = None
        self._listening = None
        self._server = None

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def _require_listening(self) -> Listening:
        if self._listening is None:
            raise EmbeddedServerError("the embedded server is not running: call start() first")
        return self._listening

    def _require_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise EmbeddedServerError("the embedded server is not running: call start() first")
        return self._loop
