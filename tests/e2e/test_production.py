"""The production profile (make run-prod) under load and faults, on the real supervisord
and nginx.

Two Rasa processes behind nginx share a PostgreSQL database and a Redis lock store, as in
production. Both run privately for these tests (tests/e2e/services.py), so the tests can
stop and restart them; the figures of the same load on this machine's own PostgreSQL and
Redis are in docs/benchmarks.md (make bench-load).
"""
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import socketio
import sqlalchemy as sa

from bench import load_test
from devtools import processes
from serving import production
from serving.settings import settings
from tests.conftest import (
    CONSOLE_ADMIN_PASSWORD,
    LINE,
    METRICS,
    RESULTS,
    assert_offers_line_and_advisor,
    reply_text,
)
from tests.e2e.services import PrivatePostgres, PrivateRedis
from tests.e2e.test_callback import ANSWERS, QUESTIONS

pytestmark = pytest.mark.slow

TOKEN = uuid.uuid4().hex + uuid.uuid4().hex
API = f"http://localhost:{settings().rasa_port}"
REST_URL = settings().rest_url


@dataclass
class Production:
    stack: processes.Processes
    postgres: PrivatePostgres
    redis: PrivateRedis
    models: Path
    run_dir: Path

    def ctl(self, *command: str) -> str:
        """supervisorctl, as an operator would use it."""
        result = subprocess.run(
            [str(Path(sys.executable).with_name("supervisorctl")), "-c",
             str(self.run_dir / "supervisord.conf"), *command],
            capture_output=True, text=True, timeout=120)
        return result.stdout

    def pid(self, name: str) -> int:
        return int(self.ctl("pid", name).strip())

    def wait_running(self, name: str, timeout: float = 120) -> int:
        deadline = time.monotonic() + timeout
        while "RUNNING" not in self.ctl("status", name):
            assert time.monotonic() < deadline, self.ctl("status")
            time.sleep(0.5)
        return self.pid(name)

    def user_texts(self, sender: str):
        with sa.create_engine(self.postgres.url).connect() as connection:
            return connection.execute(sa.text(
                "SELECT data::json->>'text' FROM events WHERE sender_id = :s "
                "AND type_name = 'user' ORDER BY id"), s=sender).scalars().all()


