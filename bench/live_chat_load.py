"""Live chat under load: 20 people chatting with 5 advisors at once, on the production
profile, and proof that every message arrives once and in order.

    python -m bench.live_chat_load [--chats 20] [--advisors 5] [--rounds 10]

(make bench-live.)

Starts the production profile (serving/production.py: supervisord, nginx, two Rasa
processes, the Redis lock store) on this machine's PostgreSQL (BENCH_LIVE_DATABASE_URL,
by default database `rj_live`, created afresh) and Redis. Every person asks for an
advisor and joins the live queue through the REST channel, then polls
`/webhooks/live/poll` every second, as the widget does. Each advisor signs in to the
console, sets themselves available and accepts chats from the queue until every chat is
taken. Then, in each chat, the advisor and the person take turns for `--rounds` rounds:
the advisor sends a message through the console (which adds it through Rasa's HTTP API),
the person's poll receives it, the person answers over REST, and the advisor's chat
page (polling `updates.json` every second, as console/static/live.js does) shows it.

Delivery time is from the moment a message is sent until the other side's poll shows
it. It includes waiting for the next poll (up to a second), as a real widget or console
page would. Writes the figures to docs/benchmarks.md. Loopback only.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import requests
import sqlalchemy as sa

from bench import report
from bench.console_benchmark import create_database
from console.accounts import Accounts
from devtools import processes
from serving.settings import settings
from training import model

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/rj_live"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
PASSWORD = "load-test-password-1"
POLL_EVERY = 1.0  # the widget's and the console's
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
TIMEOUT = 60.0


@dataclass
class Figures:
    to_person: List[float] = field(default_factory=list)   # advisor -> person, seconds
    to_advisor: List[float] = field(default_factory=list)  # person -> advisor
    errors: List[str] = field(default_factory=list)
    wrong: List[str] = field(default_factory=list)          # lost, twice or out of order
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            getattr(self, kind).append(seconds)


def percentile(values: List[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else 0.0


class Console:
    def __init__(self, username: str):
        self.http = requests.Session()
        self.http.post(settings().console_url + "login",
                       data={"username": username, "password": PASSWORD}, timeout=TIMEOUT)
        page = self.http.get(settings().console_url + "live", timeout=TIMEOUT).text
        self.csrf = CSRF.search(page).group(1)
        self.post("live/availability", available="1", display_name="Mere")

    def post(self, path: str, **data: str) -> requests.Response:
        return self.http.post(settings().console_url + path,
                              data={"csrf_token": self.csrf, **data},
                              headers={"Accept": "application/json"}, timeout=TIMEOUT)

    def get(self, path: str, **params: str) -> dict:
        return self.http.get(settings().console_url + path, params=params,
                             timeout=TIMEOUT).json()


def person_side(sender: str, rounds: int, figures: Figures, sent_at: Dict) -> None:
    rest = settings().rest_url
    poll_url = f"http://localhost:{settings().rasa_port}/webhooks/live/poll"
    requests.post(rest, json={"sender": sender, "message": "/request_advisor"}, timeout=TIMEOUT)
    requests.post(rest, json={"sender": sender, "message": "/request_live_chat"},
                  timeout=TIMEOUT)
    after, expected = 0, 0
    deadline = time.monotonic() + TIMEOUT * rounds
    while expected < rounds and time.monotonic() < deadline:
        state = requests.post(poll_url, json={"sender": sender, "after": after},
                              timeout=TIMEOUT).json()
        received = time.monotonic()
        for message in state["messages"]:
            after = message["id"]
            if message.get("advisor") is None:
                continue  # the assistant's "has joined"
            if message["text"] != f"advisor {expected}":
                figures.wrong.append(f"{sender}: got {message['text']!r}, expected "
                                     f"'advisor {expected}'")
                continue
            figures.add("to_person", received - sent_at[(sender, "advisor", expected)])
            sent_at[(sender, "person", expected)] = time.monotonic()
            requests.post(rest, json={"sender": sender, "message": f"person {expected}"},
                          timeout=TIMEOUT)
            expected += 1
        time.sleep(POLL_EVERY)
    if expected < rounds:
        figures.wrong.append(f"{sender}: {rounds - expected} advisor messages never arrived")


def advisor_side(console: Console, chat_id: int, sender: str, rounds: int, figures: Figures,
                 sent_at: Dict) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not console.get(f"live/{chat_id}/updates.json", after="0")["joined"]:
        if time.monotonic() > deadline:  # the person's screen never showed the advisor
            figures.errors.append(f"chat {chat_id}: the person was never told who joined")
            return
        time.sleep(POLL_EVERY)  # as the chat page waits before it sends
    so_far = console.get(f"live/{chat_id}/updates.json", after="0")["messages"]
    after = so_far[-1]["id"] if so_far else 0  # what was said before the advisor came
    for n in range(rounds):
        sent_at[(sender, "advisor", n)] = time.monotonic()
        answer = console.post(f"live/{chat_id}/messages", text=f"advisor {n}")
        if answer.status_code != 200:
            figures.errors.append(f"chat {chat_id}: HTTP {answer.status_code} {answer.text}")
            return
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            updates = console.get(f"live/{chat_id}/updates.json", after=str(after))
            seen = time.monotonic()
            person = [m for m in updates["messages"] if m["speaker"] == "person"]
            if updates["messages"]:
                after = updates["messages"][-1]["id"]
            if person:
                if [m["text"] for m in person] != [f"person {n}"]:
                    figures.wrong.append(f"chat {chat_id}: got {[m['text'] for m in person]}, "
                                         f"expected ['person {n}']")
                figures.add("to_advisor", seen - sent_at[(sender, "person", n)])
                break
            time.sleep(POLL_EVERY)
        else:
            figures.wrong.append(f"chat {chat_id}: 'person {n}' never arrived")
            return


def run(chats: int, advisors: int, rounds: int) -> Figures:
    figures, sent_at = Figures(), {}
    consoles = [Console(f"live-{n}") for n in range(advisors)]
    senders = [f"live-load-{uuid.uuid4()}" for _ in range(chats)]
    people = [threading.Thread(target=person_side, args=(s, rounds, figures, sent_at))
              for s in senders]
    for thread in people:
        thread.start()
    conversations: List[threading.Thread] = []
    taken = 0
    deadline = time.monotonic() + TIMEOUT
    while taken < chats and time.monotonic() < deadline:
        for console in consoles:
            if taken == chats:
                break
            waiting = console.get("live/state.json")["waiting"]
            if not waiting:
                continue
            chat = waiting[0]
            if console.post(f"live/{chat['id']}/accept").status_code >= 400:
                continue  # another advisor was first
            sender = _sender_of(chat["id"])
            conversations.append(threading.Thread(target=advisor_side, args=(
                console, chat["id"], sender, rounds, figures, sent_at)))
            conversations[-1].start()
            taken += 1
        time.sleep(POLL_EVERY / 2)
    if taken < chats:
        figures.errors.append(f"only {taken} of {chats} chats were accepted")
    for thread in conversations + people:
        thread.join(TIMEOUT * rounds)
    return figures


_engine = None


def _sender_of(chat_id: int) -> str:
    with _engine.connect() as connection:
        return connection.execute(sa.text("SELECT sender_id FROM live_chats WHERE id = :i"),
                                  {"i": chat_id}).scalar()


def render(figures: Figures, chats: int, advisors: int, rounds: int, command: str) -> str:
    def row(name: str, values: List[float]) -> str:
        return (f"| {name} | {len(values):,} | {1000 * statistics.median(values):.0f} ms | "
                f"{1000 * percentile(values, 95):.0f} ms | {1000 * max(values):.0f} ms |"
                if values else f"| {name} | 0 | – | – | – |")

    return f"""## Live chat under load

