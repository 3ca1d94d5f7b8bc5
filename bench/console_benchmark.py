"""Benchmark the advisors' console on a large PostgreSQL database.

    python -m bench.console_benchmark [--conversations 50000] [--out FILE] [--reuse]
    make bench-console ARGS='--conversations 500000'

Fills a PostgreSQL database of its own (BENCH_DATABASE_URL, by default `rj_bench` on
the local server, dropped and made again) with realistic conversations, about 20 events
each, and 2,000 callback requests. What the tracker store keeps beside the events is
computed by its own code (records/conversation_log.summarise) and loaded with COPY; the
events are built from the same turns inside PostgreSQL: 500,000 conversations (10
million events) take a few minutes. It then starts the console on the database and
times its pages over HTTP and, side by side, the queries a console without the summary
tables would need (straight over the events table). Writes the figures to
docs/benchmarks.md (or --out).
"""
from __future__ import annotations

import argparse
import io
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
from typing import Any, Callable, Dict, Iterable, List, Tuple

import requests
import sqlalchemy as sa

from bench import report
from console import queries
from records import callbacks, conversation_log, database, schema
from records.advisor_ids import AdvisorIds
from training.nlu_eval import labelled_examples

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/rj_bench"
PORT = 8091
BASE = f"http://localhost:{PORT}"
PASSWORD = "bench-admin-password"
REPEATS = 20
# The same answers from the events table take seconds at 500,000 conversations.
BASELINE_REPEATS = 3
LIMIT_MS = 300
CHUNK = 25_000
DAYS = 120
# Events of a conversation get ids n * 32 + k: in order, without sorting 10 million rows.
EVENT_SLOTS = 32
BULK_TABLES = ("conversation_summaries", "conversation_topics", "typed_messages",
               "understanding_gaps", "events")
BOT_TEXT = "Restorative justice gives you a voice. Call 0800 650 654."


def create_database(url: str) -> None:
    server = sa.engine.make_url(url).set(database="postgres")
    name = sa.engine.make_url(url).database
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def user_event(text: str, label: str, at: float) -> Dict[str, Any]:
    intent, _, topic = label.partition("/")
    confidence = random.uniform(0.45, 1.0)
    parse = {"text": text, "intent": {"name": intent, "confidence": confidence},
             "entities": [], "intent_ranking": [{"name": intent, "confidence": confidence}]}
    if topic:
        parse["response_selector"] = {"faq": {"response": {
            "intent_response_key": label, "confidence": random.uniform(0.3, 1.0)}}}
    return {"event": "user", "timestamp": at, "text": text, "parse_data": parse,
            "input_channel": "rest", "message_id": uuid.uuid4().hex, "metadata": {}}


def user_turns(examples: List[Tuple[str, str]], start: float) -> List[Dict[str, Any]]:
    at, turns = start, []
    for _ in range(random.choice([4, 4, 4, 5])):
        text, label = random.choice(examples)
        at += random.uniform(5, 90)
        turns.append(user_event(text, label, at))
    return turns


class Tables:
    """Rows for COPY, one text buffer per table."""

    def __init__(self) -> None:
        self.buffers: Dict[str, io.StringIO] = {}

    def add(self, table: str, *values: Any) -> None:
        line = "\t".join(r"\N" if v is None else _copy_text(v) for v in values)
        self.buffers.setdefault(table, io.StringIO()).write(line + "\n")

    def copy(self, cursor: Any, columns: Dict[str, str]) -> None:
        for table, buffer in self.buffers.items():
            buffer.seek(0)
            cursor.copy_expert(f"COPY {table} ({columns[table]}) FROM STDIN", buffer)


def _copy_text(value: Any) -> str:
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


COLUMNS = {
    "conversation_summaries": "sender_id, started_at, last_at, user_turns, crisis_turns, "
                              "fallback_turns, advisor_turns",
    "conversation_topics": "sender_id, topic, position, started_at",
    "typed_messages": "sender_id, text",
    "understanding_gaps": "sender_id, at, text, predicted, confidence",
    "bench_turns": "conversation, turn, sender_id, at, intent, data",
    "bench_conversations": "conversation, sender_id, started_at",
}

