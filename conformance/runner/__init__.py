"""Running a scenario against a target: actors, steps, barriers, the control API."""
