"""Advisors see a derived id for each conversation, never the person's own."""
import pytest

from records import advisor_ids, database, schema
from records.advisor_ids import AdvisorIds, shown_id


@pytest.fixture
def ids(tmp_path):
    engine = database.create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    schema.create(engine)
    return AdvisorIds(engine)


def test_a_shown_id_leads_back_to_its_conversation_and_reveals_nothing(ids):
    shown = ids.show("5f1c9a2e-person")
    assert shown == shown_id("5f1c9a2e-person") and "5f1c9a2e" not in shown
    assert ids.sender(shown) == "5f1c9a2e-person"
    assert ids.sender("5f1c9a2e-person") is None  # the person's own id opens nothing


def test_a_new_secret_or_a_deleted_row_is_handled(ids):
    shown = ids.show("person")
    with ids.engine.begin() as connection:  # as if made under another secret
        connection.execute(advisor_ids.table.update().values(advisor_id="c-old"))
    assert ids.show("person") == shown and ids.sender("c-old") is None
    with ids.engine.begin() as connection:  # deleted with the conversation, then back
        connection.execute(advisor_ids.table.delete())
    assert ids.show("person") == shown and ids.sender(shown) == "person"
