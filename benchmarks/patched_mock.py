"""`python -m benchmarks.patched_mock [osmium-mock options]`: the mock with one candidate hot-path change
applied in memory, so that `benchmarks.whatif` can measure a recommendation before anyone edits the
transport. Nothing here is shipped; the change is described in docs/performance.md.

The change: the per-socket writer drains every frame already queued on each wake-up, under one
`asyncio.timeout` per batch, instead of one `asyncio.wait_for` (which wraps each send in a new Task and a
timer on Python 3.11) per frame. Same order, same bound on a stalled peer, same queue accounting.
"""

from __future__ import annotations

import asyncio
import sys

from mockserver.cli import main as mock_main
from mockserver.transport import connection as transport


async def batched_write_loop(self: transport.Connection) -> None:
    queue = self._queue
    while True:
        data = await queue.get()
        try:
            async with asyncio.timeout(self.policy.send_timeout_s):
                await self.ws.send_bytes(data)
                queue.task_done()
                while not queue.empty():
                    await self.ws.send_bytes(queue.get_nowait())
                    queue.task_done()
        except TimeoutError:
            transport.log.warning("conn %d: write stalled > %.1fs, closing", self.conn_id, self.policy.send_timeout_s)
            self.close_soon(transport.CLOSE_POLICY_VIOLATION, "send timeout")
            return
        except (ConnectionError, RuntimeError):
            return


def main(argv: list[str] | None = None) -> int:
    setattr(transport.Connection, "_write_loop", batched_write_loop)  # noqa: B010 (mypy: methods are read-only)
    return mock_main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
