"""A conversation's state at a point in its past, so that a turn need not read and replay
everything said before it. The tracker store (addons/tracker_store.py) keeps it in
records/tracker_snapshots.py and gives Rasa the snapshot followed by the events after it.

The snapshot is written as the events that recreate the state at that point:
- a SlotSet for every slot not at its initial value;
- ConversationPaused while a live chat with an advisor has the conversation paused;
- the session's latest danger reply, which actions/safety_check.py looks back for.

It is taken where a turn begins (the assistant listening, then the person's message;
in a live chat, any message of the person's), never while a form is active, so the
events after it always hold the whole of a form, and it leaves the person's last
KEEP_TURNS messages after it: the rules in data/rules.yml look back fewer turns than
that. A new one is taken once RETAKE_AFTER more messages have come, so that a turn
costs the same at turn 10 and at turn 1,000.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ConversationPaused,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from actions.safety_check import DANGER_REPLIES

KEEP_TURNS = 5
RETAKE_AFTER = 10


@dataclass(frozen=True)
class Cut:
    index: int                   # in tracker.events: the first event kept after the state
    state: List[Dict[str, Any]]  # the events that recreate the state before it


def next_cut(tracker: DialogueStateTracker, start: int) -> Optional[Cut]:
    """Where to take a new snapshot of `tracker`, whose first `start` events are the
    state of the snapshot it was read from; None while that one is recent enough."""
    events = list(tracker.events)
    messages = [i for i in range(start, len(events)) if isinstance(events[i], UserUttered)]
    if len(messages) < KEEP_TURNS + RETAKE_AFTER:
        return None
    replay = DialogueStateTracker.from_events(tracker.sender_id, events[:start],
                                              tracker.slots.values())
    danger = latest_danger_reply(events[:start])
    session = latest_session_start(events, start) or start
    found = None
    for index in range(start, messages[-KEEP_TURNS]):
        event = events[index]
        if (index >= session and replay.active_loop is None
                and (begins_turn(events, index) or in_live_chat(replay, events[index]))):
            found = Cut(index, state_events(replay, danger, event.timestamp))
        replay.update(event)
        danger = latest_danger_reply([event], danger)
    return found


def latest_session_start(events: Sequence[Event], start: int = 0) -> Optional[int]:
    """Where the latest session's events begin, if it began at `start` or later: at its
    SessionStarted, or before it while the events are stamped no earlier (as Rasa's
    SQLTrackerStore reads the latest session)."""
    starts = [i for i in range(start, len(events)) if isinstance(events[i], SessionStarted)]
    if not starts:
        return None
    first, at = starts[-1], events[starts[-1]].timestamp
    while first > start and events[first - 1].timestamp >= at:
        first -= 1
    return first


def begins_turn(events: Sequence[Event], index: int) -> bool:
    return (isinstance(events[index], ActionExecuted)
            and events[index].action_name == ACTION_LISTEN_NAME
            and index + 1 < len(events) and isinstance(events[index + 1], UserUttered))


def in_live_chat(tracker: DialogueStateTracker, event: Event) -> bool:
    """A message of the person's while an advisor has the conversation paused: the
    assistant does not listen then, so each of their messages begins a turn."""
    return tracker.is_paused() and isinstance(event, UserUttered)


def latest_danger_reply(events: Sequence[Event], before: Optional[ActionExecuted] = None
                        ) -> Optional[ActionExecuted]:
    """The session's latest danger reply, after `before` (the latest before `events`)."""
    for event in events:
        if isinstance(event, SessionStarted):
            before = None
        elif isinstance(event, ActionExecuted) and event.action_name in DANGER_REPLIES:
            before = event
    return before


def state_events(tracker: DialogueStateTracker, danger: Optional[ActionExecuted],
                 timestamp: float) -> List[Dict[str, Any]]:
    events: List[Event] = [danger] if danger else []
    events += [SlotSet(name, slot.value, timestamp) for name, slot in tracker.slots.items()
               if slot.value != slot.initial_value]
    if tracker.is_paused():
        events.append(ConversationPaused(timestamp))
    return [event.as_dict() for event in events]
