"""Property-based checks (hypothesis) that run against any target: pagination, read state, invites."""
