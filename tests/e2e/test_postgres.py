"""The same endpoints.yml keeps conversations in PostgreSQL when DATABASE_URL says so."""
import uuid

import pytest
import requests
import sqlalchemy as sa

from tests.conftest import RESULTS
from tools import run

pytestmark = pytest.mark.slow


def test_the_rasa_server_stores_conversations_in_postgres(model_path, postgres, assistant):
    # The shared assistant holds the ports: pause it, run against PostgreSQL, resume.
    rasa = assistant.stack.servers[-1]
    rasa.stop()
    stack = run.Stack([run.rasa_server(model_path, RESULTS / "logs" / "rasa-postgres.log")],
                      env={"DATABASE_URL": postgres})
    sender = f"test-{uuid.uuid4()}"
    try:
        with stack:
            reply = requests.post(run.REST_URL, json={"sender": sender, "message": "kia ora"},
                                  timeout=60).json()
            assert "0800 650 654" in reply[0]["text"]
        with sa.create_engine(postgres).begin() as connection:
            types = connection.execute(
                sa.text("SELECT type_name FROM events WHERE sender_id = :s ORDER BY id"),
                s=sender).scalars().all()
            connection.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), s=sender)
        assert "user" in types and "bot" in types
    finally:
        assistant.stack.restart(rasa)
