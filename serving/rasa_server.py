"""`rasa run` with our channels, CORS for the site, and Rasa's HTTP API protected by
RASA_API_TOKEN (off when it is unset).

    python -m serving.rasa_server [rasa run options]

Unless the options say otherwise, it serves RASA_MODEL on RASA_PORT with RASA_ENDPOINTS
(the Procfile's Rasa server in development).
The token is handed to Rasa inside this process, never on a command line, where `ps`
would show it to every user of the machine. The Procfile (development) and
supervisord (production) start one of these per Rasa process.
"""
from __future__ import annotations

import sys
from typing import List, Optional

from serving.settings import Settings, settings


def rasa_arguments(options: List[str], config: Optional[Settings] = None) -> List[str]:
    config = config or settings()
    token = config.rasa_api_token
    api = ["--enable-api", "--auth-token", token.get_secret_value()] if token else []
    defaults = []
    if not {"-p", "--port"} & set(options):
        defaults += ["--port", str(config.rasa_port)]
    if "--endpoints" not in options:
        defaults += ["--endpoints", config.rasa_endpoints]
    if "--model" not in options and config.rasa_model:
        defaults += ["--model", str(config.rasa_model)]
    return ["rasa", "run", "--credentials", "credentials.yml", *defaults, *options,
            "--cors", *config.origins, *api]


# TensorFlow imports JAX only to convert JAX functions to TensorFlow Lite, which the
# assistant never does: 1.3 s of start-up and 64 MB per Rasa process. With None in
# sys.modules, TensorFlow's `from jax import ...` fails as it does where JAX is missing,
# and it carries on without it.
NOT_NEEDED = ("jax",)


def leave_out_unneeded_modules() -> None:
    for name in NOT_NEEDED:
        sys.modules.setdefault(name, None)


if __name__ == "__main__":
    leave_out_unneeded_modules()
    from rasa.__main__ import main

    sys.argv = rasa_arguments(sys.argv[1:])
    main()
