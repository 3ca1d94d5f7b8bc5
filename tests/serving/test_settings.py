"""Every setting is read in one place, and docs/OPERATIONS.md lists them all."""
import re

import pytest
from pydantic import ValidationError

from serving import settings as settings_module
from serving.settings import Settings
from tests.conftest import ROOT

PACKAGES = ["actions", "addons", "console", "devtools", "records", "serving", "training"]


def test_the_operations_guide_lists_every_setting_with_its_default_and_meaning():
    guide = (ROOT / "docs" / "OPERATIONS.md").read_text()
    assert settings_module.table() in guide, (
        "docs/OPERATIONS.md's settings table is out of date: paste "
        "`python -m serving.settings` into it")


def test_no_module_reads_a_setting_from_the_environment_itself():
    names = {name.upper() for name in Settings.__fields__}
    readers = re.compile(r"""environ(?:\.get)?[\[(]\s*["']([A-Z_]+)["']|getenv\(\s*["']([A-Z_]+)""")
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "settings.py" and package == "serving":
                continue
            for match in readers.finditer(path.read_text()):
                if set(match.groups()) & names:
                    found.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert found == []


@pytest.mark.parametrize("name, value, problem", [
    ("RASA_PROCESSES", "two", "not a valid integer"),
    ("PROXIES_COUNT", "-1", "greater than or equal to 0"),
    ("CONSOLE_ID_SECRET", "short", "at least 32 characters"),
])
def test_a_wrong_value_is_named(monkeypatch, name, value, problem):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=problem):
        Settings()


def test_an_empty_secret_counts_as_unset(monkeypatch):
    monkeypatch.setenv("RASA_API_TOKEN", "")
    assert Settings().rasa_api_token is None
