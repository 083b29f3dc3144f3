"""The bundled in-memory reference server of the Osmium Chat Protocol's chats scope."""
