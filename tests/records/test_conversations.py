"""Conversation summaries, kept as the tracker store saves, and the console's queries on
them, on SQLite and PostgreSQL."""
import asyncio
import time
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons.tracker_store import ConversationStore
from console import queries
from console.queries import Filters
from records import conversation_log

DOMAIN = Domain.load("domain.yml")
PREFIX = f"test-conv-{uuid.uuid4().hex[:8]}-"


def faq(topic, confidence):
    return {"intent": {"name": "faq", "confidence": 0.99},
            "response_selector": {"faq": {"response": {
                "intent_response_key": f"faq/{topic}", "confidence": confidence}}}}


def said(text, intent=None, confidence=0.95, parse=None, at=None):
    parse = parse or {"intent": {"name": intent, "confidence": confidence}}
    return UserUttered(text, parse["intent"], parse_data={**parse, "text": text},
                       timestamp=at)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    url = (request.getfixturevalue("postgres") if request.param == "postgres"
           else f"sqlite:///{tmp_path / 'c.db'}")
    store = ConversationStore(DOMAIN, host=url)
    yield store
    with store.engine.begin() as connection:
        ids = connection.execute(sa.text("SELECT sender_id FROM conversation_summaries "
                                         "WHERE sender_id LIKE :p"), {"p": PREFIX + "%"})
        conversation_log.forget(connection, ids.scalars().all())


def save(store, name, *events):
    sender = PREFIX + name
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for event in events:
        tracker.update(event)
    at = events[-1].timestamp
    tracker.update(ActionExecuted("utter_greet", timestamp=at))
    tracker.update(BotUttered("Kia ora. Call 0800 650 654.",
                              {"buttons": [{"title": "Call 0800 650 654"}]}, timestamp=at))
    asyncio.run(store.save(tracker))
    return sender


def mine(found):
    return [s.sender_id[len(PREFIX):] for s in found if s.sender_id.startswith(PREFIX)]


def listed(store, **filters):
    return mine(queries.list_conversations(store.engine, Filters(**filters),
                                                 page_size=1000))


def test_summaries_count_turns_and_marks(store):
    sender = save(store, "a", said("kia ora", "greet"), said("is it free", parse=faq("cost", .9)),
                  said("zxqv", "nlu_fallback", .5), said("he is at my door", "crisis", 1.0),
                  said("/request_advisor", "request_advisor", 1.0))
    summary = queries.summary(store.engine, sender)
    assert (summary.user_turns, summary.crisis_turns, summary.fallback_turns,
            summary.advisor_turns) == (5, 1, 1, 1)
    assert summary.topics == ["greet", "faq/cost", "nlu_fallback", "crisis", "request_advisor"]


def test_a_crisis_turn_is_marked_though_it_sets_the_kind_of_danger(store):
    sender = save(store, "kind", said("he is outside my house", "crisis", 1.0),
                  SlotSet("crisis_kind", "danger"))
    assert queries.summary(store.engine, sender).crisis_turns == 1


def test_a_turn_asked_whether_in_danger_is_marked_for_advisors(store):
    sender = save(store, "asked", said("what is rj", parse=faq("what_is_rj", .9)),
                  said("he hit me", "possible_danger", 1.0))
    assert queries.summary(store.engine, sender).asked_about_danger
    calm, asked, _ = queries.transcript(store.engine, sender)
    assert not calm.possible_danger and asked.possible_danger and not asked.crisis


def test_a_later_turn_adds_to_the_summary(store):
    sender = PREFIX + "later"
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(said("kia ora", "greet"))
    asyncio.run(store.save(tracker))
    tracker.update(said("who will be there", parse=faq("who_attends", .9)))
    asyncio.run(store.save(tracker))
    summary = queries.summary(store.engine, sender)
    assert summary.user_turns == 2 and summary.topics == ["greet", "faq/who_attends"]


