"""Scenarios as data: the catalogue, running one, SP-side setup steps, evidence, requirement tracing."""
