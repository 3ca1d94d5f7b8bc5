"""A turn reads a snapshot of the conversation's state and its recent events only, and
the assistant sees the same conversation as it would reading every event: the same
slots, pause, form and recent states, after a restart, across two processes, and with
every event still kept for advisors."""
import asyncio
import uuid

import pytest
import sqlalchemy as sa
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from actions.safety_check import danger_raised_before
from addons.tracker_snapshot import KEEP_TURNS, RETAKE_AFTER
from addons.tracker_store import ConversationStore
from records import conversation_log, tracker_snapshots

DOMAIN = Domain.load("domain.yml")
LONGEST_TAIL = KEEP_TURNS + RETAKE_AFTER


def asking(text, intent="faq", action="utter_faq", extra=()):
    """One turn: the person's message, the assistant's reply, listening again."""
    return [UserUttered(text, {"name": intent, "confidence": 0.9}), *extra,
            ActionExecuted(action), BotUttered(f"reply to {text}"),
            ActionExecuted("action_listen")]


def take_turn(store, sender, events):
    """What Rasa does with a message: read the conversation, add the turn, save it."""
    async def turn():
        tracker = await store.get_or_create_tracker(sender)
        for event in events:
            tracker.update(event)
        await store.save(tracker)
    asyncio.run(turn())


def read(store, sender):
    return asyncio.run(store.retrieve(sender))


def every_event(store, sender):
    return asyncio.run(store.retrieve_full_tracker(sender))


def messages(tracker):
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def assert_same_conversation(read_back, full):
    """What the assistant decides from is the same as with every event replayed."""
    assert read_back.current_slot_values() == full.current_slot_values()
    assert read_back.is_paused() == full.is_paused()
    assert read_back.active_loop_name == full.active_loop_name
    assert read_back.latest_message.text == full.latest_message.text
    assert read_back.latest_action == full.latest_action
    recent = 2 * (KEEP_TURNS - 1)
    assert (read_back.past_states(DOMAIN)[-recent:] == full.past_states(DOMAIN)[-recent:])


@pytest.fixture
def store(fresh_url):
    return ConversationStore(DOMAIN, host=fresh_url)


@pytest.fixture
def sender():
    return f"test-{uuid.uuid4()}"


def test_a_long_conversation_is_read_from_its_recent_turns_with_every_event_kept(
        store, sender):
    for number in range(120):
        take_turn(store, sender, asking(f"question {number}"))
    read_back, full = read(store, sender), every_event(store, sender)
    assert KEEP_TURNS <= len(messages(read_back)) <= LONGEST_TAIL
    assert messages(read_back)[-1] == "question 119"
    assert messages(full) == [f"question {n}" for n in range(120)]
    assert_same_conversation(read_back, full)


def test_slots_a_pause_and_a_danger_reply_long_ago_are_still_known(store, sender):
    take_turn(store, sender, asking("he's outside my door", "crisis", "utter_crisis",
                                    [SlotSet("crisis_kind", "danger")]))
    take_turn(store, sender, asking("chat with someone", "request_live_chat",
                                    "action_live_chat_started", [ConversationPaused()]))
    for number in range(40):
        take_turn(store, sender, asking(f"question {number}"))
    read_back, full = read(store, sender), every_event(store, sender)
    assert len(messages(read_back)) <= LONGEST_TAIL
    assert read_back.get_slot("crisis_kind") == "danger"
    assert read_back.is_paused()
    assert_same_conversation(read_back, full)
    # actions/safety_check.py does not ask "are you safe?" a second time
    take_turn(store, sender, [UserUttered("he's back", {"name": "crisis"})])
    assert danger_raised_before([e.as_dict() for e in read(store, sender).events])

    take_turn(store, sender, [ConversationResumed()] + asking("thanks", "thank",
                                                                "utter_thanks"))
    assert not read(store, sender).is_paused()


