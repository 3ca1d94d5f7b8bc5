"""The retention purge removes what is past its time, and nothing still in use."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from records import callbacks, database, retention
from records.callbacks import CallbackRequests
from records.database import now


@pytest.fixture
def engine(tmp_path):
    return database.create_engine(f"sqlite:///{tmp_path / 'c.db'}")


def request_in(store, conversation, status, closed_days_ago=None):
    store.save_draft(conversation, "phone", "021 555 0123")
    reference = store.submit(conversation, "after 5", False, "Aroha")
    if status != callbacks.NEW:
        store.set_status(reference, callbacks.CONTACTED, "Mere")
        store.add_note(reference, "rang, left no message", "Mere")
    if status == callbacks.CLOSED:
        store.set_status(reference, callbacks.CLOSED, "Mere")
        with store.engine.begin() as connection:
            connection.execute(callbacks.table.update().where(
                callbacks.table.c.reference == reference).values(
                closed_at=now() - timedelta(days=closed_days_ago)))
    return reference


def test_closed_requests_go_with_their_notes_after_the_period(engine):
    store = CallbackRequests(engine)
    old = request_in(store, "c-old", callbacks.CLOSED, closed_days_ago=120)
    recent = request_in(store, "c-recent", callbacks.CLOSED, closed_days_ago=10)
    waiting = request_in(store, "c-waiting", callbacks.NEW)
    contacted = request_in(store, "c-contacted", callbacks.CONTACTED)
    purged = retention.purge(engine, 90)
    assert purged.requests == 1
    left = {r.reference for r in store.list()}
    assert left == {recent, waiting, contacted}
    with engine.connect() as connection:
        notes = connection.execute(sa.select(callbacks.history.c.reference)).scalars().all()
    assert old not in notes and recent in notes


def test_drafts_left_part_way_go_after_a_day(engine):
    store = CallbackRequests(engine)
    store.save_draft("c-fresh", "email", "a@example.com")
    store.save_draft("c-stale", "phone", "021 555 0123")
    with engine.begin() as connection:
        connection.execute(callbacks.table.update().where(
            callbacks.table.c.conversation_id == "c-stale").values(
            created_at=now() - timedelta(days=2)))
    assert retention.purge(engine, 90).drafts == 1
    assert store.draft("c-stale") is None and store.draft("c-fresh") is not None


def test_at_least_a_day_is_kept(engine):
    with pytest.raises(ValueError):
        retention.purge(engine, 0)
