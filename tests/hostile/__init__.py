"""Hostile toy targets, and the conformance suite run against each of them (issue 7)."""
