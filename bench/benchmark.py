"""Our assistant against stock Rasa on the same training data, side by side.

    python -m bench.benchmark [--messages 400] [--out docs/benchmarks.md]   # make bench

Stock is Rasa's default config with Rasa's own SQL tracker store; a third column runs
the stock config on our tracker store, to tell the two effects apart. For each, in one
run on this machine: training time, start-up time
(launch until the REST channel answers), reply latency p50/p95 and messages per second
through the REST channel, and the Rasa server's resident memory (RSS) after the load.
Writes the figures to docs/benchmarks.md.

Three loads, each a number of simulated people, each waiting for the bot's reply:
- 1 conversation, sending its next message as soon as the reply arrives;
- 20 concurrent conversations, likewise with no pause: the server is saturated, so this
  measures its capacity (messages per second), and latency is mostly queueing;
- 20 concurrent conversations of people who pause 1-3 s between a reply and their next
  message (reading and typing; real people on a phone are slower still).
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import requests

from bench import report
from devtools import processes
from serving.settings import settings
from training import model, nlu_eval

ROOT = Path(__file__).resolve().parent.parent
TURNS_PER_CONVERSATION = 5
THINK_SECONDS = (1.0, 3.0)
# One long conversation: the median latency of ten turns around each of these.
LONG_TURNS = 150
TURN_WINDOWS = [(1, 10), (21, 30), (46, 55), (96, 105), (141, 150)]
LOADS = [  # (label, concurrent conversations, pause between messages)
    ("1 conversation", 1, None),
    ("20 concurrent, no pause", 20, None),
    ("20 concurrent, 1-3 s pauses", 20, THINK_SECONDS),
]


@dataclass
class LoadResult:
    concurrency: int
    latencies: List[float]
    seconds: float
    errors: int

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        return report.percentile(self.latencies, p)


@dataclass
class Measurement:
    name: str
    model: str
    endpoints: str
    training_seconds: float = 0.0
    startup_seconds: float = 0.0
    rss_mb: float = 0.0
    peak_rss_mb: float = 0.0
    loads: Dict[str, LoadResult] = field(default_factory=dict)
    by_turn: List[float] = field(default_factory=list)  # seconds, turn 1 first

    def turn_median(self, first: int, last: int) -> float:
        return statistics.median(self.by_turn[first - 1:last])


def messages() -> List[str]:
    return [text for text, _ in nlu_eval.labelled_examples()]


def converse(texts: List[str], count: int, concurrency: int,
             think: Optional[Tuple[float, float]] = None) -> LoadResult:
    """`concurrency` conversations at once, each a user waiting for every reply and,
    with `think`, pausing a random number of seconds in that range before the next."""
    latencies: List[float] = []
    errors = 0
    lock = threading.Lock()
    next_index = iter(range(count))
    pauses = random.Random(42)

    def conversation_worker() -> None:
        nonlocal errors
        session = requests.Session()
        sender, turn = f"bench-{uuid.uuid4()}", 0
        while True:
            with lock:
                i = next(next_index, None)
            if i is None:
                return
            if turn == TURNS_PER_CONVERSATION:
                sender, turn = f"bench-{uuid.uuid4()}", 0
            start = time.perf_counter()
            try:
                response = session.post(settings().rest_url, timeout=120,
                                        json={"sender": sender, "message": texts[i % len(texts)]})
                ok = response.ok and bool(response.json())
            except requests.RequestException:
                ok = False
            elapsed = time.perf_counter() - start
            turn += 1
            with lock:
                latencies.append(elapsed)
                errors += not ok
            if think:
                time.sleep(pauses.uniform(*think))

    threads = [threading.Thread(target=conversation_worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(concurrency, latencies, time.perf_counter() - started, errors)


def long_conversation(turns: int = LONG_TURNS) -> List[float]:
    """One person asking question after question (FAQ questions only, so no form starts
    and every turn is alike): the latency of each turn, in order."""
    questions = [text for text, label in nlu_eval.labelled_examples()
                 if label.startswith("faq/")]
    session, sender, latencies = requests.Session(), f"bench-long-{uuid.uuid4()}", []
    for turn in range(turns):
        started = time.perf_counter()
        response = session.post(settings().rest_url, timeout=120, json={
            "sender": sender, "message": questions[turn % len(questions)]})
        response.raise_for_status()
        latencies.append(time.perf_counter() - started)
    return latencies


def rss_mb(pid: int) -> Dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def measure(name: str, model_path: Path, endpoints: str, count: int,
            workdir: Path) -> Measurement:
    result = Measurement(name, str(model_path), endpoints)
    database = workdir / f"{name}.db"
    stack = processes.development(model_path, workdir / f"logs-{name}" / "make-run.log", env={
        "RASA_ENDPOINTS": endpoints, "DATABASE_URL": f"sqlite:///{database}",
        "BENCH_STOCK_DB": str(database)})
    print(f"[{name}] starting ...", flush=True)
    with stack:
        result.startup_seconds = stack.ready_at - stack.started_at
        texts = messages()
        # Warm-up: every message once, since TensorFlow traces a new graph the first
        # time it sees an input of a new length, which is not steady-state speed.
        converse(texts, len(texts), 4)
        for label, concurrency, think in LOADS:
            n = count if think is None else count // 2
            print(f"[{name}] {label}: {n} messages ...", flush=True)
            load = result.loads[label] = converse(texts, n, concurrency, think)
            print(f"[{name}]   {load.per_second:.1f} msg/s, "
                  f"p50 {1000 * load.percentile(50):.0f} ms,"
                  f" p95 {1000 * load.percentile(95):.0f} ms", flush=True)
        memory = rss_mb(processes.listening_pid(settings().rasa_port))
        print(f"[{name}] one conversation of {LONG_TURNS} turns ...", flush=True)
        result.by_turn = long_conversation()
        result.rss_mb, result.peak_rss_mb = memory["VmRSS"], memory["VmHWM"]
    return result


def train_timed(config: str, name: str, workdir: Path) -> Tuple[Path, float]:
    print(f"[{name}] training with {config} ...", flush=True)
    started = time.perf_counter()
    model_path = model.train(config=config, prefix=f"bench-{name}-", out=workdir)
    return model_path, time.perf_counter() - started


def render(results: List[Measurement], command: str, count: int) -> str:
    ours, stock, stock_on_ours = results

    def row(label, fn, fmt, better):
        a, b, c = fn(ours), fn(stock), fn(stock_on_ours)
        ratio = (a / b if better == "higher" else b / a) if a and b else float("nan")

        def shown(value: float, form: str = fmt) -> str:
            return "not measured" if math.isnan(value) else form.format(value)
        return (f"| {label} | {shown(a)} | {shown(b)} | {shown(ratio, '{:.2f}×')} "
                f"| {shown(c)} |")

    rows = []
    for label, _, think in LOADS:
        if think is None:
            rows.append(row(f"Throughput, {label} (msg/s)",
                            lambda m, load=label: m.loads[load].per_second, "{:.1f}", "higher"))
        for p in (50, 95):
            rows.append(row(f"Latency p{p}, {label} (ms)",
                            lambda m, load=label, p=p: 1000 * m.loads[load].percentile(p),
                            "{:.0f}", "lower"))
    for first, last in TURN_WINDOWS:
        rows.append(row(f"Latency, one conversation, turns {first}–{last} (median ms)",
                        lambda m, f=first, t=last: 1000 * m.turn_median(f, t), "{:.0f}",
                        "lower"))
    first_window, last_window = TURN_WINDOWS[0], TURN_WINDOWS[-1]
    rows.append(row(f"Growth: turns {last_window[0]}–{last_window[1]} / turns "
                    f"{first_window[0]}–{first_window[1]}",
                    lambda m: m.turn_median(*last_window) / m.turn_median(*first_window),
                    "{:.2f}×", "lower"))
    rows += [
        row("Rasa server RSS after load (MB)", lambda m: m.rss_mb, "{:.0f}", "lower"),
        row("Rasa server peak RSS (MB)", lambda m: m.peak_rss_mb, "{:.0f}", "lower"),
        row("Start-up until REST answers (s)", lambda m: m.startup_seconds, "{:.1f}", "lower"),
        row("Training time (s)", lambda m: m.training_seconds, "{:.0f}", "lower"),
    ]
    errors = ", ".join(f"{m.name} {sum(load.errors for load in m.loads.values())}" for m in results)
    return f"""## Our assistant against stock Rasa

