"""Say where to chat once every process of `make run` answers (the Procfile's `ready`).

It then waits with the others: honcho stops everything when any process ends, so it
exits only if the assistant does not come up in time, naming what is missing.
"""
from __future__ import annotations

import signal
import sys
import time
from typing import Dict

from devtools.processes import answers
from serving.settings import settings, shown

START_TIMEOUT = 300


def wait_until_ready(urls: Dict[str, str], timeout: float = START_TIMEOUT) -> None:
    waiting = dict(urls)
    deadline = time.monotonic() + timeout
    while waiting:
        waiting = {name: url for name, url in waiting.items() if not answers(url)}
        if waiting and time.monotonic() > deadline:
            raise TimeoutError(f"Not ready after {timeout:.0f} s: {', '.join(waiting)}. "
                               "Their lines above say why.")
        time.sleep(0.5)


def ready_message() -> str:
    config = settings()
    return f"""
  The assistant is ready.

  Demo page with the chat widget:  {config.site_url}
  Advisor console:        {config.console_url}
  Chat in a terminal:     make chat   (in another terminal window)
  REST channel:           POST {config.rest_url}
                          {{"sender": "<a random id, e.g. a UUID>", "message": "kia ora"}}
  Socket.IO channel:      http://localhost:{config.rasa_port}/socket.io

  Conversations and callback requests are kept in
  {shown(config.database)}; advisors: make handoffs.
  Press Ctrl-C to stop.
"""


def main() -> int:
    try:
        wait_until_ready(settings().development_urls())
    except TimeoutError as error:
        print(error, file=sys.stderr, flush=True)
        return 1
    print(ready_message(), flush=True)
    signal.pause()  # until honcho stops us with the rest
    return 0


if __name__ == "__main__":
    sys.exit(main())