# The events around the person's turns, as the tracker store stores them.
EVENTS_SQL = [f"""
INSERT INTO events (id, sender_id, type_name, timestamp, intent_name, action_name, data)
SELECT c.conversation * {EVENT_SLOTS} + v.k, c.sender_id, v.type_name, c.started_at, NULL,
       v.action_name,
       json_build_object('event', v.type_name, 'timestamp', c.started_at, 'name',
                         v.action_name)::text
FROM bench_conversations c,
     (VALUES (0, 'action', 'action_session_start'), (1, 'session_started', NULL),
             (2, 'action', 'action_listen')) AS v(k, type_name, action_name)""", f"""
INSERT INTO events (id, sender_id, type_name, timestamp, intent_name, action_name, data)
SELECT t.conversation * {EVENT_SLOTS} + 3 + t.turn * 4 + v.k, t.sender_id, v.type_name,
       t.at + v.after, CASE WHEN v.k = 0 THEN t.intent END, v.action_name,
       CASE v.k WHEN 0 THEN t.data
                WHEN 2 THEN json_build_object(
                    'event', 'bot', 'timestamp', t.at + v.after, 'text', '{BOT_TEXT}',
                    'data', json_build_object('buttons', json_build_array(json_build_object(
                        'title', 'Call 0800 650 654', 'payload', 'tel:0800650654'))))::text
                ELSE json_build_object('event', 'action', 'timestamp', t.at + v.after,
                                       'name', v.action_name)::text END
FROM bench_turns t,
     (VALUES (0, 'user', NULL, 0.0), (1, 'action', 'utter_faq', 0.1),
             (2, 'bot', NULL, 0.1), (3, 'action', 'action_listen', 0.2))
         AS v(k, type_name, action_name, after)""",
    "SELECT setval('events_id_seq', (SELECT MAX(id) FROM events))",
    "DROP TABLE bench_turns", "DROP TABLE bench_conversations"]


def generate(count: int, examples: List[Tuple[str, str]], now: float
             ) -> Iterable[Tuple[Tables, List[str], int]]:
    """Chunks of conversations as rows for COPY, with their sender ids and event count."""
    number = 0
    while number < count:
        tables, senders, events = Tables(), [], 0
        for _ in range(min(CHUNK, count - number)):
            sender = str(uuid.uuid4())
            start = now - random.uniform(0, DAYS * 86400)
            turns = user_turns(examples, start)
            found = conversation_log.summarise(
                sender, [{"event": "action", "timestamp": start}] + turns)
            s = found.summary
            tables.add("conversation_summaries", sender, s["started_at"], s["last_at"],
                       s["user_turns"], s["crisis_turns"], s["fallback_turns"],
                       s["advisor_turns"])
            for position, topic in enumerate(found.topics, start=1):
                tables.add("conversation_topics", sender, topic, position, s["started_at"])
            for text in found.typed:
                tables.add("typed_messages", sender, text)
            for gap in found.gaps:
                tables.add("understanding_gaps", sender, gap["at"], gap["text"],
                           gap["predicted"], gap["confidence"])
            tables.add("bench_conversations", number, sender, start)
            for index, turn in enumerate(turns):
                tables.add("bench_turns", number, index, sender, turn["timestamp"],
                           turn["parse_data"]["intent"]["name"], json.dumps(turn))
            senders.append(sender)
            events += 3 + 4 * len(turns)
            number += 1
        yield tables, senders, events


