"""pytest plugin (entry point `pytest11`): collects cases/**/*.yaml and runs them against a target."""
