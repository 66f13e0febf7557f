"""Run the harness: ``nox -s conformance`` (the main job), ``tests``, ``security``, ``browser``, ``lint``, ``bench``."""

from __future__ import annotations

import glob
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["conformance", "tests", "browser", "lint"]
nox.options.error_on_missing_interpreters = True

PYTHON = "3.11"
REPORTS = "reports"


def install(session: nox.Session, *extras: str) -> None:
    """Install the project (editable) with exactly the versions in uv.lock, so CI runs what was tested.

    ``uv sync --locked`` refuses a lock that no longer matches pyproject.toml: run ``uv lock`` after changing it.
    """
    venv = session.virtualenv.location
    wanted = [f"--extra={extra}" for extra in (extras or ("dev",))]
    session.run_install(
        sys.executable,
        "-m",
        "uv",
        "sync",
        "--locked",
        "--no-progress",
        *wanted,
        env={"UV_PROJECT_ENVIRONMENT": venv},
        external=True,
    )


def run_pytest(
    session: nox.Session,
    *paths: str,
    name: str,
    report: bool = True,
    env: dict[str, str] | None = None,
    extra: tuple[str, ...] = (),
) -> None:
    """Run pytest on ``paths`` writing reports/junit-<name>.xml (and the HTML report unless ``report`` is false)."""
    junit = f"{REPORTS}/junit.xml" if name == "conformance" else f"{REPORTS}/junit-{name}.xml"
    reports = [f"--report-dir={REPORTS}", f"--report-name={name}"] if report else []
    session.run(
        "pytest",
        *paths,
        "-p",
        "no:cacheprovider",
        f"--junitxml={junit}",
        "-o",
        f"junit_suite_name={name}",
        *reports,
        *extra,
        *session.posargs,
        env=env or {},
    )


@nox.session(python=PYTHON)
def conformance(session: nox.Session) -> None:
    """Run the conformance suites against the bundled JustCall SP (or ``-- --target FILE``); write reports/."""
    install(session)
    run_pytest(session, "suites/conformance", name="conformance")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the project's own tests, including the suites against the bundled SP."""
    install(session)
    prepare_strangers(session, node_required=False)
    run_pytest(session, "tests", "suites/conformance", name="tests", report=False)


@nox.session(python=PYTHON)
def unit(session: nox.Session) -> None:
    """Run the project's own tests only (``tests/``), for CI jobs that run each suite in its own session."""
    install(session)
    run_pytest(session, "tests", name="unit", report=False)


@nox.session(python=PYTHON)
def browser(session: nox.Session) -> None:
    """Run the Playwright suites in Chromium (finds or installs a browser first)."""
    install(session)
    session.run("python", "-m", "saml_harness.browser.setup")
    browser_artifacts = ("--tracing=retain-on-failure", "--screenshot=only-on-failure", f"--output={REPORTS}/browser")
    run_pytest(session, "suites/browser", name="browser", extra=browser_artifacts)


# -- strangers: SPs on other SAML stacks, each an external target with its expectations beside it ---------------------

STRANGERS = "tests/strangers"
PYSAML2_SP = f"{STRANGERS}/pysaml2"
NODE_SP = f"{STRANGERS}/node_saml"


def prepare_strangers(session: nox.Session, node_required: bool = True) -> None:
    """Build the strangers' own environments: pysaml2's virtualenv (it pins xmlschema<3) and node-saml's npm ci.

    pysaml2 runs the ``xmlsec1`` program (``apt-get install xmlsec1``); node-saml needs Node 18+ and npm. Without
    npm and with ``node_required`` false (the ``tests`` session) the node-saml tests skip, saying why.
    """
    uv = (sys.executable, "-m", "uv")
    session.run(*uv, "venv", "--allow-existing", "-q", "-p", PYTHON, f"{PYSAML2_SP}/.venv", external=True)
    requirements = f"{PYSAML2_SP}/requirements.txt"
    session.run(*uv, "pip", "install", "-q", "-p", f"{PYSAML2_SP}/.venv", "-r", requirements, external=True)
    if shutil.which("npm") is None and not node_required:
        session.warn("npm not found: the node-saml stranger's tests will skip")
        return
    session.run("npm", "ci", "--no-audit", "--no-fund", "--prefix", NODE_SP, external=True)