def fill(url: str, count: int) -> Dict[str, Any]:
    from rasa.shared.core.domain import Domain

    from addons.tracker_store import ConversationStore

    random.seed(7)
    create_database(url)
    started = time.monotonic()
    # Rasa's events table and our tables, as the assistant makes them (migrations)
    engine = ConversationStore(Domain.load(str(ROOT / "domain.yml")), host=url).engine
    examples = labelled_examples(ROOT / "tests" / "nlu" / "held_out.yml")
    examples += [("he is outside my house right now", "crisis"),
                 ("flibber wobble", "nlu_fallback"), ("can i talk to a person", "request_advisor")]
    with engine.begin() as connection:
        # Indexes are built once after loading, as the migrations define them.
        indexes = connection.execute(sa.text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN :tables "
            "AND indexname NOT LIKE '%\\_pkey'").bindparams(
                sa.bindparam("tables", expanding=True)), {"tables": list(BULK_TABLES)}).all()
        for name, _ in indexes:
            connection.execute(sa.text(f'DROP INDEX "{name}"'))
        connection.execute(sa.text(
            "CREATE UNLOGGED TABLE bench_turns (conversation integer, turn integer, "
            "sender_id varchar(255), at float8, intent varchar(255), data text)"))
        connection.execute(sa.text(
            "CREATE UNLOGGED TABLE bench_conversations (conversation integer, "
            "sender_id varchar(255), started_at float8)"))
    now, senders, total_events = time.time(), [], 0
    raw = engine.raw_connection()
    try:
        for tables, chunk, events in generate(count, examples, now):
            with raw.cursor() as cursor:
                tables.copy(cursor, COLUMNS)
            raw.commit()
            senders += chunk
            total_events += events
            print(f"  {len(senders):,} conversations", flush=True)
        with raw.cursor() as cursor:
            print("  events ...", flush=True)
            for statement in EVENTS_SQL:
                cursor.execute(statement)
            print("  indexes ...", flush=True)
            for _, definition in indexes:
                cursor.execute(definition)
        raw.commit()
    finally:
        raw.close()
    requests_store = callbacks.CallbackRequests(engine)
    for sender in random.sample(senders, 2000):
        requests_store.save_draft(sender, "phone", "021 123 4567")
        reference = requests_store.submit(sender, "after 5pm", False, "Aroha")
        if random.random() < .75:
            requests_store.mark_contacted(reference, "mere")
    # As autovacuum leaves the tables in steady use: statistics, and the visibility map
    # that lets index-only scans skip the table.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in BULK_TABLES[:-1] + ("callback_requests",):
            connection.execute(sa.text(f"VACUUM ANALYZE {table}"))
        connection.execute(sa.text("ANALYZE events"))
    return {"conversations": count, "events": total_events,
            "fill_seconds": time.monotonic() - started,
            "sample": AdvisorIds(engine).show(senders[len(senders) // 2])}


def timed(call: Callable[[], None], repeats: int = REPEATS, warm_ups: int = 2
          ) -> Dict[str, float]:
    for _ in range(warm_ups):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return {"median": statistics.median(times), "p95": report.percentile(times, 95),
            "max": max(times)}


def page_timings(sample: str) -> Dict[str, Dict[str, float]]:
    http = requests.Session()
    http.post(f"{BASE}/login", data={"username": "admin", "password": PASSWORD}, timeout=30)

    def get(path: str, **params: str) -> Callable[[], None]:
        def call() -> None:
            response = http.get(BASE + path, params=params, timeout=120)
            assert response.ok and "Sign in" not in response.text, path
        return call

    month_ago = datetime.fromtimestamp(time.time() - 30 * 86400, timezone.utc).date()
    return {
        "Callback queue (new, oldest first)": timed(get("/queue")),
        "Conversations, newest first": timed(get("/conversations")),
        "Conversations, page 500": timed(get("/conversations", page="500")),
        "Filtered: crisis, last 30 days": timed(get(
            "/conversations", crisis="1", since=month_ago.isoformat())),
        "Filtered: topic faq/cost": timed(get("/conversations", topic="faq/cost")),
        "Filtered: topic faq/cost, asked for an advisor": timed(get(
            "/conversations", topic="faq/cost", advisor="1")),
        "Search what people typed (\"facilitator\", common)": timed(get(
            "/conversations", q="facilitator")),
        "Search, two words (\"whānau marae\")": timed(get("/conversations",
                                                          q="whānau marae")),
        "Search, a rare misspelling (\"burgalry\")": timed(get("/conversations",
                                                               q="burgalry")),
        "Transcript": timed(get(f"/conversations/{sample}")),
        "Dashboard (30 days)": timed(get("/dashboard")),
    }


def baseline_timings(url: str) -> Dict[str, Dict[str, float]]:
    """The same answers without the summary tables: straight from the events."""
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
            "GROUP BY sender_id ORDER BY MAX(timestamp) DESC LIMIT 50"),
            BASELINE_REPEATS, warm_ups=1),
        "Search what people typed (\"facilitator\")": timed(query(
            "SELECT sender_id, MAX(timestamp) FROM events WHERE type_name = 'user' "
            "AND LOWER(data) LIKE '%facilitator%' GROUP BY sender_id "
            "ORDER BY MAX(timestamp) DESC LIMIT 50"), BASELINE_REPEATS, warm_ups=1),
    }


