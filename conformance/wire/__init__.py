"""The protocol client: WebSocket connections speaking ClientMessage/ServerMessage, and their frame trace."""
