"""`make run` starts the servers and the demo site, says where to chat, and Ctrl-C stops
everything."""
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import ROOT
from devtools import run

pytestmark = pytest.mark.slow


def read_lines(stream, lines):
    for line in stream:
        lines.put(line)


def test_run_starts_the_assistant_and_ctrl_c_stops_both_servers(assistant):
    assistant.stack.stop()  # free the ports the shared test assistant holds
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.run"], cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, **run.QUIET_ENV, "DATABASE_URL": assistant.database_url},
    )
    try:
        lines = queue.Queue()
        threading.Thread(target=read_lines, args=(process.stdout, lines), daemon=True).start()
        output, deadline = [], time.monotonic() + run.START_TIMEOUT
        while not any("Press Ctrl-C to stop" in line for line in output):
            assert time.monotonic() < deadline, "".join(output)[-2000:]
            output.append(lines.get(timeout=run.START_TIMEOUT))
        assert process.poll() is None
        ready = "".join(output)
        assert run.REST_URL in ready and "make chat" in ready and run.SITE_URL in ready

        assert "no charge" in assistant.say("is it free", assistant.new_sender())[0]["text"]

        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        assert process.wait(timeout=60) == 0
        assert not run.port_in_use(run.RASA_PORT)
        assert not run.port_in_use(run.ACTIONS_PORT)
        assert not run.port_in_use(run.SITE_PORT)
        assert not run.port_in_use(run.CONSOLE_PORT)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=60)
        assistant.stack.start()
