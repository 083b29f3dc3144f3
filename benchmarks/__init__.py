"""Performance measurements (python -m benchmarks); never timed assertions inside tests."""
