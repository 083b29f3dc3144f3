"""Differential, model-based testing: random multi-user chat sequences run against a target and the
reference at once, compared after normalisation; a divergence is shrunk and written out as a YAML case.
"""
