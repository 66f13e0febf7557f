"""Mutation testing of the bundled SP's checks against the suites (``nox -s mutants``; README "Mutation score")."""
