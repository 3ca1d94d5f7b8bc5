"""Start the assistant the way people run it, for the tests, benchmarks and `make evaluate`:
honcho with the Procfile (`make run`), or the production profile's supervisord
(`make run-prod`). This only starts, waits and stops; restarting what fails is the
process managers' job.
"""
from __future__ import annotations

import ctypes
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Mapping, Optional

import requests

from serving.settings import ROOT, Settings

BIN = Path(sys.executable).parent
START_TIMEOUT = 300
QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONWARNINGS": "ignore",
}


class StartError(RuntimeError):
    """The assistant did not come up; the message says what and where its log is."""


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


class Processes:
    """A process manager (honcho or supervisord) and the addresses that answer once
    everything it runs is up."""

    def __init__(self, command: List[str], env: Mapping[str, str],
                 ready_urls: Dict[str, str], ports: List[int], log: Path):
        self.command, self.ready_urls, self.ports, self.log = command, ready_urls, ports, log
        self.env = {**os.environ, **QUIET_ENV, "PATH": f"{BIN}:{os.environ['PATH']}",
                    **env}
        # The secret Rasa sends the action server, and the token of Rasa's HTTP API
        # (the console's live chat uses it): new ones for this start unless given.
        self.env.setdefault("ACTION_SERVER_TOKEN", secrets.token_hex(32))
        self.env.setdefault("RASA_API_TOKEN", secrets.token_hex(32))
        self.process: Optional[subprocess.Popen] = None
        self.started_at = self.ready_at = 0.0

    def start(self, timeout: float = START_TIMEOUT) -> "Processes":
        busy = [port for port in self.ports if port_in_use(port)]
        if busy:
            raise StartError(f"Ports {busy} are in use: is the assistant already running?")
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.started_at = time.monotonic()
        with open(self.log, "ab") as log:
            # A session of its own, so signals reach only it and it stops its processes.
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True,
                                            preexec_fn=_stop_when_parent_dies)
        try:
            self._wait_until_ready(timeout)
        except BaseException:
            self.stop()
            raise
        self.ready_at = time.monotonic()
        return self

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        waiting = dict(self.ready_urls)
        while waiting:
            if self.process.poll() is not None:
                raise StartError(f"{self.command[0]} stopped (exit {self.process.returncode})"
                                 f"; see {self.log}:\n{self.tail()}")
            waiting = {name: url for name, url in waiting.items() if not answers(url)}
            if waiting and time.monotonic() > deadline:
                raise StartError(f"Not ready after {timeout:.0f} s: {', '.join(waiting)}; "
                                 f"see {self.log}")
            time.sleep(0.25)

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 60) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        deadline = time.monotonic() + timeout
        while any(port_in_use(p) for p in self.ports) and time.monotonic() < deadline:
            time.sleep(0.2)

    def running(self) -> bool:
        """Still running: the process managers stop everything when one process dies."""
        return self.process is not None and self.process.poll() is None

    def restart(self, timeout: float = START_TIMEOUT) -> None:
        self.stop()
        self.start(timeout)

    def __enter__(self) -> "Processes":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _stop_when_parent_dies() -> None:
    # If the test run is killed outright (a CI timeout), the process manager gets
    # SIGTERM and stops its processes instead of leaving them holding the ports.
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def listening_pid(port: int) -> int:
    """The process listening on a local TCP port."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":  # LISTEN
            inodes.add(fields[9])
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(pid)
        except OSError:
            continue
    raise LookupError(f"nothing listens on port {port}")


def development(model_path: Path, log: Path, env: Optional[Mapping[str, str]] = None
                ) -> Processes:
    """`make run`: honcho starts the Procfile's processes for `model_path`."""
    env = {"RASA_MODEL": str(model_path), **(env or {})}
    config = Settings.overridden_by(env)
    return Processes([str(BIN / "honcho"), "start", "--no-colour", "-f", "Procfile"], env,
                     config.development_urls(),
                     [5055, config.rasa_port, config.console_port, config.site_port], log)


def production(env: Mapping[str, str], log_dir: Path, model_path: Path) -> Processes:
    """As an operator deploys: `make migrate`, `make use-model`, then `make run-prod`, in
    which supervisord runs the Rasa processes, the action server, the console and nginx.
    Ready when every Rasa process and nginx's ports answer."""
    from serving import production as profile

    config = Settings.overridden_by(env)
    migrate = subprocess.run([sys.executable, "-m", "records", "migrate"], cwd=ROOT,
                             env={**os.environ, **QUIET_ENV, **env}, capture_output=True,
                             text=True)
    if migrate.returncode:
        raise StartError(f"make migrate failed:\n{migrate.stdout}{migrate.stderr}")
    profile.use_model(model_path, config.production_dir)
    rasa = {f"Rasa process {n}": f"http://127.0.0.1:{config.rasa_process_port + n}/"
            for n in range(config.rasa_processes)}
    urls = {"action server": "http://127.0.0.1:5055/health", **rasa,
            "nginx: chat": f"http://127.0.0.1:{config.rasa_port}/",
            "nginx: demo site": config.site_url,
            "nginx: console": f"{config.console_url}login"}
    ports = [5055, config.rasa_port, config.site_port, config.console_port,
             config.console_process_port, config.model_port,
             *range(config.rasa_process_port, config.rasa_process_port + config.rasa_processes)]
    return Processes([sys.executable, "-m", "serving.production"], env, urls, ports,
                     log_dir / "run-prod.log")
