"""The production profile's settings are checked before anything starts."""
import pytest

from serving import production
from serving import rasa_server as serve_rasa
from serving.production import Settings, SettingsError

GOOD = {"DATABASE_URL": "postgresql://rj:secret@db:5432/victims",
        "REDIS_URL": "redis://:secret@cache:6379/0"}


def test_good_settings_give_workers_redis_and_no_api_by_default():
    settings = Settings.from_environment(GOOD)
    assert (settings.workers, settings.api_token) == (2, None)
    env = settings.environment()
    assert env["SANIC_WORKERS"] == "2" and env["REDIS_URL"] == GOOD["REDIS_URL"]
    assert "RASA_API_TOKEN" not in env


@pytest.mark.parametrize("change, problem", [
    ({"DATABASE_URL": ""}, "DATABASE_URL must be a PostgreSQL URL"),
    ({"DATABASE_URL": "sqlite:///runtime/conversations.db"}, "DATABASE_URL must be"),
    ({"REDIS_URL": "localhost:6379"}, "REDIS_URL must be a Redis URL"),
    ({"RASA_WORKERS": "two"}, "RASA_WORKERS must be a whole number"),
    ({"RASA_WORKERS": "0"}, "RASA_WORKERS must be a whole number"),
    ({"RASA_API_TOKEN": "short"}, "RASA_API_TOKEN must be at least 32 characters"),
])
def test_each_wrong_setting_is_named_with_what_to_set(change, problem):
    with pytest.raises(SettingsError, match=problem):
        Settings.from_environment({**GOOD, **change})


def test_unreachable_services_are_named_before_anything_starts():
    settings = Settings.from_environment({"DATABASE_URL": "postgresql://x@127.0.0.1:1/none",
                                          "REDIS_URL": "redis://127.0.0.1:1/0"})
    with pytest.raises(SettingsError, match="PostgreSQL at DATABASE_URL is not reachable"):
        settings.check_services()


def test_the_api_is_on_only_with_a_token_and_the_token_stays_off_the_command_line():
    token = "t" * 40
    settings = Settings.from_environment({**GOOD, "RASA_API_TOKEN": token})
    command = production.rasa_server(settings).command
    assert token not in " ".join(command)
    assert serve_rasa.rasa_arguments(["--port", "5005"], {"RASA_API_TOKEN": token})[-3:] == [
        "--enable-api", "--auth-token", token]
    assert "--enable-api" not in serve_rasa.rasa_arguments(["--port", "5005"], {})
