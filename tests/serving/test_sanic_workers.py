"""A worker process that dies is replaced; workers that keep dying stop the server."""
import multiprocessing
import os
import signal
import sys
import threading
import time

import pytest

from serving.sanic_workers import TooManyDeaths, Workers

context = multiprocessing.get_context("fork")


def starter(target):
    def start():
        process = context.Process(target=target, daemon=True)
        process.start()
        return process
    return start


def until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def serve_forever():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        time.sleep(1)


def test_a_killed_worker_is_replaced_and_stop_ends_them_all():
    pool = Workers(starter(serve_forever), 2)
    runner = threading.Thread(target=pool.run)
    runner.start()
    until(lambda: len(pool.processes) == 2 and all(p.is_alive() for p in pool.processes))
    first, second = [p.pid for p in pool.processes]
    os.kill(first, signal.SIGKILL)
    until(lambda: pool.processes[0].pid != first and pool.processes[0].is_alive())
    assert pool.processes[1].pid == second  # the other one was left alone
    pool.stop()
    runner.join(10)
    assert not runner.is_alive()
    assert not any(p.is_alive() for p in pool.processes)


def die_at_once():
    os._exit(3)


def test_workers_that_keep_dying_stop_the_server_instead_of_being_restarted_forever():
    pool = Workers(starter(die_at_once), 2, max_replacements=4, window=60)
    started = time.monotonic()
    with pytest.raises(TooManyDeaths, match="5 workers stopped within 60 s"):
        pool.run()
    assert time.monotonic() - started < 30
    assert not any(p.is_alive() for p in pool.processes)