def test_filters_newest_first_and_search(store):
    now = time.time()
    save(store, "old", said("what is rj", parse=faq("what_is_rj", .9), at=now - 10 * 86400))
    save(store, "advisor", said("talk to a person", "request_advisor", at=now - 3600))
    save(store, "crisis", said("he is outside my house", "crisis", 1.0, at=now - 60))
    save(store, "lost", said("blorp", "nlu_fallback", .5, at=now - 30))
    save(store, "maybe", said("he hit me", "possible_danger", 1.0, at=now - 20))
    assert listed(store) == ["maybe", "lost", "crisis", "advisor", "old"]
    assert listed(store, asked_advisor=True) == ["advisor"]
    assert listed(store, crisis=True) == ["maybe", "crisis"]
    assert listed(store, not_understood=True) == ["lost"]
    assert listed(store, topic="faq/what_is_rj") == ["old"]
    assert listed(store, search="OUTSIDE my") == ["crisis"]
    today = date.today()
    assert listed(store, since=today - timedelta(days=2)) == ["maybe", "lost", "crisis",
                                                              "advisor"]
    assert listed(store, until=today - timedelta(days=5)) == ["old"]
    page_one = queries.list_conversations(store.engine, Filters(search="blorp"))
    assert mine(page_one) == ["lost"]


@pytest.mark.parametrize("hostile", [
    "'; DROP TABLE events; --", "%", "_", "\\", "' OR '1'='1", "\" OR 1=1 --",
    "faq/cost|' UNION SELECT * FROM callback_requests --", "a\x00b", "😀", "a" * 5000])
def test_hostile_filters_are_just_text(store, hostile):
    save(store, "calm", said("what is rj", parse=faq("what_is_rj", .9)))
    assert listed(store, search=hostile) == []
    assert listed(store, topic=hostile) == []
    assert queries.count_conversations(store.engine, Filters(search=hostile)) >= 0
    assert "calm" in listed(store)  # nothing was dropped or changed


def test_transcript_with_topics_marks_and_buttons(store):
    sender = save(store, "t", said("is it free", parse=faq("cost", .42)),
                  said("/request_advisor", "request_advisor", 1.0))
    person, clicked, bot = queries.transcript(store.engine, sender)
    assert (person.speaker, person.text, person.topic, person.confidence) == (
        "person", "is it free", "faq/cost", .42)
    assert clicked.clicked and not person.clicked
    assert bot.speaker == "assistant" and bot.buttons == ["Call 0800 650 654"]


def test_messages_not_understood_or_unsure_are_listed_for_trainers(store):
    save(store, "g", said("blorp zz", "nlu_fallback", .5),
         said("is it free", parse=faq("cost", .4)),
         said("what is rj", parse=faq("what_is_rj", .95)), said("he is here", "crisis", .3))
    texts = [g.text for g in queries.understanding_gaps(store.engine, page_size=1000)
             if g.sender_id == PREFIX + "g"]
    assert sorted(texts) == ["blorp zz", "is it free"]


def test_answers_to_a_form_are_not_counted_as_not_understood(store):

    sender = save(store, "form", said("can someone call me", "request_callback", 1.0),
                  said("Aroha", "nlu_fallback", .5), SlotSet("first_name", "Aroha"),
                  said("blorp", "nlu_fallback", .5))
    summary = queries.summary(store.engine, sender)
    assert (summary.user_turns, summary.fallback_turns) == (3, 1)
    texts = [g.text for g in queries.understanding_gaps(store.engine, page_size=1000)
             if g.sender_id == sender]
    assert texts == ["blorp"]


