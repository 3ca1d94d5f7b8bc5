"""Private PostgreSQL and Redis servers for the fault tests, which stop and restart them.

They run this machine's own PostgreSQL and Redis programs on ports of their own, with
their data in a temporary folder, so stopping them disturbs nothing else.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import List, Optional

import redis
import sqlalchemy as sa


def _postgres_bin(program: str) -> Optional[str]:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{program}"))
    return found[-1] if found else shutil.which(program)


class PrivatePostgres:
    def __init__(self, folder: Path, port: int = 55432):
        self.folder, self.port = folder, port
        self.data = folder / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    @staticmethod
    def available() -> bool:
        return bool(_postgres_bin("initdb") and _postgres_bin("pg_ctl"))

    def _as_owner(self, command: List[str]) -> List[str]:
        # PostgreSQL refuses to run as root; CI and this machine run tests as root.
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def _run(self, *command: str) -> None:
        subprocess.run(self._as_owner(list(command)), check=True, capture_output=True,
                       timeout=120)

    def create(self) -> "PrivatePostgres":
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(_postgres_bin("initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-sync")
        return self.start()

    def start(self) -> "PrivatePostgres":
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(_postgres_bin("pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.folder / "postgres.log"), "-w", "start")
        self._wait()
        return self

    def stop(self) -> None:
        self._run(_postgres_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def _wait(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                sa.create_engine(self.url).connect().close()
                return
            except sa.exc.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


class PrivateRedis:
    def __init__(self, port: int = 56379):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: Optional[subprocess.Popen] = None

    @staticmethod
    def available() -> bool:
        return bool(shutil.which("redis-server"))

    def start(self) -> "PrivateRedis":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                redis.StrictRedis.from_url(self.url).ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)
