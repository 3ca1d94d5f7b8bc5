"""Start the assistant: the action server and the Rasa server (REST + Socket.IO).

    python -m devtools.run                # what `make run` does; Ctrl-C stops everything
    python -m devtools.run --production   # `make run-prod`: see serving/production.py

The same `Stack` starts the servers for the end-to-end tests and the benchmark.
"""
from __future__ import annotations

import argparse
import ctypes
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Dict, List, Optional, Sequence

import requests

from training import model

ROOT = Path(__file__).resolve().parent.parent
RASA_PORT = 5005
ACTIONS_PORT = 5055
SITE_PORT = 8080
CONSOLE_PORT = 8081
REST_URL = f"http://localhost:{RASA_PORT}/webhooks/rest/webhook"
SITE_URL = f"http://localhost:{SITE_PORT}/"
CONSOLE_URL = f"http://localhost:{CONSOLE_PORT}/"
# Web pages allowed to talk to the Rasa server from a browser (CORS), space-separated.
DEFAULT_SITE_ORIGINS = f"http://localhost:{SITE_PORT} http://127.0.0.1:{SITE_PORT}"
START_TIMEOUT = 300
ACTION_TOKEN = "ACTION_SERVER_TOKEN"

QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONWARNINGS": "ignore",
}


class StartError(RuntimeError):
    """A server did not come up; the message says which and where its log is."""