def run_stranger(session: nox.Session, folder: str, name: str) -> None:
    """Run the conformance and security suites against the stranger in ``folder`` (its target.toml)."""
    install(session)
    prepare_strangers(session)
    target = (f"--target={folder}/target.toml",)
    run_pytest(session, "suites/conformance", "suites/security", name=name, extra=target)


@nox.session(python=PYTHON)
def stranger(session: nox.Session) -> None:
    """Run the conformance and security suites against the python3-saml stranger SP as an external target."""
    run_stranger(session, f"{STRANGERS}/python3_saml", "stranger")


@nox.session(python=PYTHON)
def stranger_pysaml2(session: nox.Session) -> None:
    """Run the conformance and security suites against the pysaml2 stranger SP (xmlsec1) as an external target."""
    run_stranger(session, PYSAML2_SP, "stranger-pysaml2")


@nox.session(python=PYTHON)
def stranger_node(session: nox.Session) -> None:
    """Run the conformance and security suites against the @node-saml/node-saml stranger SP as an external target."""
    run_stranger(session, NODE_SP, "stranger-node")


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
    fuzz_budget = {"FUZZ_EXAMPLES": os.environ.get("FUZZ_EXAMPLES", "40")}
    run_pytest(session, "suites/conformance", "suites/security", name="security", env=fuzz_budget)


@nox.session(python=PYTHON)
def fuzz(session: nox.Session) -> None:
    """Fuzz the ACS with a bounded budget (FUZZ_EXAMPLES, default 1000); failing cases are saved in reports/fuzz/."""
    install(session)
    env = {
        "FUZZ_EXAMPLES": os.environ.get("FUZZ_EXAMPLES", "1000"),
        "REQUIREMENTS_JSON": f"{REPORTS}/fuzz/requirements.json",
    }
    run_pytest(session, "suites/security/test_fuzz_acs.py", name="fuzz", report=False, env=env)


# -- suite power (issue 15): mutation testing of the SP's checks ----------------------------------------------------

MUTMUT = "mutmut>=3.8,<4"
QUICK_MUTANTS = ("justcall_sp.acs.account_rules.*", "justcall_sp.acs.conditions.x_check_audience__*")
"""The CI subset: the account rules and the Audience check (a few minutes); the full run is ``nox -s mutants``."""


@nox.session(python=PYTHON)
def mutants(session: nox.Session) -> None:
    """Mutate the SP's checks (acs/, the login transaction, account rules) and run the conformance and security
    suites against each mutant (mutmut, config in pyproject.toml); report killed / survived / equivalent.

    Fails when a mutant survives that mutation/equivalent.toml does not explain. ``-- --quick`` for the CI subset;
    ``-- --resume`` keeps the last run's mutants/ (mutmut re-runs the functions that changed) and re-checks its
    survivors against today's suites. Writes reports/mutation.json. The full run takes about an hour on two cores
    (README, "Mutation score").
    """
    import shutil

    install(session)
    session.install(MUTMUT)
    quick = "--quick" in session.posargs
    if "--resume" in session.posargs and not quick:
        session.run("python", "-m", "mutation.report", "--forget-survivors")
    else:
        shutil.rmtree("mutants", ignore_errors=True)  # mutmut caches results; a report must come from this run
    names = QUICK_MUTANTS if quick else ()
    session.run("mutmut", "run", "--max-children", str(os.cpu_count() or 2), *names)
    session.run("python", "-m", "mutation.report", "--json", f"{REPORTS}/mutation.json", "--only", *names)


# -- performance: bench/ ----------------------------------------------------------------------------------------

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
    session.run("python", "-m", "saml_harness.browser.setup")
    session.run("python", "-m", "bench.run", *session.posargs)