`{command}` on this 2-core machine: the production profile (two Rasa processes behind
nginx, PostgreSQL, the Redis lock store) with {chats} live chats at once and {advisors}
advisors, {rounds} messages each way in every chat. People poll every second, as the
widget does; advisors' chat pages poll every second, as the console does. Delivery time
is from sending a message until the other side's poll shows it, so it includes waiting
for the next poll (0 to 1 s).

| Direction | Messages | p50 | p95 | Max |
|---|---|---|---|---|
{row("Advisor → person", figures.to_person)}
{row("Person → advisor", figures.to_advisor)}

Errors: {len(figures.errors)}. Messages lost, repeated or out of order: {len(figures.wrong)}.
Measured {time.strftime('%Y-%m-%d')}.
"""


def main() -> None:
    global _engine
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=20)
    parser.add_argument("--advisors", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_LIVE_DATABASE_URL", DEFAULT_DATABASE_URL)
    create_database(database_url)
    _engine = sa.create_engine(database_url)
    accounts = Accounts(_engine)
    for n in range(args.advisors):
        accounts.add(f"live-{n}", "advisor", PASSWORD)
    log_dir = ROOT / "results" / "live-load"
    env = {"DATABASE_URL": database_url,
           "REDIS_URL": os.environ.get("REDIS_URL", DEFAULT_REDIS_URL),
           "RASA_PROCESSES": "2", "LIVE_CHAT_HOURS": "always",
           "PRODUCTION_DIR": str(log_dir / "production")}
    print("starting the production profile ...", flush=True)
    with processes.production(env, log_dir / "production", model.ensure()):
        figures = run(args.chats, args.advisors, args.rounds)
    command = "make bench-live" + (f" ARGS='{' '.join(sys.argv[1:])}'" if sys.argv[1:] else "")
    text = render(figures, args.chats, args.advisors, args.rounds, command)
    report.write_section(Path(args.out), "live", text)
    print(text)
    for problem in figures.errors + figures.wrong:
        print(problem)
    if figures.errors or figures.wrong:
        raise SystemExit("Errors, or messages lost, repeated or out of order: see above.")


if __name__ == "__main__":
    main()
