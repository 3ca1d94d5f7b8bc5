"""`rasa run` with our channels, CORS for the site, and Rasa's HTTP API protected by
RASA_API_TOKEN (off when it is unset).

    python -m serving.rasa_server --port 5005 --endpoints endpoints.yml [--model PATH]

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
    return ["rasa", "run", "--credentials", "credentials.yml", *options,
            "--cors", *config.origins, *api]


if __name__ == "__main__":
    from rasa.__main__ import main

    sys.argv = rasa_arguments(sys.argv[1:])
    main()
