"""The pytest plugin: ``--target``, the report hooks and the fixtures a suite or another repository uses."""
