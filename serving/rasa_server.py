"""`rasa run` with Rasa's HTTP API protected by RASA_API_TOKEN, or off when it is unset.

    python -m serving.rasa_server [rasa run options]

The token is read from the environment and handed to Rasa inside this process, so it
is never on a command line, where `ps` would show it to every user of the machine.
A Sanic worker that dies is replaced (serving/sanic_workers.py).
"""
import os
import sys

from rasa.__main__ import main

from serving import sanic_workers


def rasa_arguments(options, env=os.environ):
    token = env.get("RASA_API_TOKEN")
    api = ["--enable-api", "--auth-token", token] if token else []
    return ["rasa", "run", *options, *api]


if __name__ == "__main__":
    sys.argv = rasa_arguments(sys.argv[1:])
    sanic_workers.install()
    main()
