"""Profile the hot paths and save the reports under ``reports/profiles/`` (``python -m bench.profile``).

* ``idp.txt`` / ``sp_full.txt`` / ``sp_core.txt``: pyinstrument call trees of the in-process loops that
  ``bench.idp`` and ``bench.sp`` time (issue one response; consume one response; validate one response).
* ``suite.txt`` (+ ``suite.collapsed``): ``py-spy record --gil`` of ``pytest suites/conformance``: where the one
  busy core goes (samples only while a thread holds the GIL, so waits are not counted).
* ``load_server.txt`` (+ ``.collapsed``): ``py-spy record --gil`` of ``bench.load_server`` under the Locust
  profile (IdP and SP in one process).

py-spy must be installed (``pip install py-spy``) and allowed to read the process (root, or ptrace allowed);
parts that cannot run are skipped with a message.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import flame

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "reports" / "profiles"
IDLE = ("_find_and_load",)
SERVER_ANCHORS = (
    "Flask.dispatch_request",
    "acs (justcall_sp/acs_views.py)",
    "consume (justcall_sp/sso_login.py)",
    "login_sso (justcall_sp/auth_views.py)",
    "sso (mock_idp/sso.py)",
    "WSGITask.execute",
)


def pyinstrument_loop(name: str, setup_and_loop: str, seconds: float) -> None:
    """Profile ``loop()`` (defined by ``setup_and_loop``) for ``seconds`` with pyinstrument; write NAME.txt."""
    from pyinstrument import Profiler

    namespace: dict[str, object] = {}
    exec(setup_and_loop, namespace)  # the code is ours, below
    loop = namespace["loop"]
    profiler = Profiler(interval=0.0005)
    profiler.start()
    deadline = time.perf_counter() + seconds
    calls = 0
    while time.perf_counter() < deadline:
        loop()  # type: ignore[operator]
        calls += 1
    profiler.stop()
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    (OUT / f"{name}.txt").write_text(f"{name}: {calls} calls in {seconds:.0f} s (pyinstrument)\n\n{text}")


IDP_LOOP = """
from bench.idp import make_setup, issue_once
setup = make_setup()
def loop():
    issue_once(setup)
"""

SP_LOOP = """
import itertools
from bench import sp
setup = sp.make_setup({n})
items = iter(setup.issued) if "{which}" == "full" else itertools.cycle(setup.issued)
call = sp.justcall_{which}(setup)
def loop():
    b64, request_id = next(items)
    assert call(b64, request_id)
"""


def py_spy() -> str | None:
    return shutil.which("py-spy")


def suite_profile(paths: list[str]) -> None:
    spy = py_spy()
    if spy is None:
        print("py-spy not found: suite profile skipped", file=sys.stderr)
        return
    collapsed = OUT / "suite.collapsed"
    command = [spy, "record", "--gil", "-r", "250", "-f", "raw", "-o", str(collapsed), "--"]
    command += [sys.executable, "-m", "pytest", *paths, "-q", "-p", "no:cacheprovider"]
    subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    stacks = flame.parse(collapsed.read_text().splitlines(), exclude=IDLE)
    anchors = ("test_scenario", "Deployment.reset", "UserAgent.request", "Session.request", *SERVER_ANCHORS)
    note = "py-spy --gil: a sample is taken only while some thread holds the GIL (one core's work)."
    (OUT / "suite.txt").write_text(flame.report(stacks, "pytest suites/conformance", anchors, note=note))


def load_profile(seconds: int = 20, users: int = 16) -> None:
    spy = py_spy()
    if spy is None:
        print("py-spy not found: load profile skipped", file=sys.stderr)
        return
    collapsed = OUT / "load_server.collapsed"
    command = [spy, "record", "--gil", "-r", "200", "-f", "raw", "-o", str(collapsed), "--"]
    command += [sys.executable, "-m", "bench.load_server", "--users", "200"]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    line = ""
    while not line.startswith("{"):
        line = server.stdout.readline()
        if not line:
            raise RuntimeError("load server did not start")
    info = json.loads(line)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "target.json"
        target.write_text(line)
        result = Path(folder) / "result.json"
        locust = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless"]
        locust += ["--host", info["sp_url"], "-u", str(users), "-r", str(users), "-t", f"{seconds}s"]
        locust += ["--only-summary", "--loglevel", "ERROR"]
        env = {"LOAD_TARGET_JSON": str(target), "LOAD_RESULT_JSON": str(result)}
        subprocess.run(locust, cwd=ROOT, env=os.environ | env, capture_output=True, check=False)
        done = json.loads(result.read_text()) if result.exists() else {}
    subprocess.run(["kill", "-TERM", str(info["pid"])], check=False)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.send_signal(signal.SIGINT)
        server.wait(10)
    stacks = flame.parse(collapsed.read_text().splitlines(), exclude=(*IDLE, "start_deployment"))
    logins = done.get("logins", 0)
    window = done.get("window_s", 0) or 1
    note = (
        f"py-spy --gil of bench.load_server (IdP + SP, one process) under {users} Locust users for {seconds} s: "
        f"{logins} logins, {logins / window:.1f}/s while profiled."
    )
    (OUT / "load_server.txt").write_text(flame.report(stacks, "load server under Locust", SERVER_ANCHORS, note=note))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Profile the hot paths into reports/profiles/.")
    parser.add_argument("--only", default="idp,sp,suite,load", help="comma list: idp,sp,suite,load")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds per in-process loop")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    parts = {p.strip() for p in args.only.split(",")}
    if "idp" in parts:
        pyinstrument_loop("idp", IDP_LOOP, args.seconds)
    if "sp" in parts:
        pyinstrument_loop("sp_full", SP_LOOP.format(n=2000, which="full"), args.seconds)
        pyinstrument_loop("sp_core", SP_LOOP.format(n=200, which="core"), args.seconds)
    if "suite" in parts:
        suite_profile(["suites/conformance"])
    if "load" in parts:
        load_profile()
    print(f"profiles in {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
