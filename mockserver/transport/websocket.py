"""The aiohttp handler behind the WebSocket path: one receive loop per connection."""

from __future__ import annotations

import logging

from aiohttp import WSMsgType, web

from mockserver.journal import FrameJournal
from mockserver.options import ServerOptions
from mockserver.transport.connection import Connection, SendPolicy
from mockserver.transport.dispatch import Dispatcher
from mockserver.transport.lingering import LingeringWebSocketResponse
from mockserver.transport.registry import ConnectionRegistry
from mockserver.transport.sink import FrameSink

log = logging.getLogger("mockserver.transport")

CLOSE_UNSUPPORTED_DATA = 1003
_BINARY = WSMsgType.BINARY  # an enum member looked up on its class costs ~0.1 us on 3.11: once per frame adds up


class WebSocketEndpoint:
    """Accepts sockets, runs their receive loops, and hands every binary frame to the dispatcher."""

    def __init__(
        self, options: ServerOptions, registry: ConnectionRegistry, dispatcher: Dispatcher, journal: FrameJournal
    ) -> None:
        self._options = options
        self._registry = registry
        self._dispatcher = dispatcher
        self._journal = journal
        self._policy = SendPolicy(options.send_queue_frames, options.send_timeout_s, options.close_timeout_s)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = LingeringWebSocketResponse(
            quiet_s=self._options.close_timeout_s,
            compress=False,
            max_msg_size=self._options.max_frame_bytes + 1,  # aiohttp refuses sizes >= the limit; ours is inclusive
            timeout=self._options.close_timeout_s,
            autoping=True,
        )
        if not ws.can_prepare(request).ok:
            return web.Response(status=426, text="An Osmium WebSocket endpoint: connect with a WebSocket client.\n")
        await ws.prepare(request)
        transport = request.transport
        if transport is None:  # the peer vanished during the handshake
            return ws
        connection = Connection(
            conn_id=self._registry.new_conn_id(),
            ws=ws,
            sink=FrameSink(transport, request.protocol),
            policy=self._policy,
            journal=self._journal,
            log_frames=self._options.log_frames,
        )
        self._registry.add(connection)
        connection.start()
        log.debug("conn %d: open from %s", connection.conn_id, request.remote)
        try:
            await self._receive_loop(connection)
        finally:
            await connection.finish()
            self._registry.remove(connection)
            connection.finished.set()
            log.debug("conn %d: closed (%s)", connection.conn_id, connection.close_record)
            await ws.finish_lingering()
        return ws

    async def _receive_loop(self, connection: Connection) -> None:
        async for message in connection.ws:
            if connection.close_record is not None:
                return
            if message.type is _BINARY:
                connection.record_incoming(message.data)
                pending = self._dispatcher.on_frame(connection, message.data)
                if pending is not None:  # an injected fault: this socket's next frame waits for it
                    await pending
                if connection.backlogged:
                    await connection.wait_for_room()
            elif message.type is WSMsgType.TEXT:
                await connection.close(CLOSE_UNSUPPORTED_DATA, "text frames are not supported")
                return
            elif message.type is WSMsgType.ERROR:
                # aiohttp has sent the matching close code (1009 for an oversized frame); the socket lingers.
                log.info("conn %d: protocol error: %s", connection.conn_id, connection.ws.exception())
                return