@dataclass
class Server:
    name: str
    command: List[str]
    port: int
    ready_path: str
    log: Optional[Path] = None
    env: Dict[str, str] = field(default_factory=dict)  # added to the stack's environment
    process: Optional[subprocess.Popen] = field(default=None, repr=False)
    _log_file: Optional[IO] = field(default=None, repr=False)

    @property
    def ready_url(self) -> str:
        return f"http://localhost:{self.port}{self.ready_path}"

    def start(self, env: Dict[str, str]) -> None:
        if port_in_use(self.port):
            raise StartError(
                f"Port {self.port} is already in use, so the {self.name} cannot start. "
                f"Is the assistant already running (make run)? Stop it and try again."
            )
        output = None
        if self.log:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            self._log_file = open(self.log, "ab")
            output = self._log_file
        # A session of its own, so Ctrl-C reaches only us and we stop it in order.
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env={**env, **self.env}, stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_stop_when_parent_dies,
        )

    def is_ready(self) -> bool:
        try:
            return requests.get(self.ready_url, timeout=2).ok
        except requests.RequestException:
            return False

    def exited(self) -> Optional[int]:
        return self.process.poll() if self.process else None

    def stop(self, timeout: float = 20) -> None:
        if self.process and self.process.poll() is None:
            self._signal_all(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_all(signal.SIGKILL)
                self.process.wait()
            # Its worker processes (Sanic workers) can finish a moment after it does.
            deadline = time.monotonic() + timeout
            while port_in_use(self.port) and time.monotonic() < deadline:
                time.sleep(0.2)
            if port_in_use(self.port):
                self._signal_all(signal.SIGKILL)
        if self._log_file:
            self._log_file.close()
            self._log_file = None

    def _signal_all(self, signum: int) -> None:
        """Signal the server and any processes it started (its own process group)."""
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            pass


def _stop_when_parent_dies() -> None:
    # If we are killed outright (SIGKILL, a CI timeout), the servers get SIGTERM
    # instead of living on and holding the ports.
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def rasa_server(model_path: Optional[Path], log: Optional[Path] = None,
                endpoints: str = "endpoints.yml", site_origins: Optional[List[str]] = None,
                entry: Sequence[str] = ("rasa", "run")) -> Server:
    """`rasa run` (or `entry`, which takes the same options) on the REST port. Without
    a model path, the model comes from the model server named in `endpoints`."""
    if site_origins is None:
        site_origins = os.environ.get("SITE_ORIGINS", DEFAULT_SITE_ORIGINS).split()
    model = ["--model", str(model_path)] if model_path else []
    return Server(
        "Rasa server",
        [sys.executable, "-m", *entry, *model,
         "--port", str(RASA_PORT), "--credentials", "credentials.yml",
         "--endpoints", endpoints, "--cors", *site_origins],
        RASA_PORT, "/", log,
        # the Socket.IO channel checks the same origins (addons/channels.py)
        env={"SITE_ORIGINS": " ".join(site_origins)},
    )


def action_server(log: Optional[Path] = None) -> Server:
    return Server(
        "action server",
        [sys.executable, "-m", "serving.action_server", "--port", str(ACTIONS_PORT)],
        ACTIONS_PORT, "/health", log,
    )


def site_server(log: Optional[Path] = None) -> Server:
    return Server("demo site", [sys.executable, "-m", "devtools.demo_site", "--port", str(SITE_PORT)],
                  SITE_PORT, "/", log)


def console_server(log: Optional[Path] = None) -> Server:
    return Server("advisor console",
                  [sys.executable, "-m", "console", "serve", "--port", str(CONSOLE_PORT)],
                  CONSOLE_PORT, "/login", log)


class Stack:
    """Servers started together, in order, and stopped together in reverse."""

    def __init__(self, servers: List[Server], env: Optional[Dict[str, str]] = None):
        self.servers = servers
        self.env = {**os.environ, **QUIET_ENV, **(env or {})}
        # The secret the Rasa server sends to the action server (serving/action_server.py):
        # one for this start unless one is set.
        self.env.setdefault(ACTION_TOKEN, secrets.token_hex(32))
        self.started_at = self.ready_at = 0.0

    def start(self, timeout: float = START_TIMEOUT) -> "Stack":
        self.started_at = time.monotonic()
        try:
            for server in self.servers:
                server.start(self.env)
            self._wait_until_ready(timeout)
        except BaseException:
            self.stop()
            raise
        self.ready_at = time.monotonic()
        return self

    def _wait_until_ready(self, timeout: float,
                          servers: Optional[List[Server]] = None) -> None:
        deadline = time.monotonic() + timeout
        waiting = list(servers or self.servers)
        while waiting:
            for server in list(waiting):
                code = server.exited()
                if code is not None:
                    where = f" See {server.log}." if server.log else ""
                    raise StartError(f"The {server.name} stopped (exit {code}).{where}")
                if server.is_ready():
                    waiting.remove(server)
            if waiting and time.monotonic() > deadline:
                names = ", ".join(s.name for s in waiting)
                raise StartError(f"Not ready after {timeout:.0f}s: {names}.")
            time.sleep(0.25)

    def restart(self, server: Server, timeout: float = START_TIMEOUT) -> None:
        """Stop one server and start it again, waiting until it answers."""
        server.stop()
        server.start(self.env)
        self._wait_until_ready(timeout, [server])

    def stop(self) -> None:
        for server in reversed(self.servers):
            server.stop()

    def server(self, name: str) -> Server:
        return next(server for server in self.servers if server.name == name)

    def first_exited(self) -> Optional[Server]:
        return next((s for s in self.servers if s.exited() is not None), None)

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def assistant(model_path: Path, log_dir: Optional[Path] = None,
              endpoints: str = "endpoints.yml") -> Stack:
    """The action server, the Rasa server for `model_path`, the demo site and the
    advisors' console."""
    log = (lambda name: log_dir / name) if log_dir else (lambda name: None)
    return Stack([action_server(log("actions.log")),
                  rasa_server(model_path, log("rasa.log"), endpoints),
                  site_server(log("site.log")),
                  console_server(log("console.log"))])


def ready_message() -> str:
    return f"""
  The assistant is ready.

  Demo page with the chat widget:  {SITE_URL}
  Advisor console:        {CONSOLE_URL}
  Chat in a terminal:     make chat   (in another terminal window)
  REST channel:           POST {REST_URL}
                          {{"sender": "<a random id, e.g. a UUID>", "message": "kia ora"}}
  Socket.IO channel:      http://localhost:{RASA_PORT}/socket.io

  Conversations and callback requests are kept in
  {database_shown()}; advisors: make handoffs.
  Press Ctrl-C to stop.
"""


def database_shown() -> str:
    """The database URL without its password, which must not reach a log."""
    import sqlalchemy as sa

    url = os.environ.get("DATABASE_URL")
    return sa.engine.make_url(url).render_as_string(hide_password=True) if url \
        else "runtime/conversations.db"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--production", action="store_true",
                        help="PostgreSQL, Redis, several Rasa workers (serving/production.py)")
    production_mode = parser.parse_args().production
    if production_mode:
        from serving import production

        try:
            settings = production.Settings.from_environment()
            settings.check_services()
        except production.SettingsError as error:
            print(f"Cannot start the production profile:\n{error}\n"
                  f"See docs/OPERATIONS.md.", file=sys.stderr)
            return 2
    model_path = model.ensure()
    stack = production.stack(settings) if production_mode else assistant(model_path)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        print(f"Starting the assistant with {model_path.relative_to(ROOT)} ...", flush=True)
        stack.start()
        print(ready_message(), flush=True)
        if production_mode:
            print(production.ready_message(settings), flush=True)
        while (stopped := stack.first_exited()) is None:
            time.sleep(0.5)
        print(f"The {stopped.name} stopped unexpectedly; stopping the rest.", file=sys.stderr)
        return 1
    except StartError as error:
        print(f"Could not start: {error}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, SystemExit):
        print("\nStopping ...", flush=True)
        return 0
    finally:
        # A second Ctrl-C must not interrupt the shutdown and orphan a server.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
