"""The production profile: check the settings, then hand over to supervisord.

    python -m serving.production              # make run-prod
    python -m serving.production use-model [MODEL]   # make use-model

Before anything starts it checks the settings (serving/settings.py), that PostgreSQL and
Redis answer, that the tables are up to date (`make migrate`) and that a model has been
chosen; it names whatever is wrong. Then it renders runtime/production/supervisord.conf
and nginx.conf from serving/templates/ and becomes supervisord, which runs the action
server, RASA_PROCESSES Rasa processes, the console and nginx, restarting any that stop.
It never trains: it serves the model `use-model` chose (by default the one `make train`
made for the current data).
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import ValidationError

from serving.settings import ROOT, Settings, settings, shown

TEMPLATES = Path(__file__).resolve().parent / "templates"
NGINX = "/usr/sbin/nginx"
MODEL_NAME = re.compile(r"[A-Za-z0-9._-]+\.tar\.gz")  # written into nginx's configuration


class SettingsError(ValueError):
    """A production setting is missing or wrong; the message says what to set."""


def load_settings(env: Optional[Mapping[str, str]] = None) -> Settings:
    """The settings, with the production profile's own demands checked."""
    try:
        settings = Settings.overridden_by(env) if env is not None else Settings()
    except ValidationError as error:
        raise SettingsError("\n".join(
            f"  - {str(e['loc'][0]).upper()}: {e['msg']}" for e in error.errors())) from None
    problems = []
    if not settings.database_url.startswith(("postgresql://", "postgresql+psycopg2://")):
        problems.append("DATABASE_URL must be a PostgreSQL URL, for example "
                        "postgresql://user:password@127.0.0.1:5432/victims")
    if not (settings.redis_url or "").startswith(("redis://", "rediss://")):
        problems.append("REDIS_URL must be a Redis URL, for example redis://127.0.0.1:6379/0")
    if problems:
        raise SettingsError("\n".join(f"  - {p}" for p in problems))
    return settings


def check_services(settings: Settings) -> None:
    """Refuse to start, saying which, when PostgreSQL or Redis cannot be reached or the
    tables are not up to date."""
    import redis
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(settings.database_url)
        engine.connect().close()
    except Exception as error:  # noqa: BLE001 - whatever the driver raises: not reachable
        raise SettingsError(f"  - PostgreSQL at DATABASE_URL is not reachable: "
                            f"{type(error).__name__}") from None
    try:
        redis.StrictRedis.from_url(settings.redis_url, socket_connect_timeout=3).ping()
    except Exception as error:  # noqa: BLE001 - whatever redis-py raises: not reachable
        raise SettingsError(f"  - Redis at REDIS_URL is not reachable: "
                            f"{type(error).__name__}") from None
    from records import schema

    try:
        schema.check(engine)
    except schema.MigrationNeeded as error:
        raise SettingsError(f"  - {error}") from None


# The model in use --------------------------------------------------------------------

def model_conf(run_dir: Path) -> Path:
    return run_dir / "model.conf"


def use_model(model: Path, run_dir: Path) -> None:
    """Serve `model` to the Rasa processes from now on; each takes it up within 10 s
    (endpoints.production.yml), without a restart or a dropped message.

    The model is copied into the production folder first, so neither `make train`
    (which keeps only the newest models) nor `make clean` can take away the one served;
    the one it replaces is kept there too, to go back to."""
    model = model.resolve()
    if not (model.is_file() and model.name.endswith(".tar.gz")
            and MODEL_NAME.fullmatch(model.name)):
        raise SettingsError(f"  - {model} is not a model file (models/rj-….tar.gz)")
    served = run_dir / "models"
    served.mkdir(mode=0o711, parents=True, exist_ok=True)
    copy = served / model.name
    if model != copy:
        part = copy.with_name(copy.name + ".part")  # never served half-copied
        shutil.copyfile(model, part)
        part.chmod(0o644)
        part.replace(copy)
    previous = chosen_model(run_dir)
    # nginx reads this on start and on reload; the header names the file in Rasa's
    # /status. Written whole under another name, then renamed: never half-written.
    part = model_conf(run_dir).with_suffix(".part")
    part.write_text(f'alias "{copy}";\n'
                    f'default_type application/gzip;\n'
                    f'add_header filename "{copy.name}";\n')
    part.replace(model_conf(run_dir))
    for old in served.glob("*.tar.gz"):
        if str(old) not in (str(copy), previous):
            old.unlink()
    if (run_dir / "nginx.pid").exists():
        reload = subprocess.run([NGINX, "-c", str(run_dir / "nginx.conf"), "-p",
                                 str(run_dir), "-s", "reload"], capture_output=True, text=True)
        if reload.returncode:
            print(f"nginx did not reload ({reload.stderr.strip()}): is make run-prod "
                  "running? The model is served from its next start.", file=sys.stderr)


def chosen_model(run_dir: Path) -> Optional[str]:
    conf = model_conf(run_dir)
    if not conf.exists():
        return None
    first = conf.read_text().split(";", 1)[0]
    return first.removeprefix("alias ").strip().strip('"')


# Rendering and starting ----------------------------------------------------------------