def test_a_form_is_read_whole_however_long_it_takes(store, sender):
    take_turn(store, sender, asking("call me", "request_callback", "callback_form",
                                    [ActiveLoop("callback_form"),
                                     SlotSet(REQUESTED_SLOT, "contact_method")]))
    for number in range(LONGEST_TAIL + 5):  # a form interrupted by many questions
        take_turn(store, sender, asking(f"question {number}"))
    read_back = read(store, sender)
    assert messages(read_back)[0] == "call me"
    assert read_back.active_loop_name == "callback_form"
    take_turn(store, sender, asking("done", "inform", "callback_form",
                                    [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]))
    for number in range(LONGEST_TAIL):
        take_turn(store, sender, asking(f"after {number}"))
    read_back = read(store, sender)
    assert "call me" not in messages(read_back)
    assert_same_conversation(read_back, every_event(store, sender))


def test_a_new_session_is_read_from_its_start(store, sender):
    for number in range(LONGEST_TAIL + 3):
        take_turn(store, sender, asking(f"before {number}",
                                        extra=[SlotSet("crisis_kind", "danger")]))
    take_turn(store, sender, [ActionExecuted("action_session_start"), SessionStarted(),
                              ActionExecuted("action_listen")] + asking("back again"))
    read_back = read(store, sender)
    assert messages(read_back) == ["back again"]
    assert read_back.get_slot("crisis_kind") is None


def test_another_process_and_a_restart_read_the_same_conversation(fresh_url, sender):
    first, second = (ConversationStore(DOMAIN, host=fresh_url) for _ in range(2))
    for number in range(60):  # turns handled by either process, as behind a balancer
        take_turn(first if number % 3 else second, sender, asking(f"question {number}"))
    restarted = ConversationStore(DOMAIN, host=fresh_url)
    read_back = read(restarted, sender)
    assert messages(read_back)[-1] == "question 59"
    assert len(messages(every_event(restarted, sender))) == 60
    assert_same_conversation(read_back, every_event(restarted, sender))


def test_the_snapshot_masks_contact_details_as_the_events_do(store, sender):
    take_turn(store, sender, asking("my number", extra=[SlotSet("contact_method",
                                                                "ring 021 555 0192")]))
    for number in range(LONGEST_TAIL):
        take_turn(store, sender, asking(f"question {number}"))
    with store.engine.connect() as connection:
        state = connection.execute(sa.select(tracker_snapshots.table.c.state)).scalar()
    assert "contact_method" in state and "0192" not in state


def test_deleting_a_conversation_deletes_its_snapshot(store, sender):
    for number in range(LONGEST_TAIL):
        take_turn(store, sender, asking(f"question {number}"))
    with store.engine.begin() as connection:
        conversation_log.forget(connection, [sender])
    with store.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count())
                                  .select_from(tracker_snapshots.table)).scalar() == 0
    assert read(store, sender) is None
    take_turn(store, sender, asking("starting over"))
    assert messages(read(store, sender)) == ["starting over"]


def test_a_long_live_chat_is_read_from_its_latest_messages(store, sender):
    take_turn(store, sender, asking("chat with someone", "request_live_chat",
                                    "action_live_chat_started", [ConversationPaused()]))
    for number in range(40):  # paused: the assistant does not listen, the advisor answers
        take_turn(store, sender, [UserUttered(f"message {number}"),
                                  BotUttered(f"advisor {number}")])
    read_back = read(store, sender)
    assert len(messages(read_back)) <= LONGEST_TAIL
    assert read_back.is_paused()
    assert messages(read_back)[-1] == "message 39"


def test_a_conversation_deleted_during_a_turn_does_not_come_back(store, sender):
    for number in range(LONGEST_TAIL + RETAKE_AFTER - 1):  # the next turn takes a snapshot
        take_turn(store, sender, asking(f"question {number}",
                                        extra=[SlotSet("crisis_kind", "danger")]))

    async def turn_during_which_it_is_deleted():
        tracker = await store.get_or_create_tracker(sender)
        with store.engine.begin() as connection:  # the console deletes it meanwhile
            conversation_log.forget(connection, [sender])
        for event in asking("one more"):
            tracker.update(event)
        await store.save(tracker)
    asyncio.run(turn_during_which_it_is_deleted())
    read_back = read(store, sender)
    assert messages(read_back) == ["one more"]
    assert read_back.get_slot("crisis_kind") is None
