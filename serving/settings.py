"""Every setting of the assistant, read once from the environment.

    from serving.settings import settings
    settings().database_url

Each field's environment variable is its name in capitals (DATABASE_URL, REDIS_URL, ...).
docs/OPERATIONS.md lists them all with their defaults and meaning; a test keeps that
table and this class the same.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from pydantic import BaseSettings, Field, SecretStr, validator

from serving.opening_hours import OpeningHours

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_DIR = ROOT / "runtime"
MIN_SECRET_LENGTH = 32
# What the nginx configuration is rendered from must be only what it says it is.
HOST_PORT = re.compile(r"[A-Za-z0-9.-]+:\d{1,5}")
WEB_ADDRESS = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?")


class Settings(BaseSettings):
    # Where things are kept
    database_url: str = Field(
        "", description="SQLAlchemy URL of the one database (conversations, callback "
        "requests, console accounts). Unset: the SQLite file runtime/conversations.db")
    redis_url: Optional[str] = Field(
        None, description="Redis for the conversation locks shared by the Rasa processes "
        "(production). Unset: locks in memory, right for one Rasa process")
    auto_migrate: bool = Field(
        True, description="Bring the database's tables up to date on start (development). "
        "The production profile turns it off: there `make migrate` does it")

    # Ports people and the website reach (development: the processes themselves;
    # production: nginx)
    rasa_port: int = Field(5005, description="The chat: REST and Socket.IO channels")
    site_port: int = Field(8080, description="The demo page with the chat widget")
    console_port: int = Field(8081, description="The advisors' console")
    # Internal ports
    actions_host: str = Field(
        "127.0.0.1", description="Address the action server listens on (port 5055, as "
        "endpoints.yml says); another only when Rasa runs on another machine, behind a "
        "firewall")
    rasa_process_port: int = Field(
        5010, description="Production: the first Rasa process's port; process n "
        "listens on this + n, behind nginx")
    rasa_process_host: str = Field(
        "127.0.0.1", description="Production: the address the Rasa processes listen on; "
        "a private one only on a machine whose processes another machine's nginx uses "
        "(RASA_UPSTREAMS)")
    console_process_port: int = Field(
        8091, description="Production: the console process, behind nginx")
    model_port: int = Field(
        5056, description="Production: nginx serves the model in use here, to the Rasa "
        "processes only")

    # Development
    rasa_model: Optional[Path] = Field(
        None, description="Development: the model the Procfile's Rasa server loads; "
        "`make run` sets it to the model for the current data")
    rasa_endpoints: str = Field(
        "endpoints.yml", description="Development: the endpoints file the Procfile's Rasa "
        "server reads (production: endpoints.production.yml)")

    # Production
    rasa_processes: int = Field(
        2, ge=1, description="Production: Rasa processes behind nginx; one per CPU core "
        "is a good start")
    rasa_api_token: Optional[SecretStr] = Field(
        None, description="The token every request to Rasa's HTTP API needs "
        f"({MIN_SECRET_LENGTH}+ characters); the console sends advisors' live chat "
        "messages through the API. Unset: `make run`/`make run-prod` make one for each start")
    action_server_token: Optional[SecretStr] = Field(
        None, description="The secret Rasa sends the action server on every call "
        f"({MIN_SECRET_LENGTH}+ characters). Unset: `make run`/`make run-prod` make one "
        "for each start")
    production_dir: Path = Field(
        RUNTIME_DIR / "production", description="Production: where `make run-prod` writes "
        "the rendered supervisord and nginx configuration, its logs and its socket")
    rasa_upstreams: str = Field(
        "", description="Production, several machines: space-separated host:port of Rasa "
        "processes on other machines that nginx also sends messages to")
    rasa_api_urls: str = Field(
        "", description="Space-separated addresses of the Rasa processes whose HTTP API the "
        "console uses for live chat, tried in turn. Unset: http://127.0.0.1:RASA_PORT. "
        "`make run-prod` sets the processes' own 127.0.0.1 addresses, so the console's "
        "calls never pass through nginx or its logs")
    site_origins: str = Field(
        "http://localhost:8080 http://127.0.0.1:8080",
        description="Space-separated origins of the web pages that embed the widget (CORS)")
    assistant_url: str = Field(
        "http://localhost:5005", description="Where the demo page's widget finds the chat")

    # The console
    proxies_count: int = Field(
        0, ge=0, description="Reverse proxies in front of the console that add "
        "X-Forwarded-For and X-Forwarded-Proto. Production: those in front of nginx, such "
        "as an HTTPS load balancer (nginx itself is counted by `make run-prod`)")
    console_id_secret: Optional[SecretStr] = Field(
        None, description="Secret from which the conversation ids advisors see are derived. "
        "Unset: one is made once in runtime/console-id-secret")
    console_admin_password: Optional[SecretStr] = Field(
        None, description="Password of the console's first `admin` account. Unset: a "
        "random one is written to CONSOLE_ADMIN_PASSWORD_FILE")
    console_admin_password_file: Path = Field(
        RUNTIME_DIR / "console-admin-password.txt",
        description="Where a generated first admin password is written (owner only)")
    retention_days: int = Field(
        90, ge=1, description="Default for `python -m console purge`: conversations idle "
        "this long are deleted")

    # Live chat with an advisor
    live_chat_hours: str = Field(
        "Mon-Fri 08:30-17:00", description="When advisors are usually online for live "
        "chat, in New Zealand time, such as `Mon-Fri 08:30-17:00; Sat 10:00-14:00`, or "
        "`always`. Outside them the chat is not offered and the assistant says these hours")
    live_chat_wait_seconds: int = Field(
        180, ge=30, le=3600, description="How long a person waits in the live queue before "
        "the assistant offers the callback form and the line instead")

    class Config:
        case_sensitive = False

    @validator("rasa_api_token", "action_server_token", "console_id_secret")
    def long_enough(cls, value: Optional[SecretStr], field) -> Optional[SecretStr]:
        if value is not None and not value.get_secret_value():
            return None  # set but empty: as if unset
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters "
                             "(for example: openssl rand -hex 32)")
        return value

    @validator("live_chat_hours")
    def valid_hours(cls, value: str) -> str:
        OpeningHours(value)  # raises ValueError saying what is wrong
        return value

    @validator("rasa_upstreams")
    def host_ports(cls, value: str) -> str:
        for address in value.split():
            if not HOST_PORT.fullmatch(address):
                raise ValueError(f"{address!r} is not host:port (for example 10.0.0.12:5010)")
        return value

    @validator("site_origins", "assistant_url", "rasa_api_urls")
    def web_addresses(cls, value: str) -> str:
        for address in value.split():
            if not WEB_ADDRESS.fullmatch(address):
                raise ValueError(f"{address!r} is not a web address such as "
                                 "https://www.example.govt.nz (no path)")
        return value

    @classmethod
    def overridden_by(cls, env: Mapping[str, str]) -> "Settings":
        """The settings with the variables in `env` in place of the environment's."""
        return cls(**{key.lower(): value for key, value in env.items()
                      if key.lower() in cls.__fields__})

    def development_urls(self) -> Dict[str, str]:
        """What answers once every process of `make run` is up."""
        return {"action server": "http://127.0.0.1:5055/health",
                "Rasa server": f"http://127.0.0.1:{self.rasa_port}/",
                "advisor console": f"{self.console_url}login",
                "demo site": self.site_url}

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{RUNTIME_DIR / 'conversations.db'}"

    @property
    def origins(self) -> List[str]:
        return self.site_origins.split()

    @property
    def opening_hours(self) -> OpeningHours:
        return OpeningHours(self.live_chat_hours)

    @property
    def rasa_api_addresses(self) -> List[str]:
        """Where the console reaches Rasa's HTTP API, in the order to try them."""
        return self.rasa_api_urls.split() or [f"http://127.0.0.1:{self.rasa_port}"]

    @property
    def rest_url(self) -> str:
        return f"http://localhost:{self.rasa_port}/webhooks/rest/webhook"

    @property
    def site_url(self) -> str:
        return f"http://localhost:{self.site_port}/"

    @property
    def console_url(self) -> str:
        return f"http://localhost:{self.console_port}/"


@lru_cache(maxsize=None)
def settings() -> Settings:
    """The settings, read from the environment the first time they are asked for."""
    return Settings()


def shown(url: str) -> str:
    """A database URL without its password, for messages and logs."""
    import sqlalchemy as sa

    return sa.engine.make_url(url).render_as_string(hide_password=True)


def table() -> str:
    """The settings as the Markdown table in docs/OPERATIONS.md."""
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for name, field in Settings.__fields__.items():
        default = field.default
        if isinstance(default, Path):
            default = default.relative_to(ROOT)
        if isinstance(default, bool):
            default = str(default).lower()
        shown_default = f"`{default}`" if default not in (None, "") else "–"
        rows.append(f"| `{name.upper()}` | {shown_default} | {field.field_info.description} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(table(), end="")
