"""osmium-conformance: the conformance engine (pytest plugin, scenario language, grading, reports)."""
