"""The action server: rasa_sdk's server for actions/, answering only the Rasa server.

    python -m serving.action_server [--port 5055]

- It listens on port 5055 of ACTIONS_HOST, 127.0.0.1 by default (another address
  only when the Rasa server runs on another machine, behind a firewall:
  docs/OPERATIONS.md).
- Every call but GET /health must carry the shared secret ACTION_SERVER_TOKEN, which
  Rasa sends as `?token=` (the action endpoint's `token` in endpoints.yml); a call
  without it gets 401. Unset, the server refuses to start. `make run` and
  `make run-prod` make one for each start when it is not set.
- Its access log is off: it would write the token, which is in every call's URL.
"""
from __future__ import annotations

import argparse
import hmac
import logging
import sys
from typing import Optional

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request

from serving.settings import Settings

TOKEN_VARIABLE = "ACTION_SERVER_TOKEN"
PORT = 5055  # where endpoints.yml sends Rasa
MIN_TOKEN_LENGTH = 32
OPEN_PATHS = {"/health"}  # says only "ok": the readiness check needs no secret


def protected_app(token: str, actions: str = "actions") -> Sanic:
    """rasa_sdk's app for `actions`, refusing every call without `token`."""
    if len(token) < MIN_TOKEN_LENGTH:
        raise ValueError(f"{TOKEN_VARIABLE} must be at least {MIN_TOKEN_LENGTH} characters.")
    app = create_app(actions, cors_origins="")  # no browser has any business here
    expected = token.encode()

    @app.on_request
    async def require_token(request: Request) -> Optional[response.HTTPResponse]:
        if request.path in OPEN_PATHS and request.method == "GET":
            return None
        given = (request.args.get("token") or "").encode()
        if not hmac.compare_digest(given, expected):
            return response.json({"error": "This server answers only the assistant."},
                                 status=401)
        return None

    return app


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=PORT)
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args(argv)
    try:
        config = Settings()
        token = config.action_server_token
        app = protected_app(token.get_secret_value() if token else "", args.actions)
    except ValueError as error:
        print(f"The action server did not start: {error} For example: "
              f"export {TOKEN_VARIABLE}=$(openssl rand -hex 32)", file=sys.stderr)
        return 2
    utils.configure_colored_logging(logging.INFO)
    utils.update_sanic_log_level()
    app.run(config.actions_host, args.port,
            workers=utils.number_of_sanic_workers(), access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
