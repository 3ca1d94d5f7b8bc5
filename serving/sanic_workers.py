"""Sanic workers that are replaced when one dies.

Sanic 21.12 (Rasa 3.6's) forks its workers once and then only waits for them: a worker
killed by the kernel's out-of-memory killer or a crash is never replaced, and the
server runs on at reduced capacity without saying so. `install()` swaps in a version of
Sanic's `serve_multiple` that starts a new worker in its place, from the same listening
socket (a new Rasa worker loads the newest model from the model server). If workers
keep dying (more than MAX_REPLACEMENTS within WINDOW seconds, say a model that cannot be
loaded), it stops them all and exits non-zero, so the process above it (devtools/run.py,
then systemd) restarts the whole set.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import sys
import time
from multiprocessing.connection import wait
from typing import Callable, List

logger = logging.getLogger(__name__)

MAX_REPLACEMENTS = 5
WINDOW = 60.0


class TooManyDeaths(RuntimeError):
    """Workers kept dying; replacing them again would not help."""


class Workers:
    """`count` processes running `start()`'s target, each replaced when it ends."""

    def __init__(self, start: Callable[[], multiprocessing.Process], count: int,
                 max_replacements: int = MAX_REPLACEMENTS, window: float = WINDOW):
        self.start, self.count = start, count
        self.max_replacements, self.window = max_replacements, window
        self.processes: List[multiprocessing.Process] = []
        self.replaced_at: List[float] = []
        self.stopping = False

    def run(self) -> None:
        """Start the workers and keep them running until stop(); raises TooManyDeaths."""
        self.processes = [self.start() for _ in range(self.count)]
        while not self.stopping:
            wait([p.sentinel for p in self.processes], timeout=1.0)
            for index, process in enumerate(self.processes):
                if process.is_alive() or self.stopping:
                    continue
                process.join()
                self._count_replacement()
                logger.warning(f"Worker {process.pid} stopped (exit {process.exitcode}); "
                               "starting a new one in its place.")
                self.processes[index] = self.start()
        # Again: a worker started while stop() ran was not in the list it signalled.
        self._terminate()
        for process in self.processes:
            process.join()

    def stop(self) -> None:
        self.stopping = True
        self._terminate()

    def _terminate(self) -> None:
        for process in self.processes:
            if process.is_alive():
                os.kill(process.pid, signal.SIGTERM)

    def _count_replacement(self) -> None:
        now = time.monotonic()
        self.replaced_at = [t for t in self.replaced_at if now - t < self.window]
        self.replaced_at.append(now)
        if len(self.replaced_at) > self.max_replacements:
            self.stop()
            for process in self.processes:
                process.join()
            raise TooManyDeaths(f"{len(self.replaced_at)} workers stopped within "
                                f"{self.window:.0f} s; stopping the server.")


def serve_multiple(server_settings, workers):
    """Sanic's serve_multiple (sanic/server/runners.py), with its workers replaced."""
    from sanic.server import runners
    from sanic.server.runners import bind_socket, serve, trigger_events

    if server_settings.get("unix"):  # not how `rasa run` listens; Sanic's own then
        return runners.serve_multiple(server_settings, workers)
    server_settings["reuse_port"] = True
    server_settings["run_multiple"] = True
    main_start = server_settings.pop("main_start", None)
    main_stop = server_settings.pop("main_stop", None)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    trigger_events(main_start, loop)
    sock = server_settings.get("sock")
    if sock is None:
        sock = bind_socket(server_settings["host"], server_settings["port"],
                           backlog=server_settings["backlog"])
        sock.set_inheritable(True)
        server_settings.update(sock=sock, host=None, port=None)
    context = multiprocessing.get_context("fork")

    def start() -> multiprocessing.Process:
        process = context.Process(target=serve, kwargs=server_settings, daemon=True)
        process.start()
        return process

    pool = Workers(start, workers)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda s, f: pool.stop())
    try:
        pool.run()
    except TooManyDeaths as error:
        logger.error(str(error))
        sys.exit(1)
    finally:
        trigger_events(main_stop, loop)
        sock.close()
        loop.close()


def install() -> None:
    """Make Sanic (as Rasa runs it) replace workers that die."""
    import sanic.app

    sanic.app.serve_multiple = serve_multiple