Produced by `{command}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC
({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}), all
columns in the same run, one after the other.

- **Ours**: `config.yml` and `endpoints.yml` (our tracker store, `addons/tracker_store.py`).
- **Stock**: the same training data (`data/`, `domain.yml`) trained with Rasa's stock
  default config (`bench/stock_config.yml`) and kept in Rasa's own SQL tracker store
  (`bench/stock_endpoints.yml`), both on SQLite.
- **Stock config, our store**: stock config on our tracker store, to show how much of
  the difference comes from the NLU/policy config and how much from the store.

All are served the same way (`make run`'s Procfile: action server + `rasa run`, REST
channel). The messages are the held-out test questions; a conversation is
{TURNS_PER_CONVERSATION} turns, and each simulated person waits for the reply before
sending the next message. The loads without
pauses send {count} messages each and measure capacity: with 20 conversations and no
pause the server is saturated and latency is mostly time spent queueing. The load with
1-3 s pauses (people reading and typing) sends {count // 2}. Then one person asks
{LONG_TURNS} FAQ questions in one conversation, one after another, to show how the cost of
a turn grows with the conversation (the median of ten turns around each point). The
ratio column is how many times better ours is than stock (higher is better).

| Measure | Ours | Stock | Ours vs stock | Stock config, our store |
|---|---|---|---|---|
{chr(10).join(rows)}

Failed requests: {errors}.

Targets on this 2-core machine: 2.5× the stock throughput for one conversation and 3×
for 20, p95 ≤ 100 ms for 20 conversations with pauses, growth from turns 1–10 to turns
141–150 ≤ 1.3×, RSS ≤ 600 MB, start-up ≤ 10 s (the Rasa server alone, step by step:
`make bench-startup`, below). Absolute timings on this shared machine have
varied by up to 40 % between runs of the same code; compare the columns of one run,
which share the machine's state. Rerun `make bench` to refresh these figures.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=400, help="messages per load")
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--stock-model", type=Path,
                        help="a stock model trained by an earlier run (bench-stock-*.tar.gz):"
                        " not trained again, and its training time not measured")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rj-bench-") as tmp:
        workdir = Path(tmp)
        # A fresh training cache, so neither model reuses components trained earlier.
        os.environ["RASA_CACHE_DIRECTORY"] = str(workdir / "cache")
        ours_model, ours_training = train_timed("config.yml", "ours", workdir)
        if args.stock_model:
            stock_model, stock_training = args.stock_model, float("nan")
        else:
            stock_model, stock_training = train_timed("bench/stock_config.yml", "stock",
                                                      workdir)
        results = [
            measure("ours", ours_model, "endpoints.yml", args.messages, workdir),
            measure("stock", stock_model, "bench/stock_endpoints.yml", args.messages, workdir),
            measure("stock-config-our-store", stock_model, "endpoints.yml", args.messages,
                    workdir),
        ]
        trained = (ours_training, stock_training, stock_training)
        for result, seconds in zip(results, trained, strict=True):
            result.training_seconds = seconds
    options = (f"--messages {args.messages}" if args.messages != 400 else "") + (
        f" --stock-model {args.stock_model.name}" if args.stock_model else "")
    command = "make bench" + (f" ARGS='{options.strip()}'" if options else "")
    text = render(results, command, args.messages)
    report.write_section(Path(args.out), "assistant", text)
    print(text)


if __name__ == "__main__":
    main()
