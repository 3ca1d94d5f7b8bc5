"""The advisors' console, as started by the shared assistant stack on the test database."""
import uuid

import pytest
import requests

from records import database
from console.accounts import Accounts
from tests.conftest import CONSOLE_ADMIN_PASSWORD
from devtools import run

BASE = run.CONSOLE_URL.rstrip("/")
ADVISOR_PASSWORD = "advisor-password-1"


class Console:
    """A signed-in browser-like session: cookies kept, CSRF token read from the pages."""

    def __init__(self, username, password):
        self.http = requests.Session()
        self.username = username
        response = self.http.post(f"{BASE}/login", data={"username": username,
                                                         "password": password},
                                  allow_redirects=False, timeout=30)
        assert response.status_code == 303, response.text
        self.login_response = response

    def get(self, path, **kwargs):
        return self.http.get(BASE + path, timeout=60, **kwargs)

    def csrf(self):
        import re
        page = self.get("/queue").text
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def post(self, path, data=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.csrf()
        return self.http.post(BASE + path, data=data, timeout=60, allow_redirects=False,
                              **kwargs)


@pytest.fixture(scope="session")
def accounts(assistant):
    return Accounts(database.create_engine(assistant.database_url))


@pytest.fixture
def admin(assistant):
    return Console("admin", CONSOLE_ADMIN_PASSWORD)


@pytest.fixture
def advisor(accounts):
    name = f"advisor-{uuid.uuid4().hex[:8]}"
    accounts.add(name, "advisor", ADVISOR_PASSWORD)
    return Console(name, ADVISOR_PASSWORD)
