"""The production profile checks its settings before anything starts, and renders
supervisord's and nginx's configuration from them."""
import subprocess

import pytest

from serving import production, rasa_server
from serving.production import SettingsError
from serving.settings import Settings

GOOD = {"DATABASE_URL": "postgresql://rj:secret@db:5432/victims",
        "REDIS_URL": "redis://:secret@cache:6379/0"}


def test_good_settings_give_two_rasa_processes_and_no_api_by_default():
    settings = production.load_settings(GOOD)
    assert (settings.rasa_processes, settings.rasa_api_token) == (2, None)
    env = production.environment(settings, {})
    assert env["AUTO_MIGRATE"] == "false" and len(env["ACTION_SERVER_TOKEN"]) == 64
    assert production.environment(settings, {})["ACTION_SERVER_TOKEN"] != env[
        "ACTION_SERVER_TOKEN"], "a new secret for each start"


@pytest.mark.parametrize("change, problem", [
    ({"DATABASE_URL": ""}, "DATABASE_URL must be a PostgreSQL URL"),
    ({"DATABASE_URL": "sqlite:///runtime/conversations.db"}, "DATABASE_URL must be"),
    ({"REDIS_URL": "localhost:6379"}, "REDIS_URL must be a Redis URL"),
    ({"RASA_PROCESSES": "two"}, "RASA_PROCESSES: value is not a valid integer"),
    ({"RASA_PROCESSES": "0"}, "RASA_PROCESSES: ensure this value is greater than"),
    ({"RASA_API_TOKEN": "short"}, "RASA_API_TOKEN: must be at least 32 characters"),
    ({"ACTION_SERVER_TOKEN": "short"}, "ACTION_SERVER_TOKEN: must be at least 32"),
])
def test_each_wrong_setting_is_named_with_what_to_set(change, problem):
    with pytest.raises(SettingsError, match=problem):
        production.load_settings({**GOOD, **change})


def test_unreachable_services_are_named_before_anything_starts():
    settings = production.load_settings({"DATABASE_URL": "postgresql://x@127.0.0.1:1/none",
                                         "REDIS_URL": "redis://127.0.0.1:1/0"})
    with pytest.raises(SettingsError, match="PostgreSQL at DATABASE_URL is not reachable"):
        production.check_services(settings)


def test_without_a_chosen_model_it_refuses_to_start(tmp_path):
    settings = production.load_settings({**GOOD, "PRODUCTION_DIR": str(tmp_path)})
    with pytest.raises(SettingsError, match="No model chosen: `make train`, then"):
        production.start(settings)


def test_the_api_is_on_only_with_a_token_and_the_token_stays_off_the_command_line(
        tmp_path):
    token = "t" * 40
    settings = Settings(rasa_api_token=token, production_dir=tmp_path)
    assert rasa_server.rasa_arguments(["--port", "5010"], settings)[-3:] == [
        "--enable-api", "--auth-token", token]
    assert "--enable-api" not in rasa_server.rasa_arguments([], Settings())
    production.render(settings)
    for name in ("supervisord.conf", "nginx.conf"):
        assert token not in (tmp_path / name).read_text()


def test_the_rendered_configuration_is_valid_for_nginx_and_names_every_rasa_process(
        tmp_path):
    settings = Settings(rasa_processes=3, production_dir=tmp_path,
                        rasa_upstreams="10.0.0.2:5010 10.0.0.2:5011")
    model = tmp_path / "rj-test.tar.gz"
    model.write_bytes(b"not really a model")
    production.use_model(model, tmp_path)
    production.render(settings)
    nginx = (tmp_path / "nginx.conf").read_text()
    for address in ["127.0.0.1:5010", "127.0.0.1:5011", "127.0.0.1:5012", "10.0.0.2:5011"]:
        assert f"server {address} " in nginx
    if not production.shutil.which(production.NGINX):
        pytest.skip("nginx is not installed (make nginx)")
    check = subprocess.run([production.NGINX, "-t", "-c", str(tmp_path / "nginx.conf"),
                            "-p", str(tmp_path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    supervisord = (tmp_path / "supervisord.conf").read_text()
    assert "numprocs=3" in supervisord and "numprocs_start=5010" in supervisord


def test_use_model_refuses_what_is_not_a_model_file(tmp_path):
    with pytest.raises(SettingsError, match="is not a model file"):
        production.use_model(tmp_path / "missing.tar.gz", tmp_path)
    assert production.chosen_model(tmp_path) is None
