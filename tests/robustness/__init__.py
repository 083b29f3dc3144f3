"""Robustness and security of the reference server, measured (issue 7): fuzzing, load, slow consumers,
hostile frames, permissions, secrets. Figures are recorded in docs/reliability.md."""
