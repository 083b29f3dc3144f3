"""Which sockets are open and which belong to which user: the fan-out index of semantics.md §13."""

from __future__ import annotations

from collections import defaultdict, deque

from mockserver.domain.contract import Binding, Delivery
from mockserver.transport.connection import CloseRecord, Connection


class ConnectionRegistry:
    """All live connections, indexed by the user each is bound to; remembers the last few closes."""

    def __init__(self, remember_closes: int = 100) -> None:
        self._connections: dict[int, Connection] = {}
        self._by_user: defaultdict[int, dict[int, Connection]] = defaultdict(dict)
        self._next_conn_id = 1
        self.recent_closes: deque[CloseRecord] = deque(maxlen=remember_closes)

    def new_conn_id(self) -> int:
        conn_id = self._next_conn_id
        self._next_conn_id += 1
        return conn_id

    def add(self, connection: Connection) -> None:
        self._connections[connection.conn_id] = connection

    def remove(self, connection: Connection) -> None:
        self._connections.pop(connection.conn_id, None)
        self._unbind(connection)
        if connection.close_record is not None:
            self.recent_closes.append(connection.close_record)

    def bind(self, connection: Connection, binding: Binding) -> None:
        """(Re)bind a socket to a user (§3: a later successful auth re-binds)."""
        self._unbind(connection)
        connection.state.bind(binding)
        self._by_user[binding.user_id][connection.conn_id] = connection

    def deliver(self, delivery: Delivery) -> None:
        """Push one update to every subscribed socket of its user; never waits for any of them."""
        recipients = self._by_user.get(delivery.user_id, {}).values()
        sockets = [connection for connection in recipients if connection.subscribed]
        if not sockets:
            return
        update = delivery.update.SerializeToString()
        for connection in sockets:
            connection.send_update(update)

    def all(self) -> list[Connection]:
        return list(self._connections.values())

    def _unbind(self, connection: Connection) -> None:
        binding = connection.state.binding
        if binding is None:
            return
        sockets = self._by_user.get(binding.user_id)
        if sockets is not None:
            sockets.pop(connection.conn_id, None)
            if not sockets:
                del self._by_user[binding.user_id]