def render(settings: Settings) -> Path:
    """Write supervisord.conf and nginx.conf for `settings`; the supervisord one's path."""
    run_dir = settings.production_dir
    log_dir = run_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    # The logs are the service's own: nginx's error log quotes request lines, which
    # carry the API token when the API is used.
    log_dir.chmod(0o700)
    # Others may pass through (nginx's workers reach their temp folder) but not look in.
    run_dir.chmod(0o711)
    temp_dir = run_dir / "nginx-temp"
    temp_dir.mkdir(mode=0o700, exist_ok=True)
    if os.geteuid() == 0:  # started as root, nginx's workers run as nobody
        shutil.chown(temp_dir, "nobody", "nogroup")
    templates = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                            keep_trailing_newline=True)
    values = dict(settings=settings, root=ROOT, run_dir=run_dir, log_dir=log_dir,
                  temp_dir=temp_dir,
                  python=sys.executable, nginx=NGINX, widget_dir=ROOT / "widget",
                  rasa_addresses=rasa_addresses(settings))
    for name in ("nginx.conf", "supervisord.conf"):
        (run_dir / name).write_text(templates.get_template(f"{name}.j2").render(**values))
    return run_dir / "supervisord.conf"


def rasa_addresses(settings: Settings) -> List[str]:
    local = [f"127.0.0.1:{settings.rasa_process_port + n}"
             for n in range(settings.rasa_processes)]
    return local + settings.rasa_upstreams.split()


def environment(settings: Settings, env: Mapping[str, str] = os.environ) -> Dict[str, str]:
    """What the processes inherit from supervisord."""
    extra = {"AUTO_MIGRATE": "false",  # production migrates only when told: make migrate
             "MODEL_SERVER_URL": f"http://127.0.0.1:{settings.model_port}/model",
             "SANIC_WORKERS": "1", "ACTION_SERVER_SANIC_WORKERS": "1"}
    # New ones for each start unless set: the action server's, and the HTTP API's, which
    # the console uses for live chat.
    if not settings.action_server_token:
        extra["ACTION_SERVER_TOKEN"] = secrets.token_hex(32)
    if not settings.rasa_api_token:
        extra["RASA_API_TOKEN"] = secrets.token_hex(32)
    extra["RASA_API_URLS"] = " ".join(
        f"http://127.0.0.1:{settings.rasa_process_port + n}"
        for n in range(settings.rasa_processes))
    return {**env, **extra}


def ready_message(settings: Settings) -> str:
    run_dir = settings.production_dir
    model = Path(chosen_model(run_dir) or "")
    api = ("on, protected by RASA_API_TOKEN (?token=...)" if settings.rasa_api_token
           else "off (set RASA_API_TOKEN to turn it on; the console's live chat uses "
           "the Rasa processes' own, with a token made for this start)")
    return f"""
  Production profile: {settings.rasa_processes} Rasa processes behind nginx, conversations
  in {shown(settings.database_url)}, locks in Redis; model {model.name}.

  Chat (REST, Socket.IO):  {settings.rest_url}
  Demo page:               {settings.site_url}
  Advisor console:         {settings.console_url}
  Rasa HTTP API:           {api}
  Processes:               .venv/bin/supervisorctl -c {run_dir / 'supervisord.conf'} status
  Logs:                    {run_dir / 'logs'}/
  A new model:             make use-model MODEL=models/rj-….tar.gz (taken up within
                           10 s, no restart)
"""


def start(settings: Settings) -> None:
    """Become supervisord (it stops everything on SIGTERM or Ctrl-C)."""
    if chosen_model(settings.production_dir) is None:
        raise SettingsError("  - No model chosen: `make train`, then `make use-model` "
                            "(or copy a model into models/ and "
                            "`make use-model MODEL=models/rj-….tar.gz`)")
    if not shutil.which(NGINX):
        raise SettingsError(f"  - nginx is not installed ({NGINX}): make nginx")
    conf = render(settings)
    run_dir = settings.production_dir
    check = subprocess.run([NGINX, "-t", "-q", "-c", str(run_dir / "nginx.conf"),
                            "-p", str(run_dir)], capture_output=True, text=True)
    if check.returncode:
        raise SettingsError(f"  - nginx refuses the configuration rendered from the "
                            f"settings: {check.stderr.strip()}")
    print(ready_message(settings), flush=True)
    env = environment(settings)
    supervisord = str(Path(sys.executable).with_name("supervisord"))
    os.execve(supervisord, [supervisord, "-c", str(conf)], env)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command")
    use = commands.add_parser("use-model", help="serve this model to the Rasa processes")
    use.add_argument("model", nargs="?", type=Path,
                     help="default: the model `make train` made for the current data")
    args = parser.parse_args(argv)
    try:
        if args.command == "use-model":
            model = args.model or _trained_model()
            use_model(model, settings().production_dir)
            print(f"Serving {model.name}; every Rasa process takes it up within 10 s.")
            return 0
        config = load_settings()
        check_services(config)
        start(config)
    except SettingsError as error:
        print(f"Cannot start the production profile:\n{error}\nSee docs/OPERATIONS.md.",
              file=sys.stderr)
        return 2
    return 0


def _trained_model() -> Path:
    from training import model

    path = model.model_path()
    if not path.exists():
        raise SettingsError(f"  - No model for the current data ({path.name}): make train")
    return path


if __name__ == "__main__":
    sys.exit(main())
