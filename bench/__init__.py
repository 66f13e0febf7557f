"""Benchmarks and load profile of the harness: ``nox -s bench``, ``nox -s load``.

Every figure is measured in the same run as its reference and reported as a ratio (see ``bench.run``).
"""
