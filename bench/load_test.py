"""Load on the production profile: many people at once, and proof that nothing is lost.

    python -m bench.load_test [--conversations 100] [--turns 20] [--processes 1,2]

(make bench-load.)

For each count of Rasa processes, in one run: starts the production profile
(serving/production.py: supervisord, nginx)
on this machine's PostgreSQL (BENCH_LOAD_DATABASE_URL, by default database `rj_load`,
created afresh) and Redis (REDIS_URL, by default redis://127.0.0.1:6379/0), then
runs `conversations` simultaneous conversations of `turns` messages each through the
REST channel, every person waiting for each reply. Reports latency p50/p95/p99,
messages per second and errors, then checks the database: every message sent and
every reply received must be stored, in order. One Rasa process is the baseline for
the default two. Writes the figures to docs/benchmarks.md. Loopback only.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests
import sqlalchemy as sa

from bench import report
from bench.benchmark import rss_mb
from bench.console_benchmark import create_database
from devtools import processes
from records.masking import ANSWER, EMAIL, NAME, PHONE, mask
from serving.settings import settings
from training import model, nlu_eval

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/rj_load"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass
class LoadReport:
    conversations: int
    turns: int
    latencies: List[float] = field(default_factory=list)
    first_latencies: List[float] = field(default_factory=list)  # each conversation's first
    seconds: float = 0.0
    errors: List[str] = field(default_factory=list)
    lost: List[str] = field(default_factory=list)
    sent: Dict[str, List[str]] = field(default_factory=dict)
    received: Dict[str, List[str]] = field(default_factory=dict)

    @property
    def messages(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def percentile(self, p: float, first_only: bool = False) -> float:
        return report.percentile(self.first_latencies if first_only else self.latencies, p)


def scripts(conversations: int, turns: int) -> List[List[str]]:
    """What each person says: held-out questions, greetings, small talk and callback
    requests, in turn. Not "delete my conversation": that rightly leaves nothing stored."""
    texts = [text for text, label in nlu_eval.labelled_examples()
             if label != "delete_conversation"]
    return [[texts[(c * turns + t) % len(texts)] for t in range(turns)]
            for c in range(conversations)]


def paragraphs(texts: List[str]) -> List[str]:
    return [mask(p.strip()) for text in texts for p in text.split("\n\n") if p.strip()]


def run_load(conversations: int = 100, turns: int = 20,
             rest_url: str = settings().rest_url) -> LoadReport:
    result = LoadReport(conversations, turns)
    lock = threading.Lock()

    def person(script: List[str]) -> None:
        session, sender = requests.Session(), str(uuid.uuid4())
        sent, received = [], []
        for turn, text in enumerate(script):
            started = time.perf_counter()
            problem: Optional[str] = None
            try:
                response = session.post(rest_url, json={"sender": sender, "message": text},
                                        timeout=120)
                if response.status_code != 200:
                    problem = f"HTTP {response.status_code}"
                else:
                    replies = response.json()
                    if not replies or "0800 650 654" not in json.dumps(replies):
                        problem = "a reply without the line"
                    received += [reply.get("text") or "" for reply in replies]
            except requests.RequestException as error:
                problem = type(error).__name__
            sent.append(text)
            with lock:
                result.latencies.append(time.perf_counter() - started)
                if turn == 0:
                    result.first_latencies.append(result.latencies[-1])
                if problem:
                    result.errors.append(f"{sender}: {problem}")
        with lock:
            result.sent[sender], result.received[sender] = sent, received

    threads = [threading.Thread(target=person, args=(script,))
               for script in scripts(conversations, turns)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def warm_up(all_scripts: List[List[str]], workers: int,
            rest_url: str = settings().rest_url) -> None:
    """Each distinct message once per worker: TensorFlow traces a new graph the first
    time it sees a message of a new length, a start-up cost, not the steady state.
    A new connection for each, so that every worker gets its share."""
    texts = sorted({text for script in all_scripts for text in script})
    for text in texts * workers:
        requests.post(rest_url, json={"sender": str(uuid.uuid4()), "message": text},
                      timeout=120)


FORM_PLACEHOLDERS = {ANSWER, EMAIL, NAME, PHONE}


def same_messages(stored: List[str], sent: List[str]) -> bool:
    """Stored as sent, but masked, and an answer to the callback form as a placeholder."""
    return len(stored) == len(sent) and all(
        kept == mask(text) or kept in FORM_PLACEHOLDERS
        for kept, text in zip(stored, sent, strict=True))


def check_stored(result: LoadReport, database_url: str) -> LoadReport:
    """Every message sent and every reply received is in the database, in order."""
    query = sa.text("SELECT type_name, data FROM events WHERE sender_id = :s "
                    "AND type_name IN ('user', 'bot') ORDER BY id")
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        for sender, sent in result.sent.items():
            rows = connection.execute(query, s=sender).all()
            said = [json.loads(data)["text"] for kind, data in rows if kind == "user"]
            answered = [json.loads(data)["text"] or "" for kind, data in rows if kind == "bot"]
            if not same_messages(said, sent):
                result.lost.append(f"{sender}: {len(said)} of {len(sent)} messages stored")
            if paragraphs(answered) != paragraphs(result.received[sender]):
                result.lost.append(f"{sender}: stored replies differ from those received")
    engine.dispose()
    return result


def measure(processes_count: int, conversations: int, turns: int, database_url: str,
            redis_url: str, log_dir: Path, model_path: Path) -> Dict:
    env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "RASA_PROCESSES": str(processes_count),
           "PRODUCTION_DIR": str(log_dir / f"processes-{processes_count}")}
    label = f"[{processes_count} Rasa process(es)]"
    print(f"{label} starting the production profile ...", flush=True)
    stack = processes.production(env, log_dir / f"processes-{processes_count}", model_path)
    with stack:
        warm_up(scripts(conversations, turns), processes_count)
        burst = run_load(conversations, 1)  # only first messages, all at once
        print(f"{label} {conversations} conversations x {turns} turns ...", flush=True)
        result = run_load(conversations, turns)
        first_port = settings().rasa_process_port
        memory = sum(rss_mb(processes.listening_pid(port))["VmRSS"]
                     for port in range(first_port, first_port + processes_count))
    check_stored(result, database_url)
    print(f"{label} {result.per_second:.1f} msg/s, p95 "
          f"{1000 * result.percentile(95):.0f} ms, {len(result.errors)} errors, "
          f"{len(result.lost)} lost", flush=True)
    return {"workers": processes_count, "result": result, "rss_mb": memory,
            "burst_seconds": max(burst.latencies)}


HEADER = ("| Rasa processes | Messages | Wall time | Messages/s | p50 | p95 | p99 "
          "| p95 of first messages | Errors | Lost | RSS (all Rasa processes) |")


def render(measured: List[Dict], command: str) -> str:
    rows = []
    for m in measured:
        r: LoadReport = m["result"]
        rows.append(
            f"| {m['workers']} | {r.messages:,} | {r.seconds:.1f} s | {r.per_second:.1f} | "
            f"{1000 * r.percentile(50):.0f} ms | {1000 * r.percentile(95):.0f} ms | "
            f"{1000 * r.percentile(99):.0f} ms | {1000 * r.percentile(95, first_only=True):.0f} ms"
            f" | {len(r.errors)} | {len(r.lost)} | "
            f"{m['rss_mb']:,.0f} MB |")
    base, *rest = measured
    first = measured[0]["result"]
    scale = ""
    if rest and base["result"].per_second:
        scale = (f"One Rasa process is the baseline: with {rest[-1]['workers']}, throughput is "
                 f"{rest[-1]['result'].per_second / base['result'].per_second:.2f}× of it.\n")
    burst_times = [f"{m['burst_seconds']:.1f} s ({m['workers']} process"
                   f"{'es' if m['workers'] > 1 else ''})" for m in measured]
    return f"""## Load on the production profile