@nox.session(python=PYTHON)
def load(session: nox.Session) -> None:
    """Locust load test of full SP-initiated logins on loopback (headless, bounded); writes reports/load.json.

    ``nox -s load -- --users 32 --run-time 30s --max-logins 5000 --sp-workers 2 --idp-workers 1,2``;
    DATABASE_URL selects the SP database (default SQLite). ``-- --quick`` for a 10 s run.
    """
    install(session)
    session.install("locust>=2.30", "waitress>=3")
    session.run("python", "-m", "bench.load", *session.posargs)


# -- backends (issue 13): every supported Python, and PostgreSQL --------------------------------------------------

PYTHONS = ("3.11", "3.12", "3.13")
"""The Pythons the harness supports; CI runs the conformance suite on each."""


def _runs(python: str, version: str) -> bool:
    """Whether ``python`` starts and is ``version`` (pyenv's shims are on PATH but fail for versions not selected)."""
    try:
        found = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return found.returncode == 0 and found.stdout.strip() == version


def find_python(version: str) -> str | None:
    """An interpreter for ``version``: ``python<version>`` on PATH if it runs, else pyenv's newest ``<version>.*``."""
    on_path = shutil.which(f"python{version}")
    if on_path and _runs(on_path, version):
        return on_path
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    installed = glob.glob(os.path.join(pyenv_root, "versions", f"{version}.*", "bin", f"python{version}"))

    def patch_level(path: str) -> tuple[int, ...]:
        return tuple(int(part) if part.isdigit() else -1 for part in Path(path).parts[-3].split("."))

    for candidate in sorted(installed, key=patch_level, reverse=True):
        if _runs(candidate, version):
            return candidate
    return None


@nox.session
@nox.parametrize("python", [nox.param(find_python(v) or False, id=v) for v in PYTHONS])
def conformance_py(session: nox.Session) -> None:
    """Run the conformance suites on Python 3.11, 3.12 and 3.13 (``nox -s "conformance_py(3.13)"`` for one).

    Each interpreter is ``python3.X`` on PATH, else pyenv's newest ``~/.pyenv/versions/3.X.*`` (pyenv's
    Pythons count without being selected); a Python found in neither place is skipped, saying so.
    """
    version = session.name.partition("(")[2].rstrip(")")
    if not session.python:
        session.skip(
            f"Python {version} not found: no working python{version} on PATH and none in "
            f"{os.environ.get('PYENV_ROOT') or '~/.pyenv'}/versions/{version}.*/bin (install it to run this session)"
        )
    install(session)
    run_pytest(session, "suites/conformance", name=f"conformance-py{version}")


def _throwaway_postgres() -> Any:
    """The stdlib-only cluster module, loaded from the checkout (nox itself runs outside the session's venv)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    return importlib.import_module("saml_harness.deploy.throwaway_postgres")


@nox.session(python=PYTHON)
def postgres(session: nox.Session) -> None:
    """Run the conformance suites on a throwaway PostgreSQL cluster, twice on the same database, and remove it.

    The second run proves that seeding is idempotent; ``tests/harness/test_serve_database.py`` starts
    ``saml-harness serve`` twice on it too. PostgreSQL's binaries: ``PG_BINDIR``, ``pg_config --bindir`` or
    ``/usr/lib/postgresql/<15-17>/bin``; as root the cluster runs as the ``postgres`` user (created if missing).
    """
    install(session, "dev", "postgres")
    throwaway = _throwaway_postgres()
    try:
        cluster = throwaway.ThrowawayPostgres()
    except throwaway.PostgresUnavailable as error:
        session.error(str(error))
    with cluster:
        session.log(f"PostgreSQL cluster on {cluster.host}:{cluster.port} in {cluster.folder}")
        env = {"DATABASE_URL": cluster.url}
        run_pytest(session, "suites/conformance", name="postgres", env=env)
        run_pytest(session, "suites/conformance", name="postgres-again", env=env)
        run_pytest(session, "tests/harness/test_serve_database.py", name="postgres-serve", report=False, env=env)
