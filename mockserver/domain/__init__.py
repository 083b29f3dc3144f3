"""The reference server's domain core: every rule of docs/spec/semantics.md, no I/O, no wall clock.

Entry point: `service.ChatService` (dispatch on the ClientMessage member). Records in `model.py`, indexes
in `store.py` (over `sorted_ids.SortedIds`), protobuf rendering per viewer in `render.py`, ChatRef
resolution and access rules in `refs.py`, one module per area for the handlers (`auth`, `users`, `chats`,
`groups`, `invites`, `messages`, `read_state`, `typing_relay`, `settings`), message posting and fan-out in
`posting.py`, page selection in `chats.select_keys` and `history.py`.
"""