`{command}` on this 2-core machine: the production profile (`make run-prod`:
PostgreSQL, Redis lock store, Rasa processes behind nginx, action server) with
{first.conversations} people chatting at once, {first.turns} messages each, every person
waiting for each reply (no pauses: the server is saturated). Afterwards every
conversation is read back from PostgreSQL: each message sent and each reply received
must be stored, in order ("lost" counts conversations where one is not).

{HEADER}
|---|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

{scale}
Latency here is queueing: {first.conversations} people send at the same instant and
never pause, so the 2 cores are saturated throughout. nginx gives each message to the
Rasa process with the fewest messages in hand, so a conversation that starts during the
burst waits no longer than the rest (the first messages' own column). On their own,
{first.conversations} first messages sent at the same instant are all answered within
{" and ".join(burst_times)}.
People who pause to read and type
see the per-message times in "Our assistant against stock Rasa" above; capacity is the
messages per second here.
Measured {time.strftime('%Y-%m-%d')}.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--processes", default="1,2",
                        help="counts of Rasa processes, comma-separated")
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_LOAD_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    create_database(database_url)
    model_path = model.ensure()
    measured = [measure(int(n), args.conversations, args.turns, database_url, redis_url,
                        ROOT / "results" / "load", model_path)
                for n in args.processes.split(",")]
    command = "make bench-load" + (
        f" ARGS='{' '.join(a for a in sys.argv[1:])}'" if sys.argv[1:] else "")
    text = render(measured, command)
    report.write_section(Path(args.out), "load", text)
    print(text)
    if any(m["result"].errors or m["result"].lost for m in measured):
        raise SystemExit("Errors or lost messages: see above.")


if __name__ == "__main__":
    main()
