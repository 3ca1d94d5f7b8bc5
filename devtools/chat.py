"""Chat with the running assistant in a terminal, over its REST channel.

    python -m devtools.chat [--url URL]     # what `make chat` does
"""
import argparse
import uuid

import requests

from serving.settings import settings


def show(messages) -> None:
    for message in messages:
        if message.get("text"):
            print(f"\nbot> {message['text']}")
        for button in message.get("buttons") or []:
            print(f"     [{button['title']}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=settings().rest_url)
    url = parser.parse_args().url
    sender = f"terminal-{uuid.uuid4()}"
    print("Type a message (Ctrl-D or Ctrl-C to leave).")
    try:
        while True:
            text = input("\nyou> ").strip()
            if text:
                reply = requests.post(url, json={"sender": sender, "message": text}, timeout=60)
                reply.raise_for_status()
                show(reply.json())
    except (EOFError, KeyboardInterrupt):
        print()
    except requests.RequestException as error:
        print(f"\nCannot reach the assistant at {url} ({error}). Is `make run` running?")


if __name__ == "__main__":
    main()