def test_delete_and_purge(store):
    now = time.time()
    keep = save(store, "keep", said("kia ora", "greet", at=now - 5))
    old = save(store, "old", said("blorp", "nlu_fallback", .5, at=now - 100 * 86400))
    gone = save(store, "gone", said("kia ora", "greet", at=now - 5))
    assert conversation_log.delete_conversation(store.engine, gone)
    assert not conversation_log.delete_conversation(store.engine, gone)
    assert conversation_log.purge_older_than(store.engine, 90) >= 1
    assert listed(store) == ["keep"]
    assert queries.transcript(store.engine, old) == []
    assert all(g.sender_id != old for g in queries.understanding_gaps(store.engine))
    assert queries.summary(store.engine, keep) is not None
    with pytest.raises(ValueError):
        conversation_log.purge_older_than(store.engine, 0)


def test_search_finds_whole_words_in_any_message_in_any_case(store):
    save(store, "words", said("Kia ora, my whānau want to come", "greet"),
         said("is the MARAE free", parse=faq("venue", .9)))
    save(store, "other", said("a marae is fine", parse=faq("venue", .9)))
    assert listed(store, search="WHĀNAU") == ["words"]
    assert listed(store, search="whānau marae") == ["words"]  # in different messages
    assert sorted(listed(store, search="marae")) == ["other", "words"]
    assert listed(store, search='"free marae"') == []  # a phrase: word after word
    assert listed(store, search='"the marae free"') == ["words"]
    assert listed(store, search="whān") == []  # whole words only
    assert listed(store, search="whānau tangihanga") == []
    assert queries.count_conversations(store.engine, Filters(search="marae")) >= 2


def test_a_deleted_conversations_words_leave_the_search_index(store):
    marker = f"kiwifruit{uuid.uuid4().hex[:8]}"
    sender = save(store, "secret", said(f"my name is {marker}", "greet"))
    assert listed(store, search=marker) == ["secret"]
    conversation_log.delete_conversation(store.engine, sender)
    assert listed(store, search=marker) == []
    if store.engine.dialect.name == "sqlite":  # FTS5's own index, merged on deletion
        with store.engine.connect() as connection:
            blocks = connection.execute(sa.text(
                "SELECT block FROM typed_messages_fts_data")).scalars().all()
        assert not any(marker.encode() in (block or b"") for block in blocks)


def test_dashboard_figures_are_counted_in_the_database(tmp_path):
    store = ConversationStore(DOMAIN, host=f"sqlite:///{tmp_path / 'dashboard.db'}")
    now = time.time()
    save(store, "a", said("is it free", parse=faq("cost", .9), at=now - 60),
         said("blorp", "nlu_fallback", .5, at=now - 50))
    save(store, "b", said("he is outside", "crisis", 1.0, at=now - 86400),
         said("is it free", parse=faq("cost", .9), at=now - 86300))
    save(store, "c", said("what is rj", parse=faq("what_is_rj", .9), at=now - 40 * 86400))
    found = queries.activity(store.engine, days=30)
    today = datetime.fromtimestamp(now, timezone.utc).date()
    yesterday = datetime.fromtimestamp(now - 86400, timezone.utc).date()
    assert len(found.per_day) == 30 and sum(found.per_day.values()) == 2
    assert found.per_day[today.isoformat()] == 1 and found.per_day[yesterday.isoformat()] == 1
    assert sum(found.crisis_per_day.values()) == 1
    assert found.topics == {"faq/cost": 2, "crisis": 1, "nlu_fallback": 1}
    assert (found.user_turns, found.not_understood) == (4, 1)


def test_a_page_with_its_total_whichever_way_the_words_are_found(store):
    now = time.time()
    for n in range(6):
        save(store, f"w{n}", said(f"kōrero {n} about the hui", "greet", at=now - 100 + n))
    by_index = queries.list_conversations(store.engine, Filters(search="hui"), page_size=1000)
    one_by_one = queries.list_conversations(store.engine, Filters(search="hui"),
                                            page_size=1000, index_first=False)
    assert mine(by_index) == mine(one_by_one) == [f"w{n}" for n in range(5, -1, -1)]
    page = queries.conversation_page(store.engine, Filters(search="kōrero hui"), 2, 4)
    assert page.total >= 6 and len(page.conversations) <= 4
