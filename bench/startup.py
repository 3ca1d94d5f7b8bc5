"""Where the Rasa server's start-up goes, step by step, and how long until it answers.

    python -m bench.startup [--model M] [--runs 3] [--write]     # make bench-startup

1. Steps, each run in a fresh Python process, in the order `rasa run` takes them:
   importing TensorFlow and Rasa, unpacking the model, loading each component of the
   model's graph, making the tracker and lock stores, and the first message parsed
   and answered (which may still be warming up) and the second.
2. `rasa run` itself (serving/rasa_server.py, our channels and tracker store on a new
   SQLite file): seconds from launch until the REST channel answers a message, and the
   process's resident memory (RSS) then.

With --write the figures go to docs/benchmarks.md, section "startup".
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List

# Only the standard library at the top: the steps are timed from a fresh process.
ROOT = Path(__file__).resolve().parent.parent
PORT = 5098
TIMEOUT = 180


def steps(model_path: str) -> Dict[str, float]:
    """Seconds per step of loading `model_path` in this (fresh) process."""
    timings: Dict[str, float] = {}
    started = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal started
        now = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + now - started
        started = now

    from serving.rasa_server import leave_out_unneeded_modules

    leave_out_unneeded_modules()  # as serving/rasa_server.py does before Rasa is imported
    lap("(our settings module)")
    import tensorflow  # noqa: F401 - timed on its own: Rasa imports it whatever the config
    lap("import TensorFlow")
    import asyncio

    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.engine.graph import GraphNode
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    lap("import Rasa")

    unpack = LocalModelStorage.from_model_archive.__func__

    def timed_unpack(cls, *args, **kwargs):
        lap("(before unpacking)")
        result = unpack(cls, *args, **kwargs)
        lap("unpack the model")
        return result

    load_component = GraphNode._load_component

    def timed_load(node, **kwargs):
        lap("(between components)")
        load_component(node, **kwargs)
        lap(f"load {node._component_class.__name__}")

    LocalModelStorage.from_model_archive = classmethod(timed_unpack)
    GraphNode._load_component = timed_load
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))
    lap("read endpoints")

    async def load_and_answer() -> None:
        agent = await load_agent(model_path=model_path, endpoints=endpoints)
        lap("(agent: stores and the rest)")
        for name in ("first message", "second message"):
            await agent.handle_text("what is a restorative justice conference",
                                    sender_id=f"startup-{uuid.uuid4()}")
            lap(name)

    asyncio.run(load_and_answer())
    return timings


def environment(workdir: Path) -> Dict[str, str]:
    """A new SQLite database, and the settings `make run` gives a Rasa process."""
    return {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / f'{uuid.uuid4()}.db'}",
            "ACTION_SERVER_TOKEN": secrets.token_hex(32), "RASA_PORT": str(PORT)}


def server_start(model_path: str, workdir: Path) -> Dict[str, float]:
    """Launch `rasa run` as make run does; seconds until REST answers, and RSS then."""
    import requests

    from bench.benchmark import rss_mb
    from devtools import processes

    env = environment(workdir)
    url = f"http://localhost:{PORT}/webhooks/rest/webhook"
    log = open(workdir / "rasa.log", "ab")
    started = time.monotonic()
    server = subprocess.Popen([sys.executable, "-m", "serving.rasa_server", "--model",
                               model_path], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        while time.monotonic() - started < TIMEOUT:
            if server.poll() is not None:
                raise RuntimeError(f"rasa run stopped; see {workdir / 'rasa.log'}")
            try:
                reply = requests.post(url, json={"sender": f"s-{uuid.uuid4()}",
                                                 "message": "kia ora"}, timeout=30)
                if reply.ok and reply.json():
                    answered = time.monotonic() - started
                    return {"answers_after": answered,
                            "rss_mb": rss_mb(processes.listening_pid(PORT))["VmRSS"]}
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"rasa run did not answer within {TIMEOUT} s")
    finally:
        server.terminate()
        server.wait(30)
        log.close()


def measure(model_path: str, runs: int) -> Dict[str, object]:
    step_runs: List[Dict[str, float]] = []
    with tempfile.TemporaryDirectory() as workdir:
        for _ in range(runs):
            out = subprocess.run([sys.executable, "-m", "bench.startup", "--steps-of",
                                  model_path], cwd=ROOT, capture_output=True, text=True,
                                 env=environment(Path(workdir)))
            if out.returncode:
                raise RuntimeError(f"timing the steps failed:\n{out.stderr[-3000:]}")
            step_runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        starts = [server_start(model_path, Path(workdir)) for _ in range(runs)]
    return {"steps": {name: statistics.median(run.get(name, 0.0) for run in step_runs)
                      for name in step_runs[0]},
            "answers_after": [s["answers_after"] for s in starts],
            "rss_mb": [s["rss_mb"] for s in starts]}


def render(model_path: str, figures: Dict, runs: int) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    steps_table = "\n".join(f"| {name} | {seconds:.2f} |" for name, seconds
                            in figures["steps"].items() if seconds >= 0.005)
    answers = ", ".join(f"{s:.1f}" for s in figures["answers_after"])
    rss = ", ".join(f"{m:.0f}" for m in figures["rss_mb"])
    return f"""## Start-up of the Rasa server

Produced by `make bench-startup` on {when} with `{Path(model_path).name}`, {runs} runs
(median per step). Steps are timed in a fresh Python process, in the order `rasa run`
takes them; the first message includes any warm-up the components still do.

| Step | Seconds |
|---|---:|
{steps_table}

`rasa run` (serving/rasa_server.py), launch until the REST channel answers "kia ora":
{answers} s; its RSS then: {rss} MB. Target: 10 s, 600 MB.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="a trained model (default: train or reuse one)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="record in docs/benchmarks.md")
    parser.add_argument("--steps-of", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.steps_of:
        print(json.dumps(steps(args.steps_of)))
        return
    from bench import report
    from training import model

    model_path = str(args.model or model.ensure())
    figures = measure(model_path, args.runs)
    text = render(model_path, figures, args.runs)
    print(text)
    if args.write:
        report.write_section(ROOT / "docs" / "benchmarks.md", "startup", text)


if __name__ == "__main__":
    main()
