"""pytest plugins used only by the benchmarks to measure proposed changes before they land (``-p ...``)."""
