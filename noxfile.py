"""Run the harness: ``nox -s conformance`` (the main job), ``nox -s tests``, ``nox -s lint``."""

from __future__ import annotations

import os

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["conformance", "tests", "browser", "lint"]
nox.options.error_on_missing_interpreters = True

PYTHON = "3.11"
REPORTS = "reports"


def install(session: nox.Session) -> None:
    session.install("-e", ".[dev]")


@nox.session(python=PYTHON)
def conformance(session: nox.Session) -> None:
    """Run the conformance suites against the bundled JustCall SP; write reports/junit.xml."""
    install(session)
    session.run(
        "pytest",
        "suites/conformance",
        "-p",
        "no:cacheprovider",
        f"--junitxml={REPORTS}/junit.xml",
        "-o",
        "junit_suite_name=conformance",
        f"--report-dir={REPORTS}",
        "--report-name=conformance",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the project's own tests, including the suites against the bundled SP."""
    install(session)
    session.run(
        "pytest",
        "tests",
        "suites/conformance",
        "-p",
        "no:cacheprovider",
        f"--junitxml={REPORTS}/junit-tests.xml",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def browser(session: nox.Session) -> None:
    """Run the Playwright suites in Chromium (finds or installs a browser first)."""
    install(session)
    session.run("python", "-m", "saml_harness.browser_setup")
    session.run(
        "pytest",
        "suites/browser",
        "-p",
        "no:cacheprovider",
        f"--junitxml={REPORTS}/junit-browser.xml",
        f"--report-dir={REPORTS}",
        "--report-name=browser",
        "--tracing=retain-on-failure",
        "--screenshot=only-on-failure",
        f"--output={REPORTS}/browser",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def stranger(session: nox.Session) -> None:
    """Run the conformance and security suites against the stranger SP (python3-saml) as an external target."""
    install(session)
    session.run(
        "pytest",
        "suites/conformance",
        "suites/security",
        "-p",
        "no:cacheprovider",
        "--target=tests/stranger_sp/target.toml",
        f"--junitxml={REPORTS}/junit-stranger.xml",
        f"--report-dir={REPORTS}",
        "--report-name=stranger",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Check style and types: ruff and mypy."""
    install(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session(python=PYTHON)
def security(session: nox.Session) -> None:
    """Run the security suite (attacks, parser/binding, concurrency, bad input, short fuzz) with conformance.

    Conformance runs too so that reports/requirements.json has a verdict for every traced requirement;
    writes reports/junit-security.xml and reports/requirements.json. FUZZ_EXAMPLES sets the fuzz budget.
    """
    install(session)
    session.run(
        "pytest",
        "suites/conformance",
        "suites/security",
        "-p",
        "no:cacheprovider",
        f"--junitxml={REPORTS}/junit-security.xml",
        "-o",
        "junit_suite_name=security",
        f"--report-dir={REPORTS}",
        "--report-name=security",
        *session.posargs,
        env={"FUZZ_EXAMPLES": os.environ.get("FUZZ_EXAMPLES", "40")},
    )


@nox.session(python=PYTHON)
def fuzz(session: nox.Session) -> None:
    """Fuzz the ACS with a bounded budget (FUZZ_EXAMPLES, default 1000); failing cases are saved in reports/fuzz/."""
    install(session)
    session.run(
        "pytest",
        "suites/security/test_fuzz_acs.py",
        "-p",
        "no:cacheprovider",
        f"--junitxml={REPORTS}/junit-fuzz.xml",
        "-o",
        "junit_suite_name=fuzz",
        *session.posargs,
        env={
            "FUZZ_EXAMPLES": os.environ.get("FUZZ_EXAMPLES", "1000"),
            "REQUIREMENTS_JSON": f"{REPORTS}/fuzz/requirements.json",
        },
    )


# -- performance (issue 7): bench/ ------------------------------------------------------------------------------

BENCH_DEPS = ("waitress>=3", "pysaml2>=7.5", "uv", "py-spy>=0.4")
"""Peers and tools only the benchmarks need: waitress (the live servers' production WSGI server), pysaml2 (a
peer; it runs the xmlsec1 program, apt-get install xmlsec1), uv (the nested clean-clone nox run), py-spy."""


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks: IdP signing, SP validation vs python3-saml, suite throughput, browser, cold start.

    Prints a table and writes reports/bench.json. ``nox -s bench -- --quick`` for a short run; ``-- --only idp,sp``
    for some parts; ``-- --with-proposals`` to also measure the suite with the proposed changes applied.
    """
    install(session)
    session.install(*BENCH_DEPS)
    session.run("python", "-m", "saml_harness.browser_setup")
    session.run("python", "-m", "bench.run", *session.posargs)


@nox.session(python=PYTHON)
def load(session: nox.Session) -> None:
    """Locust load test of full SP-initiated logins on loopback (headless, bounded); writes reports/load.json.

    ``nox -s load -- --users 32 --run-time 30s --max-logins 5000 --sp-workers 2``; DATABASE_URL selects the SP
    database (default SQLite). ``-- --quick`` for a 10 s run.
    """
    install(session)
    session.install("locust>=2.30", "waitress>=3")
    session.run("python", "-m", "bench.load", *session.posargs)
