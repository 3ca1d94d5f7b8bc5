"""The production profile: settings from the environment, checked before anything starts.

    DATABASE_URL     PostgreSQL for conversations and callback requests (required)
    REDIS_URL        Redis for the conversation locks shared by the Rasa workers (required)
    RASA_WORKERS     Rasa server processes (Sanic workers) on port 5005; default 2
    RASA_API_TOKEN   turns Rasa's HTTP API on, protected by this token (32+ characters);
                     unset, the API is off and only the chat channels are served
    SITE_ORIGINS     web pages allowed to call the chat from a browser (CORS)
    CONSOLE_ADMIN_PASSWORD, RETENTION_DAYS   as for `make run`

`make run-prod` (python -m devtools.run --production) starts: the action server, the model
server, the Rasa workers, the widget's demo site and the advisors' console.
docs/OPERATIONS.md explains deploying, backups, secrets and monitoring.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from serving import model_server as model_server_module
from devtools import run

MODEL_SERVER_PORT = 5056
MIN_TOKEN_LENGTH = 32
ENDPOINTS = "endpoints.production.yml"


class SettingsError(ValueError):
    """A production setting is missing or wrong; the message says what to set."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str
    workers: int
    api_token: Optional[str]
    site_origins: List[str]

    @classmethod
    def from_environment(cls, env: Mapping[str, str] = os.environ) -> "Settings":
        problems = []
        database_url = env.get("DATABASE_URL", "")
        if not database_url.startswith(("postgresql://", "postgresql+psycopg2://")):
            problems.append("DATABASE_URL must be a PostgreSQL URL, for example "
                            "postgresql://user:password@127.0.0.1:5432/victims")
        redis_url = env.get("REDIS_URL", "")
        if not redis_url.startswith(("redis://", "rediss://")):
            problems.append("REDIS_URL must be a Redis URL, for example "
                            "redis://127.0.0.1:6379/0")
        workers = env.get("RASA_WORKERS", "2")
        if not workers.isdigit() or int(workers) < 1:
            problems.append(f"RASA_WORKERS must be a whole number of at least 1, not {workers!r}")
        token = env.get("RASA_API_TOKEN") or None
        if token is not None and len(token) < MIN_TOKEN_LENGTH:
            problems.append(f"RASA_API_TOKEN must be at least {MIN_TOKEN_LENGTH} characters "
                            "(for example: openssl rand -hex 32), or unset to turn the API off")
        if problems:
            raise SettingsError("\n".join(f"  - {p}" for p in problems))
        return cls(database_url, redis_url, int(workers), token,
                   env.get("SITE_ORIGINS", run.DEFAULT_SITE_ORIGINS).split())

    def check_services(self) -> None:
        """Refuse to start, saying which, when PostgreSQL or Redis cannot be reached."""
        import redis
        import sqlalchemy as sa

        try:
            sa.create_engine(self.database_url).connect().close()
        except Exception as error:  # noqa: BLE001 - any failure: not reachable
            raise SettingsError(f"  - PostgreSQL at DATABASE_URL is not reachable: "
                                f"{type(error).__name__}") from None
        try:
            redis.StrictRedis.from_url(self.redis_url, socket_connect_timeout=3).ping()
        except Exception as error:  # noqa: BLE001
            raise SettingsError(f"  - Redis at REDIS_URL is not reachable: "
                                f"{type(error).__name__}") from None

    def environment(self) -> Dict[str, str]:
        env = {"DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url,
               "SANIC_WORKERS": str(self.workers),
               "MODEL_SERVER_URL": f"http://127.0.0.1:{MODEL_SERVER_PORT}/model"}
        if self.api_token:
            env["RASA_API_TOKEN"] = self.api_token
        return env


def ready_message(settings: Settings) -> str:
    api = ("on, protected by RASA_API_TOKEN (?token=...)" if settings.api_token
           else "off (set RASA_API_TOKEN to turn it on)")
    return (f"  Production profile: {settings.workers} Rasa workers, conversations in "
            f"PostgreSQL, locks in Redis.\n"
            f"  Rasa HTTP API: {api}.\n"
            f"  New models: copy into models/ (or make train); the workers load them "
            f"within 10 s.\n")


def model_server(log: Optional[Path] = None, models_dir: Path = model_server_module.MODELS_DIR
                 ) -> run.Server:
    return run.Server("model server",
                      [sys.executable, "-m", "serving.model_server",
                       "--port", str(MODEL_SERVER_PORT), "--folder", str(models_dir)],
                      MODEL_SERVER_PORT, "/health", log)


def rasa_server(settings: Settings, log: Optional[Path] = None) -> run.Server:
    # serving.rasa_server adds the API token from the environment, so it never appears on
    # a command line (where `ps` would show it to every user of the machine).
    return run.rasa_server(None, log, ENDPOINTS, settings.site_origins,
                           entry=("serving.rasa_server",))


def stack(settings: Settings, log_dir: Optional[Path] = None,
          models_dir: Path = model_server_module.MODELS_DIR) -> run.Stack:
    """The servers of the production profile; the newest model in `models_dir` is served."""
    log = (lambda name: log_dir / name) if log_dir else (lambda name: None)
    return run.Stack([run.action_server(log("actions.log")),
                      model_server(log("model-server.log"), models_dir),
                      rasa_server(settings, log("rasa.log")),
                      run.site_server(log("site.log")),
                      run.console_server(log("console.log"))],
                     env=settings.environment())
