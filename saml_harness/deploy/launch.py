"""Run what a target file asks the harness to run: the ``[launch]``ed SP and the ``[trust] command``.

Why apart from ``targets.py``: that module reads and checks files; this one owns processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from saml_harness.deploy.targets import Launch, TargetError, Trust


def fill(parts: tuple[str, ...] | list[str], values: dict[str, str]) -> list[str]:
    """Fill ``{placeholders}`` of a command (the values of ``PLACEHOLDERS``)."""
    return [part.format_map(values) for part in parts]


class LaunchedSp:
    """A target SP process the harness started, stopped when the run ends (and restarted on a trust update)."""

    def __init__(self, launch: Launch, values: dict[str, str], log_file: Path) -> None:
        self.launch = launch
        self.values = values | {"python": sys.executable}
        self.log_file = log_file
        self._start()

    def _start(self) -> None:
        launch, values = self.launch, self.values
        command = fill(launch.command, values)
        env = os.environ | {key: value.format_map(values) for key, value in launch.env}
        # A file, not a pipe: nobody reads a pipe while the suites run, and a full pipe blocks the SP.
        self._log = self.log_file.open("ab")
        try:
            self.process = subprocess.Popen(
                command, cwd=launch.cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
            )
        except OSError as exc:
            self._log.close()
            raise TargetError(f"[launch] command {command[0]!r} could not start: {exc.strerror or exc}") from None
        deadline = time.monotonic() + launch.timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._log.close()
                errors = self.log_file.read_text(errors="replace")
                raise TargetError(f"the target SP exited with {self.process.returncode}: {errors[-2000:]}")
            try:
                if requests.get(launch.ready_url, timeout=2).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise TargetError(f"the target SP was not ready at {launch.ready_url} after {launch.timeout_s:.0f} s")

    def restart(self) -> None:
        """Stop the SP and start it again with the same command (it reads the rewritten trust files)."""
        self.stop()
        self._start()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self._log.close()


def run_trust_command(trust: Trust, values: dict[str, str], cwd: Path) -> None:
    """Run the ``[trust] command`` with the new certificate's placeholders; raise ``TargetError`` if it fails."""
    command = fill(trust.command, values | {"python": sys.executable})
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, timeout=trust.timeout_s, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TargetError(f"[trust] command {command[0]!r} failed: {exc}") from None
    if done.returncode != 0:
        output = (done.stderr or done.stdout).decode(errors="replace").strip()[-1000:]
        raise TargetError(f"[trust] command exited with {done.returncode}: {output}")
