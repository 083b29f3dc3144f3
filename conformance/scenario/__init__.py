"""The scenario language: YAML loading with line numbers, schema checks, the model, expressions, patterns."""
