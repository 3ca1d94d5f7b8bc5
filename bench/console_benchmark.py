"""Benchmark the advisors' console on a large PostgreSQL database.

    python -m bench.console_benchmark [--conversations 50000]     # make bench-console

Fills a PostgreSQL database of its own (BENCH_DATABASE_URL, by default `rj_bench` on
the local server, created if missing) with realistic conversations, about 20 events
each, the way the tracker store writes them (events plus summaries), and callback
requests. It then starts the console on it and times its pages over HTTP, and, side by
side, the queries a console without the summary table would need (straight over the
events table). Writes the figures to docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import requests
import sqlalchemy as sa

from bench import report
from records import callbacks, conversations
from devtools import run
from training.nlu_eval import labelled_examples

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/rj_bench"
PORT = 8091
BASE = f"http://localhost:{PORT}"
PASSWORD = "bench-admin-password"
REPEATS = 20
LIMIT_MS = 300


def create_database(url: str) -> None:
    server = sa.engine.make_url(url).set(database="postgres")
    name = sa.engine.make_url(url).database
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                    {"n": name}).first()
        if exists:
            connection.execute(sa.text(f'DROP DATABASE "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))


def user_event(text: str, label: str, at: float) -> Dict:
    intent, _, topic = label.partition("/")
    confidence = random.uniform(0.45, 1.0)
    parse = {"text": text, "intent": {"name": intent, "confidence": confidence},
             "entities": [], "intent_ranking": [{"name": intent, "confidence": confidence}]}
    if topic:
        parse["response_selector"] = {"faq": {"response": {
            "intent_response_key": label, "confidence": random.uniform(0.3, 1.0)}}}
    return {"event": "user", "timestamp": at, "text": text, "parse_data": parse,
            "input_channel": "rest", "message_id": uuid.uuid4().hex, "metadata": {}}


def conversation(examples: List[Tuple[str, str]], start: float) -> List[Dict]:
    at = start
    events = [{"event": "action", "timestamp": at, "name": "action_session_start"},
              {"event": "session_started", "timestamp": at},
              {"event": "action", "timestamp": at, "name": "action_listen"}]
    for _ in range(random.choice([4, 4, 4, 5])):
        text, label = random.choice(examples)
        at += random.uniform(5, 90)
        events.append(user_event(text, label, at))
        events.append({"event": "action", "timestamp": at + .1, "name": "utter_faq"})
        events.append({"event": "bot", "timestamp": at + .1,
                       "text": "Restorative justice gives you a voice. Call 0800 650 654.",
                       "data": {"buttons": [{"title": "Call 0800 650 654",
                                             "payload": "tel:0800650654"}]}})
        events.append({"event": "action", "timestamp": at + .2, "name": "action_listen"})
    return events


def fill(url: str, count: int) -> Dict[str, float]:
    from rasa.shared.core.domain import Domain

    from addons.tracker_store import ConversationStore

    random.seed(7)
    create_database(url)
    store = ConversationStore(Domain.load(str(ROOT / "domain.yml")), host=url)
    engine = store.engine
    examples = labelled_examples(ROOT / "tests" / "nlu" / "held_out.yml")
    examples += [("he is outside my house right now", "crisis"),
                 ("flibber wobble", "nlu_fallback"), ("can i talk to a person", "request_advisor")]
    now = time.time()
    started = time.monotonic()
    total_events = 0
    senders = []
    raw = engine.raw_connection()
    try:
        from psycopg2.extras import execute_values

        for batch in range(0, count, 1000):
            rows, summaries = [], []
            for _ in range(min(1000, count - batch)):
                sender = str(uuid.uuid4())
                senders.append(sender)
                events = conversation(examples, now - random.uniform(0, 120 * 86400))
                summaries.append((sender, events))
                for e in events:
                    intent = (e.get("parse_data") or {}).get("intent", {}).get("name")
                    rows.append((sender, e["event"], e["timestamp"], intent, e.get("name"),
                                 json.dumps(e)))
            with raw.cursor() as cursor:
                execute_values(cursor, "INSERT INTO events (sender_id, type_name, timestamp, "
                               "intent_name, action_name, data) VALUES %s", rows,
                               page_size=5000)
            raw.commit()
            total_events += len(rows)
            with engine.begin() as connection:
                for sender, events in summaries:
                    conversations.record_turns(connection, sender, events)
            print(f"  {batch + len(summaries)} conversations, {total_events} events",
                  flush=True)
    finally:
        raw.close()
    requests_store = callbacks.CallbackRequests(engine)
    for sender in random.sample(senders, 2000):
        requests_store.save_draft(sender, "phone", "021 123 4567")
        reference = requests_store.submit(sender, "after 5pm", False, "Aroha")
        if random.random() < .75:
            requests_store.mark_contacted(reference, "mere")
    with engine.connect() as connection:
        connection.execute(sa.text("ANALYZE"))
    return {"conversations": count, "events": total_events,
            "fill_seconds": time.monotonic() - started, "sample": senders[len(senders) // 2]}


def timed(call: Callable[[], None]) -> Dict[str, float]:
    for _ in range(2):
        call()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"median": statistics.median(times), "p95": times[int(len(times) * .95) - 1],
            "max": times[-1]}


def page_timings(sample: str) -> Dict[str, Dict[str, float]]:
    http = requests.Session()
    http.post(f"{BASE}/login", data={"username": "admin", "password": PASSWORD}, timeout=30)

    def get(path: str, **params) -> Callable[[], None]:
        def call() -> None:
            response = http.get(BASE + path, params=params, timeout=60)
            assert response.ok and "Sign in" not in response.text, path
        return call

    return {
        "Callback queue (new, oldest first)": timed(get("/queue")),
        "Conversations, newest first": timed(get("/conversations")),
        "Conversations, page 500": timed(get("/conversations", page="500")),
        "Filtered: crisis, last 30 days": timed(get(
            "/conversations", crisis="1",
            since=datetime.fromtimestamp(time.time() - 30 * 86400, timezone.utc).date().isoformat())),
        "Filtered: topic faq/cost, asked for an advisor": timed(get(
            "/conversations", topic="faq/cost", advisor="1")),
        "Search what people typed (\"facilitator\")": timed(get("/conversations",
                                                                q="facilitator")),
        "Transcript": timed(get(f"/conversations/{sample}")),
    }


def baseline_timings(url: str) -> Dict[str, Dict[str, float]]:
    """The same answers without the summary table: straight from the events."""
    engine = sa.create_engine(url)

    def query(sql: str) -> Callable[[], None]:
        def call() -> None:
            with engine.connect() as connection:
                connection.execute(sa.text(sql)).fetchall()
        return call

    return {
        "Conversations, newest first": timed(query(
            "SELECT sender_id, MIN(timestamp), MAX(timestamp), "
            "SUM(CASE WHEN type_name = 'user' THEN 1 ELSE 0 END) FROM events "
            "GROUP BY sender_id ORDER BY MAX(timestamp) DESC LIMIT 50")),
        "Search what people typed (\"facilitator\")": timed(query(
            "SELECT DISTINCT sender_id FROM events WHERE type_name = 'user' "
            "AND LOWER(data) LIKE '%facilitator%' LIMIT 50")),
    }


def ours_sql_timings(url: str) -> Dict[str, Dict[str, float]]:
    engine = sa.create_engine(url)
    return {
        "Conversations, newest first": timed(lambda: conversations.list_conversations(
            engine, conversations.Filters())),
        "Search what people typed (\"facilitator\")": timed(
            lambda: conversations.list_conversations(
                engine, conversations.Filters(search="facilitator"))),
    }


def render(filled: Dict, pages: Dict, ours_sql: Dict, baseline: Dict, command: str) -> str:
    lines = [
        "## Advisor console on PostgreSQL",
        "",
        f"Produced by `{command}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC "
        f"({platform.machine()}, {os.cpu_count()} cores, PostgreSQL on the same machine).",
        "",
        f"The database held {filled['conversations']:,} conversations with "
        f"{filled['events']:,} events (written as the tracker store writes them: events "
        f"plus conversation summaries; {filled['fill_seconds']:.0f} s to fill) and 2,000 "
        "callback requests. Each page was requested over HTTP from the running console, "
        f"signed in, {REPEATS} times after 2 warm-ups; times include the audit-log write "
        "each view makes. Target: under 300 ms.",
        "",
        "| Page | median ms | p95 ms | max ms | under 300 ms |",
        "|---|---:|---:|---:|---|",
    ]
    for name, t in pages.items():
        ok = "yes" if t["p95"] < LIMIT_MS else "**no**"
        lines.append(f"| {name} | {t['median']:.0f} | {t['p95']:.0f} | {t['max']:.0f} | {ok} |")
    lines += [
        "",
        "Side by side, the database query alone: ours (on `conversation_summaries`, kept "
        "by the tracker store) against the same answer computed from the `events` table, "
        "which is what the console would need without the summaries.",
        "",
        "| Query | ours median ms | from events median ms | ratio |",
        "|---|---:|---:|---:|",
    ]
    for name, t in baseline.items():
        o = ours_sql[name]
        lines.append(f"| {name} | {o['median']:.1f} | {t['median']:.0f} | "
                     f"{t['median'] / o['median']:.0f}× |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=50_000)
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    print(f"Filling {url} with {args.conversations} conversations ...", flush=True)
    filled = fill(url, args.conversations)
    env = {**os.environ, **run.QUIET_ENV, "DATABASE_URL": url,
           "CONSOLE_ADMIN_PASSWORD": PASSWORD}
    console = subprocess.Popen([sys.executable, "-m", "console", "serve", "--port", str(PORT)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{BASE}/login", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        print("Timing pages ...", flush=True)
        pages = page_timings(filled["sample"])
    finally:
        console.terminate()
        console.wait(30)
    print("Timing queries side by side ...", flush=True)
    baseline = baseline_timings(url)
    ours_sql = ours_sql_timings(url)
    command = "make bench-console" + (f" ARGS='--conversations {args.conversations}'"
                                      if args.conversations != 50_000 else "")
    text = render(filled, pages, ours_sql, baseline, command)
    report.write_section(Path(args.out), "console", text)
    print(text)


if __name__ == "__main__":
    main()
