"""The reference server's WebSocket transport: framing, per-connection state, send queues, fan-out."""
