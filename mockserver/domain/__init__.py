"""The reference server's domain core: every rule of docs/spec/semantics.md, no I/O, no wall clock."""
