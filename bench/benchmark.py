"""Our assistant against the same training data on Rasa's stock config, side by side.

    python -m bench.benchmark [--messages 400] [--out docs/benchmarks.md]   # make bench

For each of the two models, in one run on this machine: training time, start-up time
(launch until the REST channel answers), reply latency p50/p95 and messages per second
through the REST channel at 1 and at 20 concurrent conversations, and the Rasa server's
resident memory (RSS) after the load. Writes the figures to docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List

import requests

from tools import model, nlu_eval, run

ROOT = Path(__file__).resolve().parent.parent
TURNS_PER_CONVERSATION = 5


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
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


@dataclass
class Measurement:
    name: str
    config: str
    training_seconds: float = 0.0
    startup_seconds: float = 0.0
    rss_mb: float = 0.0
    peak_rss_mb: float = 0.0
    loads: Dict[int, LoadResult] = field(default_factory=dict)


def messages() -> List[str]:
    return [text for text, _ in nlu_eval.labelled_examples()]


def converse(texts: List[str], count: int, concurrency: int) -> LoadResult:
    """`concurrency` conversations at once, each a user waiting for every reply."""
    latencies: List[float] = []
    errors = 0
    lock = threading.Lock()
    next_index = iter(range(count))

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
                response = session.post(run.REST_URL, timeout=120,
                                        json={"sender": sender, "message": texts[i % len(texts)]})
                ok = response.ok and bool(response.json())
            except requests.RequestException:
                ok = False
            elapsed = time.perf_counter() - start
            turn += 1
            with lock:
                latencies.append(elapsed)
                errors += not ok

    threads = [threading.Thread(target=conversation_worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(concurrency, latencies, time.perf_counter() - started, errors)


def rss_mb(pid: int) -> Dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def measure(name: str, config: str, count: int, workdir: Path) -> Measurement:
    result = Measurement(name, config)
    print(f"[{name}] training with {config} ...", flush=True)
    started = time.perf_counter()
    model_path = model.train(config=config, prefix=f"bench-{name}-", out=workdir)
    result.training_seconds = time.perf_counter() - started

    stack = run.assistant(model_path, log_dir=workdir / f"logs-{name}")
    stack.env["TRACKER_DB_URL"] = f"sqlite:///{workdir / f'{name}.db'}"
    print(f"[{name}] starting ...", flush=True)
    with stack:
        result.startup_seconds = stack.ready_at - stack.started_at
        texts = messages()
        converse(texts, 40, 4)  # warm-up: first predictions build TensorFlow graphs
        for concurrency in (1, 20):
            print(f"[{name}] {count} messages at {concurrency} concurrent ...", flush=True)
            result.loads[concurrency] = converse(texts, count, concurrency)
        memory = rss_mb(stack.servers[-1].process.pid)
        result.rss_mb, result.peak_rss_mb = memory["VmRSS"], memory["VmHWM"]
    return result


def render(ours: Measurement, stock: Measurement, command: str, count: int) -> str:
    def row(label, fn, fmt, better):
        a, b = fn(ours), fn(stock)
        ratio = (a / b if better == "higher" else b / a) if a and b else float("nan")
        return f"| {label} | {fmt.format(a)} | {fmt.format(b)} | {ratio:.2f}× |"

    rows = [
        row("Throughput, 1 conversation (msg/s)", lambda m: m.loads[1].per_second, "{:.1f}", "higher"),
        row("Throughput, 20 concurrent (msg/s)", lambda m: m.loads[20].per_second, "{:.1f}", "higher"),
        row("Latency p50, 1 conversation (ms)", lambda m: 1000 * m.loads[1].percentile(50), "{:.0f}", "lower"),
        row("Latency p95, 1 conversation (ms)", lambda m: 1000 * m.loads[1].percentile(95), "{:.0f}", "lower"),
        row("Latency p50, 20 concurrent (ms)", lambda m: 1000 * m.loads[20].percentile(50), "{:.0f}", "lower"),
        row("Latency p95, 20 concurrent (ms)", lambda m: 1000 * m.loads[20].percentile(95), "{:.0f}", "lower"),
        row("Rasa server RSS after load (MB)", lambda m: m.rss_mb, "{:.0f}", "lower"),
        row("Rasa server peak RSS (MB)", lambda m: m.peak_rss_mb, "{:.0f}", "lower"),
        row("Start-up until REST answers (s)", lambda m: m.startup_seconds, "{:.1f}", "lower"),
        row("Training time (s)", lambda m: m.training_seconds, "{:.0f}", "lower"),
    ]
    errors = {m.name: sum(l.errors for l in m.loads.values()) for m in (ours, stock)}
    return f"""# Benchmarks

## Our assistant against Rasa's stock config

Produced by `{command}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC
({platform.machine()}, {_cpus()} cores, Python {platform.python_version()}).
Both models are trained on the same data (`data/`, `domain.yml`) in the same run and
served the same way (`tools/run.py`: action server + `rasa run`, SQLite tracker store,
REST channel). Each load sends {count} messages taken from the held-out test questions;
a conversation is {TURNS_PER_CONVERSATION} turns, and each simulated person waits for the
reply before sending the next message. The ratio column is how many times better ours
is (higher is better).

| Measure | Ours (`config.yml`) | Stock (`bench/stock_config.yml`) | Ours vs stock |
|---|---|---|---|
{chr(10).join(rows)}

Failed requests: ours {errors[ours.name]}, stock {errors[stock.name]}.

Targets on this 2-core machine: at least 2× the stock throughput, p95 ≤ 100 ms at 20
concurrent conversations, RSS ≤ 900 MB. Timings on a shared machine vary from run to
run by 10-20 %; rerun `make bench` to refresh these figures.
"""


def _cpus() -> int:
    return os.cpu_count() or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=400, help="messages per load level")
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rj-bench-") as tmp:
        workdir = Path(tmp)
        # A fresh training cache, so neither model reuses components trained earlier.
        os.environ["RASA_CACHE_DIRECTORY"] = str(workdir / "cache")
        ours = measure("ours", "config.yml", args.messages, workdir)
        stock = measure("stock", "bench/stock_config.yml", args.messages, workdir)
    command = "make bench" + (f" ARGS='--messages {args.messages}'" if args.messages != 400 else "")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(render(ours, stock, command, args.messages))
    print(Path(args.out).read_text())


if __name__ == "__main__":
    main()
