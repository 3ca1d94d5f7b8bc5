"""The action server answers only the assistant: the shared secret on every call, and
only on the loopback address."""
import os
import socket
import subprocess
import sys
import time

import pytest
import requests

from devtools import processes
from serving.action_server import main
from tests.conftest import ROOT

PORT = 5155
TOKEN = "t" * 40
CALL = {"next_action": "action_delete_conversation", "sender_id": "someone-elses-chat",
        "tracker": {"sender_id": "someone-elses-chat", "slots": {}, "events": [],
                    "latest_message": {}, "paused": False, "active_loop": {}},
        "domain": {}, "version": "3.6.21"}


@pytest.fixture(scope="module")
def action_server():
    env = {**os.environ, **processes.QUIET_ENV, "ACTION_SERVER_TOKEN": TOKEN}
    env.pop("ACTIONS_HOST", None)
    process = subprocess.Popen([sys.executable, "-m", "serving.action_server", "--port",
                                str(PORT)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while True:
        try:
            requests.get(f"http://127.0.0.1:{PORT}/health", timeout=2)
            break
        except requests.ConnectionError:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.3)
    yield f"http://127.0.0.1:{PORT}"
    process.terminate()
    process.wait(30)


@pytest.mark.parametrize("params", [{}, {"token": "guess"}, {"token": TOKEN[:-1]}])
def test_a_call_without_the_secret_gets_401(action_server, params):
    reply = requests.post(f"{action_server}/webhook", json=CALL, params=params, timeout=10)
    assert reply.status_code == 401
    assert requests.get(f"{action_server}/actions", params=params, timeout=10
                        ).status_code == 401


def test_a_call_with_the_secret_is_answered(action_server):
    reply = requests.get(f"{action_server}/actions", params={"token": TOKEN}, timeout=10)
    assert reply.status_code == 200
    assert {"name": "action_delete_conversation"} in reply.json()


def test_the_health_check_needs_no_secret(action_server):
    assert requests.get(f"{action_server}/health", timeout=10).json() == {"status": "ok"}


def outside_address():
    """An address of this machine that is not the loopback one, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_it_listens_only_on_the_loopback_address(action_server):
    address = outside_address()
    if address is None:
        pytest.skip("this machine has no address but the loopback one")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://{address}:{PORT}/health", timeout=5)


def test_without_a_secret_it_refuses_to_start(monkeypatch, capsys):
    monkeypatch.delenv("ACTION_SERVER_TOKEN", raising=False)
    assert main(["--port", str(PORT + 1)]) == 2
    assert "ACTION_SERVER_TOKEN" in capsys.readouterr().err
