"""`make run`: honcho starts the Procfile's processes, says where to chat, Ctrl-C stops
them all, and one that dies stops the rest with a message saying which."""
import os
import queue
import signal
import subprocess
import threading
import time

import pytest

from devtools import processes
from serving.settings import settings
from tests.conftest import ROOT

pytestmark = pytest.mark.slow
PORTS = [5055, settings().rasa_port, settings().site_port, settings().console_port]


class MakeRun:
    def __init__(self, database_url: str):
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "run"], cwd=ROOT, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, **processes.QUIET_ENV, "DATABASE_URL": database_url})
        self.lines: "queue.Queue[str]" = queue.Queue()
        self.output = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = processes.START_TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.output):
            assert time.monotonic() < deadline, "".join(self.output)[-3000:]
            try:
                self.output.append(self.lines.get(timeout=1))
            except queue.Empty:
                pass
        return "".join(self.output)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            self.process.wait(timeout=60)


@pytest.fixture
def make_run(assistant):
    assistant.stack.stop()  # free the ports the shared test assistant holds
    run = MakeRun(assistant.database_url)
    try:
        yield run
    finally:
        run.stop()
        assistant.stack.start()


def test_make_run_says_where_to_chat_and_ctrl_c_stops_everything(make_run, assistant):
    ready = make_run.wait_for("Press Ctrl-C to stop")
    assert settings().rest_url in ready and settings().site_url in ready
    assert "make chat" in ready
    assert "no charge" in assistant.say("is it free", assistant.new_sender())[0]["text"]

    os.killpg(make_run.process.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
    make_run.process.wait(timeout=60)
    assert not [port for port in PORTS if processes.port_in_use(port)]


def test_when_one_process_dies_make_run_stops_the_rest_and_says_which(make_run):
    make_run.wait_for("Press Ctrl-C to stop")
    os.kill(processes.listening_pid(5055), signal.SIGKILL)  # the action server
    assert make_run.process.wait(timeout=60) != 0
    output = make_run.wait_for("sending SIGTERM to rasa.1", timeout=10)
    assert "actions.1 stopped (rc=137)" in output  # 128 + SIGKILL, as the shell reports it
    assert not [port for port in PORTS if processes.port_in_use(port)]
