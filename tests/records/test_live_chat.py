"""The live chat's state (records/live_chat.py), on SQLite and PostgreSQL."""
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from records import conversation_log, database
from records.live_chat import (
    ACTIVE,
    ADVISOR_GONE_AFTER,
    ADVISOR_LEFT,
    BY_ADVISOR,
    BY_PERSON,
    ENDED,
    NO_ADVISOR,
    PERSON_GONE_AFTER,
    PERSON_LEFT,
    WAITING,
    LiveChatError,
    LiveChats,
    chats,
    checked_display_name,
    presence,
)


@pytest.fixture
def store(fresh_url):
    return LiveChats(database.create_engine(fresh_url))


def person() -> str:
    return uuid.uuid4().hex


def advisor(store, name="mere", shown="Mere"):
    return store.set_presence(name, True, shown)


def test_people_queue_first_come_first_and_joining_twice_keeps_the_place(store):
    first, second = person(), person()
    a = store.join(first)
    b = store.join(second)
    assert (a.status, store.position(a), store.position(b)) == (WAITING, 1, 2)
    assert store.join(first).id == a.id
    assert [c.sender_id for c in store.waiting()] == [first, second]


def test_only_one_advisor_can_accept_a_chat(store):
    chat = store.join(person())
    mere, tama = advisor(store), advisor(store, "tama", "Tama")

    def accept(who):
        try:
            return store.claim(chat.id, who).advisor
        except LiveChatError as error:
            return str(error)

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(accept, [mere, tama]))
    winners = [o for o in outcomes if o in ("mere", "tama")]
    assert len(winners) == 1
    assert any("has already accepted" in o for o in outcomes)
    accepted = store.get(chat.id)
    assert (accepted.status, accepted.advisor) == (ACTIVE, winners[0])
    assert store.waiting() == []


def test_the_name_people_see_is_a_first_name_or_an_advisor(store):
    assert store.set_presence("mere", True, "  Mere  ").shown_name == "Mere"
    assert store.set_presence("mere", True, "").shown_name == "An advisor"
    assert checked_display_name("Āwhina Te-Rangi") == "Āwhina Te-Rangi"
    for bad in ("<b>Mere</b>", "Mere2", "x" * 31, "Mere; DROP"):
        with pytest.raises(LiveChatError, match="first name"):
            checked_display_name(bad)


def test_available_means_said_so_and_console_open(store):
    assert store.available_count() == 0
    advisor(store)
    store.set_presence("tama", False)
    assert store.available_count() == 1
    assert store.available_count(now=time.time() + ADVISOR_GONE_AFTER + 1) == 0
    store.heartbeat("mere")
    assert store.available_count() == 1


def test_ending_happens_once_and_the_conversation_catches_up_once(store):
    sender = person()
    chat = store.join(sender)
    store.claim(chat.id, advisor(store))
    assert store.mark_started(sender).started
    assert store.mark_started(sender) is None
    assert store.end(chat.id, BY_ADVISOR, "mere")
    assert not store.end(chat.id, BY_PERSON, "person")
    ended = store.get(chat.id)
    assert (ended.status, ended.ended_how, ended.ended_by) == (ENDED, BY_ADVISOR, "mere")
    assert store.current(sender).id == chat.id  # not yet resumed
    assert store.mark_resumed(sender).resumed
    assert store.mark_resumed(sender) is None
    assert store.current(sender) is None


def test_nobody_waits_forever_and_nobody_talks_to_someone_gone(store):
    waited, left, deserted = person(), person(), person()
    store.join(waited)
    store.join(left)
    chat = store.join(deserted)
    store.claim(chat.id, advisor(store))
    now = time.time()
    store.person_seen(waited)
    store.person_seen(deserted)
    ended = store.expire(wait_seconds=10_000, now=now + PERSON_GONE_AFTER / 2)
    assert ended == []
    hows = {c.sender_id: c.ended_how for c in store.expire(
        wait_seconds=PERSON_GONE_AFTER / 4, now=now + PERSON_GONE_AFTER / 2)}
    assert hows == {waited: NO_ADVISOR, left: NO_ADVISOR}
    later = now + PERSON_GONE_AFTER + 1
    with store.engine.begin() as connection:  # the advisor's console is still open then
        connection.execute(presence.update().values(seen_at=later))
    hows = {c.sender_id: c.ended_how for c in store.expire(wait_seconds=10_000, now=later)}
    assert hows == {deserted: PERSON_LEFT}


def test_an_advisor_whose_console_closed_leaves_the_chat(store):
    sender = person()
    chat = store.join(sender)
    store.claim(chat.id, advisor(store))
    with store.engine.begin() as connection:
        connection.execute(chats.update().values(person_seen_at=time.time() + 3600))
    ended = store.expire(wait_seconds=10_000, now=time.time() + ADVISOR_GONE_AFTER + 1)
    assert [(c.sender_id, c.ended_how) for c in ended] == [(sender, ADVISOR_LEFT)]


def test_the_widget_collects_each_message_once_in_order(store):
    sender, other = person(), person()
    ids = [store.post(sender, {"text": f"message {n}", "advisor": "Mere"}) for n in range(3)]
    store.post(other, {"text": "not yours"})
    first = store.collect(sender, 0)
    assert [m["text"] for m in first] == ["message 0", "message 1", "message 2"]
    assert [m["id"] for m in store.collect(sender, ids[1])] == [ids[2]]
    assert store.collect(sender, ids[2]) == []
    assert [m["text"] for m in store.collect(other, 0)] == ["not yours"]
    store.collect(other, ids[2] + 1)
    # Every message collected, the next one still comes after the last the widget has.
    later = store.post(sender, {"text": "later"})
    assert later > ids[2] and [m["text"] for m in store.collect(sender, ids[2])] == ["later"]


def test_deleting_the_conversation_deletes_its_live_chats(store):
    sender = person()
    store.join(sender)
    store.post(sender, {"text": "hello"})
    with store.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE events (sender_id VARCHAR(255))")  # Rasa's
        conversation_log.forget(connection, [sender])
    assert store.current(sender) is None and store.collect(sender, 0) == []


def test_typing_shows_for_a_few_seconds(store):
    sender = person()
    store.join(sender)
    chat = store.person_seen(sender, typing=True)
    assert chat.person_typing() and not chat.person_typing(time.time() + 10)
    assert not store.person_seen(sender, typing=False).person_typing()