def rasa_answers(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not processes.answers(f"http://127.0.0.1:{port}/"):
        assert time.monotonic() < deadline, f"the Rasa process on {port} did not come back"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def production_profile(model_path, assistant):
    if not (PrivatePostgres.available() and PrivateRedis.available()):
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL's initdb/pg_ctl and redis-server are needed")
        pytest.skip("PostgreSQL's initdb/pg_ctl or redis-server not installed")
    if not shutil.which(production.NGINX):
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail("nginx is needed for the production profile: make nginx")
        pytest.skip("nginx not installed (make nginx)")
    assistant.stack.stop()  # it holds the ports
    # Not pytest's tmp_path: the postgres user (and nginx's workers) must reach it.
    folder = Path(tempfile.mkdtemp(prefix="rj-production-"))
    folder.chmod(0o755)
    postgres, redis_server = PrivatePostgres(folder / "postgres"), PrivateRedis()
    models = folder / "models"
    # The rendered configuration and every program's log stay in results/ for reading.
    run_dir = RESULTS / "logs-production" / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    models.mkdir()
    models.chmod(0o755)
    shutil.copy(model_path, models / model_path.name)
    env = {"DATABASE_URL": postgres.url, "REDIS_URL": redis_server.url,
           "RASA_PROCESSES": "2", "RASA_API_TOKEN": TOKEN,
           "PRODUCTION_DIR": str(run_dir), "CONSOLE_ADMIN_PASSWORD": CONSOLE_ADMIN_PASSWORD}
    try:
        postgres.create()
        redis_server.start()
        stack = processes.production(env, RESULTS / "logs-production",
                                     models / model_path.name)
        with stack:
            yield Production(stack, postgres, redis_server, models, run_dir)
    finally:
        redis_server.stop()
        try:
            postgres.stop()
        except Exception:  # noqa: BLE001 - it may not have started
            pass
        shutil.rmtree(folder, ignore_errors=True)
        assistant.stack.start()


def say(text, sender, timeout=60):
    response = requests.post(REST_URL, json={"sender": sender, "message": text},
                             timeout=timeout)
    assert response.status_code == 200, response.text
    assert_offers_line_and_advisor(text, response.json())
    return reply_text(response.json())


def new_sender():
    return str(uuid.uuid4())


def test_supervisord_runs_two_rasa_processes_and_no_secret_is_on_a_command_line(
        production_profile):
    for name in ["actions", "rasa:rasa-5010", "rasa:rasa-5011", "console", "nginx"]:
        production_profile.wait_running(name)  # a Rasa process counts as started at 30 s
    sender = new_sender()
    assert "Kia ora" in say("kia ora", sender)
    assert production_profile.user_texts(sender) == ["kia ora"]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            assert TOKEN not in Path(f"/proc/{pid}/cmdline").read_text()
        except OSError:
            continue
    for name in ["supervisord.conf", "nginx.conf", "model.conf"]:
        assert TOKEN not in (production_profile.run_dir / name).read_text()


def test_nginx_serves_the_demo_page_with_its_headers_and_refuses_big_bodies(
        production_profile):
    page = requests.get(settings().site_url, timeout=30)
    assert page.status_code == 200 and "chat-widget.js" in page.text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert requests.get(settings().site_url + "chat-widget.js", timeout=30).ok
    assert requests.get(settings().site_url + "endpoints.yml", timeout=30).status_code == 404
    big = requests.post(REST_URL, data="x" * 20_000, timeout=30,
                        headers={"Content-Type": "application/json"})
    assert big.status_code == 413 and "error" in big.json()
    login = requests.get(settings().console_url + "login", timeout=30)
    assert login.status_code == 200 and "Content-Security-Policy" in login.headers


def test_the_http_api_refuses_requests_without_the_token(production_profile):
    sender = new_sender()
    say("is it free?", sender)
    tracker = f"{API}/conversations/{sender}/tracker"
    for token in [None, "", "wrong", TOKEN[:-1]]:
        params = {"token": token} if token is not None else {}
        assert requests.get(tracker, params=params, timeout=30).status_code == 401
        assert requests.post(f"{tracker}/events", params=params, timeout=30,
                             json={"event": "slot", "name": "first_name",
                                   "value": "Mallory"}).status_code == 401
        assert requests.get(f"{API}/status", params=params, timeout=30).status_code == 401
        assert requests.post(f"{API}/model/parse", params=params, timeout=30,
                             json={"text": "hi"}).status_code == 401
    events = requests.get(tracker, params={"token": TOKEN}, timeout=30).json()["events"]
    assert "is it free?" in [e.get("text") for e in events]


@pytest.mark.parametrize("origin, allowed", [("http://localhost:8080", True),
                                             ("https://evil.example", False)])
def test_browsers_may_call_the_chat_only_from_the_configured_site(production_profile,
                                                                  origin, allowed):
    response = requests.options(REST_URL, timeout=30, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert (response.headers.get("Access-Control-Allow-Origin") == origin) is allowed


def test_socketio_clients_on_the_websocket_transport_are_answered(production_profile):
    answers, confirms = queue.Queue(), queue.Queue()
    client = socketio.Client()
    client.on("bot_uttered", answers.put)
    client.on("session_confirm", confirms.put)
    client.connect(API, socketio_path="/socket.io", transports=["websocket"])
    try:
        client.emit("session_request", {})
        session = confirms.get(timeout=30)
        for text in ["kia ora", "is it free?", "who will be there"]:
            client.emit("user_uttered", {"message": text, "session_id": session})
            part = answers.get(timeout=60)
            while not part.get("quick_replies"):
                part = answers.get(timeout=60)
    finally:
        client.disconnect()
    assert production_profile.user_texts(session) == ["kia ora", "is it free?",
                                                      "who will be there"]


def test_100_conversations_of_20_turns_at_once_lose_nothing(production_profile):
    result = load_test.run_load(conversations=100, turns=20)
    load_test.check_stored(result, production_profile.postgres.url)
    assert result.messages == 2000
    assert result.errors == []
    assert result.lost == []
    METRICS["load, 100 x 20 on 2 Rasa processes"] = (
        f"{result.per_second:.0f} msg/s, p50 {1000 * result.percentile(50):.0f} ms, "
        f"p95 {1000 * result.percentile(95):.0f} ms, p99 {1000 * result.percentile(99):.0f} ms")


def model_in_use(status_calls=6):
    """The model file each of several /status calls reports (nginx spreads them)."""
    return {requests.get(f"{API}/status", params={"token": TOKEN}, timeout=60).json()[
        "model_file"] for _ in range(status_calls)}


def test_a_new_model_is_taken_up_while_answering_without_dropping_a_request(
        production_profile):
    old = next(production_profile.models.glob("*.tar.gz"))
    stop, problems, answered = threading.Event(), [], []

    def person():
        sender = new_sender()
        while not stop.is_set():
            try:
                response = requests.post(REST_URL, timeout=60,
                                         json={"sender": sender, "message": "is it free?"})
                if response.status_code != 200 or LINE not in response.text:
                    problems.append(f"{response.status_code}: {response.text[:100]}")
                answered.append(1)
            except requests.RequestException as error:
                problems.append(type(error).__name__)

    people = [threading.Thread(target=person) for _ in range(8)]
    for thread in people:
        thread.start()
    try:
        time.sleep(2)
        new = production_profile.models / "rj-replacement.tar.gz"
        shutil.copy(old, new)
        production.use_model(new, production_profile.run_dir)  # make use-model MODEL=...
        deadline = time.monotonic() + 90
        while model_in_use() != {new.name}:
            assert time.monotonic() < deadline, "the processes did not take up the new model"
            time.sleep(2)
        time.sleep(2)
    finally:
        stop.set()
        for thread in people:
            thread.join()
    assert problems == []
    METRICS["model replaced under load"] = f"{len(answered)} requests, none dropped"


def test_with_the_action_server_down_the_person_still_gets_the_line(production_profile):
    sender = new_sender()
    assert QUESTIONS["contact_method"] in say("can an advisor call me back", sender)
    production_profile.ctl("stop", "actions")
    try:
        reply = say("Phone", sender)  # the form needs the action server: never silence
        assert reply.startswith("If you are in danger right now, call 111")
        # questions that need no custom action are still answered
        assert "no charge" in say("is it free?", new_sender())
    finally:
        production_profile.ctl("start", "actions")
    # the form picks up where it was
    assert QUESTIONS["contact_detail"] in say("Phone", sender)


def test_a_killed_action_server_is_started_again_by_supervisord(production_profile):
    killed = production_profile.pid("actions")
    os.kill(killed, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while production_profile.pid("actions") in (killed, 0):
        assert time.monotonic() < deadline, production_profile.ctl("status")
        time.sleep(0.5)
    production_profile.wait_running("actions")
    sender = new_sender()
    assert QUESTIONS["contact_method"] in say("can an advisor call me back", sender)
    assert QUESTIONS["contact_detail"] in say("Phone", sender)


def test_after_a_rasa_restart_the_conversation_continues_where_it_was(production_profile):
    sender = new_sender()
    say("can an advisor call me back", sender)
    assert QUESTIONS["contact_detail"] in say(ANSWERS["contact_method"], sender)
    production_profile.ctl("restart", "rasa:*")
    for port in (5010, 5011):
        rasa_answers(port)
    assert QUESTIONS["safe_time"] in say(ANSWERS["contact_detail"], sender)
    # (an answer to the form is kept as a placeholder only)
    assert production_profile.user_texts(sender)[:3] == [
        "can an advisor call me back", "[answer]", "[phone]"]


def test_a_killed_rasa_process_is_restarted_while_the_other_answers(production_profile):
    first = production_profile.pid("rasa:rasa-5010")
    os.kill(first, signal.SIGKILL)
    sender = new_sender()
    for _ in range(10):  # nginx sends every message to the other process meanwhile
        assert "free" in say("is it free?", sender).lower()
    deadline = time.monotonic() + 60
    while production_profile.pid("rasa:rasa-5010") in (first, 0):
        assert time.monotonic() < deadline, production_profile.ctl("status")
        time.sleep(0.5)
    rasa_answers(5010)
    # With the other one killed too, only the restarted one can answer: it does.
    os.kill(production_profile.pid("rasa:rasa-5011"), signal.SIGKILL)
    assert "free" in say("is it free?", sender, timeout=120).lower()
    production_profile.wait_running("rasa:rasa-5011")
    rasa_answers(5011)


def test_while_postgres_restarts_people_are_answered_and_then_it_stores_again(
        production_profile):
    sender = new_sender()
    say("kia ora", sender)
    production_profile.postgres.stop()
    try:
        # Rasa answers from memory meanwhile (without the earlier turns); not stored
        assert "no charge" in say("is it free?", sender)
    finally:
        production_profile.postgres.start()
    assert "Kia ora" in say("kia ora", sender)
    assert "who" in say("who will be at the conference?", sender).lower()
    assert production_profile.user_texts(sender) == [
        "kia ora", "kia ora", "who will be at the conference?"]


def test_without_redis_every_message_gets_111_and_the_line_until_it_is_back(
        production_profile):
    sender = new_sender()
    say("kia ora", sender)
    production_profile.redis.stop()
    try:
        started = time.monotonic()
        reply = say("is it free?", sender, timeout=30)
        assert reply.startswith("If you are in danger right now, call 111")
        assert "something went wrong on my side" in reply
        assert time.monotonic() - started < 10
    finally:
        production_profile.redis.start()
    assert "no charge" in say("is it free?", sender)
    assert production_profile.user_texts(sender) == ["kia ora", "is it free?"]