def ours_sql_timings(url: str) -> Dict[str, Dict[str, float]]:
    engine = database.create_engine(url)
    schema.create(engine)
    return {
        "Conversations, newest first": timed(lambda: queries.list_conversations(
            engine, queries.Filters())),
        "Search what people typed (\"facilitator\")": timed(
            lambda: queries.conversation_page(engine, queries.Filters(search="facilitator"))),
    }


def filled_before(url: str) -> Dict[str, Any]:
    """What an earlier run left in the database (--reuse)."""
    engine = database.create_engine(url)
    schema.create(engine)
    with engine.connect() as connection:
        count = connection.execute(sa.text("SELECT COUNT(*) FROM conversation_summaries")).scalar()
        events = connection.execute(sa.text("SELECT COUNT(*) FROM events")).scalar()
        sample = connection.execute(sa.text(
            "SELECT sender_id FROM conversation_summaries ORDER BY sender_id "
            "OFFSET :n LIMIT 1"), {"n": count // 2}).scalar()
    return {"conversations": count, "events": events, "fill_seconds": None,
            "sample": AdvisorIds(engine).show(sample)}


def search_matches(url: str) -> int:
    engine = database.create_engine(url)
    return queries.count_conversations(engine, queries.Filters(search="facilitator"))


def render(filled: Dict, pages: Dict, ours_sql: Dict, baseline: Dict, matches: int,
           command: str) -> str:
    lines = [
        f"## Advisor console on PostgreSQL, {filled['conversations']:,} conversations",
        "",
        f"Produced by `{command}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC "
        f"({platform.machine()}, {os.cpu_count()} cores, PostgreSQL on the same machine).",
        "",
        f"The database held {filled['conversations']:,} conversations over {DAYS} days "
        f"with {filled['events']:,} events (what the tracker store keeps beside them "
        "computed by its own code, loaded with COPY; " + (
            f"{filled['fill_seconds']:.0f} s to fill" if filled["fill_seconds"] is not None
            else "filled by an earlier run") + ") and 2,000 callback requests. "
        f"\"facilitator\" is in {matches:,} conversations. Each page was requested over "
        f"HTTP from the running console, signed in, {REPEATS} times after 2 warm-ups; "
        "times include rendering and the audit-log write each view makes. "
        f"Target: under {LIMIT_MS} ms.",
        "",
        f"| Page | median ms | p95 ms | max ms | under {LIMIT_MS} ms |",
        "|---|---:|---:|---:|---|",
    ]
    for name, t in pages.items():
        ok = "yes" if t["p95"] < LIMIT_MS else "**no**"
        lines.append(f"| {name} | {t['median']:.0f} | {t['p95']:.0f} | {t['max']:.0f} | {ok} |")
    lines += [
        "",
        "Side by side, the database query alone: ours (on the tables the tracker store "
        "keeps) against the same answer computed from the `events` table, which is what "
        f"the console would need without them ({BASELINE_REPEATS} runs).",
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
    parser.add_argument("--reuse", action="store_true",
                        help="time the database an earlier run filled, without filling it")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if args.reuse:
        filled = filled_before(url)
    else:
        print(f"Filling {url} with {args.conversations:,} conversations ...", flush=True)
        filled = fill(url, args.conversations)
        print(f"Filled in {filled['fill_seconds']:.0f} s.", flush=True)
    env = {**os.environ, "DATABASE_URL": url, "CONSOLE_ADMIN_PASSWORD": PASSWORD}
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
    command = "make bench-console" + (f" ARGS='--conversations {filled['conversations']}'"
                                      if filled["conversations"] != 50_000 else "")
    text = render(filled, pages, ours_sql, baseline, search_matches(url), command)
    report.write_section(Path(args.out), f"console-{filled['conversations']}", text)
    print(text)


if __name__ == "__main__":
    main()
