"""Live chat with a victim advisor, on the Rasa server (the state is in
records/live_chat.py; the console's side in console/pages/live.py).

The conversation stays one tracker. When an advisor has accepted, the assistant pauses it
(ConversationPaused, from actions/live_chat.py): people's messages are still parsed,
masked and stored, but no policy answers them. When the chat ends it resumes
(ConversationResumed) and says how it ended. Rasa's HTTP API adds the advisor's messages
to the conversation (`POST /conversations/<id>/tracker/events?output_channel=live&
execute_side_effects=true`); this channel's output puts them in the outbox.

- `LiveChatInput`, the `live` channel (credentials.yml):
  - `POST /webhooks/live/poll {"sender": id, "after": n, "typing": bool}`: the widget,
    every second while the person waits or chats. Says the person is there (and
    typing), ends chats nobody is on one side of any more, catches the conversation up,
    and answers with the state and the messages after outbox id `n`:
    `{"state": "none" | "waiting" | "active", "position": 2, "advisor": "Anna",
      "advisor_typing": false, "messages": [{"id": 7, "text": "...", "buttons": [],
      "advisor": "Anna"}]}` (`advisor` is null on the assistant's messages);
  - `POST /webhooks/live/leave {"sender": id}`: Quick Exit. The chat ends at once; what
    was waiting for the widget is deleted.
- `as_command`: the channels' step for typed "end chat" in the queue or in a chat;
  `answer_in_live_chat`: their step for a message the assistant did not answer.
"""
from __future__ import annotations

import re
import time
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import UserUttered
from sanic import Blueprint, response
from sanic.request import Request

from addons.crisis import DANGER_INTENTS
from addons.incoming import Rejected, json_object, refused, valid_sender
from records.live_chat import (
    ACTIVE,
    ADVISOR_KEY,
    BY_PERSON,
    ENDED,
    PERSON_LEFT,
    WAITING,
    Chat,
    LiveChats,
)
from serving.settings import settings

START_ACTION = "action_live_chat_started"
END_ACTION = "action_end_live_chat"
END_INTENT = "end_live_chat"
# What the assistant says to a message that signals danger while an advisor is in the chat.
DANGER_REPLY = {"crisis": "utter_crisis", "possible_danger": "utter_safety_note"}
SWEEP_EVERY = 2.0  # seconds: ending chats nobody is on one side of, per Rasa process
POLL_EXAMPLE = '{"sender": "<random id>", "after": 0, "typing": false}'
END_COMMAND = "/end_live_chat"  # the "End chat" and "Leave the queue" buttons' payload
# Typed instead of tapping one of them, in the queue or in a chat. (Words, not an NLU
# intent: "chat" and "queue" would pull every message about "this chat" towards it.)
END_WORDS = re.compile(
    r"\W*((ok|okay|please|pls|actually|i want to|i'd like to|can you)\W+)*"
    r"(end|close|stop|finish|quit|exit|leave|cancel|get me out of)\W+"
    r"((the|this|my)\W+)?(live\W+)?(chat|queue)(\W+(now|please|pls|thanks|thank you))*\W*",
    re.IGNORECASE)

_last_sweep = 0.0


class LiveOutbox(OutputChannel):
    """Messages for the widget to collect with its next poll."""

    @classmethod
    def name(cls) -> Text:
        return "live"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        LiveChats().post(recipient_id, {
            "text": message.get("text") or "",
            "buttons": message.get("buttons") or [],
            "advisor": message.get(ADVISOR_KEY),
        })

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


class LiveChatInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "live"

    def get_output_channel(self) -> Optional[OutputChannel]:
        return LiveOutbox()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
                  ) -> Blueprint:
        live = Blueprint("live_chat_webhook", __name__)

        @live.post("/poll")
        async def poll(request: Request) -> response.HTTPResponse:
            try:
                body = json_object(request, POLL_EXAMPLE)
                sender = valid_sender(body.get("sender"))
                after = body.get("after", 0)
                if not isinstance(after, int) or isinstance(after, bool) or after < 0:
                    raise Rejected('"after" must be the id of the last message the widget '
                                   'has (0 for none).')
            except Rejected as rejected:
                return refused(rejected)
            store = LiveChats()
            store.person_seen(sender, typing=body.get("typing") is True)
            sweep(store)
            await catch_up(request.app.ctx.agent, sender, LiveOutbox())
            return response.json(state(store, store.current(sender), store.collect(sender,
                                                                                   after)))

        @live.post("/leave")
        async def leave(request: Request) -> response.HTTPResponse:
            try:
                sender = valid_sender(json_object(request, '{"sender": "<random id>"}')
                                      .get("sender"))
            except Rejected as rejected:
                return refused(rejected)
            store = LiveChats()
            chat = store.current(sender)
            if chat is not None and chat.is_open:
                store.end(chat.id, PERSON_LEFT)
            await catch_up(request.app.ctx.agent, sender, LiveOutbox())
            store.clear_outbox(sender)
            return response.empty()

        return live


def as_command(sender_id: str, text: str) -> str:
    """Typed "end chat" or "leave the queue", from someone in the queue or in a chat, is
    the same as the button; any other message is as it was."""
    if END_WORDS.fullmatch(text):
        chat = LiveChats().current(sender_id)
        if chat is not None and chat.is_open:
            return END_COMMAND
    return text


def state(store: LiveChats, chat: Optional[Chat], messages: list) -> Dict[str, Any]:
    now = time.time()
    open_chat = chat if chat is not None and chat.status != ENDED else None
    return {
        "state": open_chat.status if open_chat else "none",
        "position": store.position(open_chat, now) if open_chat and
        open_chat.status == WAITING else None,
        "advisor": open_chat.shown_advisor if open_chat and open_chat.status == ACTIVE
        else None,
        "advisor_typing": bool(open_chat and open_chat.advisor_typing(now)),
        "messages": messages,
    }


def sweep(store: LiveChats) -> None:
    """End the chats nobody is on one side of any more, at most every SWEEP_EVERY s."""
    global _last_sweep
    if time.monotonic() - _last_sweep >= SWEEP_EVERY:
        _last_sweep = time.monotonic()
        store.expire(settings().live_chat_wait_seconds)


async def catch_up(agent: Any, sender_id: str, output: OutputChannel) -> bool:
    """Pause the conversation for a chat an advisor accepted, or resume it after one that
    ended, saying so; whether there was anything to catch up with."""
    if behind(LiveChats().current(sender_id)) is None:
        return False
    async with agent.lock_store.lock(sender_id):
        # Again, under the lock: another process may have caught up meanwhile.
        action = behind(LiveChats().current(sender_id))
        if action is None:
            return False
        await execute(agent, sender_id, action, output)
    return True


def behind(chat: Optional[Chat]) -> Optional[str]:
    """The action the conversation needs to catch up with the chat, if any."""
    if chat is not None and chat.status == ACTIVE and not chat.started:
        return START_ACTION
    if chat is not None and chat.status == ENDED and not chat.resumed:
        return END_ACTION
    return None


async def run_action(agent: Any, sender_id: str, action: str, output: OutputChannel) -> None:
    async with agent.lock_store.lock(sender_id):
        await execute(agent, sender_id, action, output)


async def execute(agent: Any, sender_id: str, action: str, output: OutputChannel) -> None:
    """Run `action`, then listen, as the assistant does after its last action of a turn:
    the policies then read the person's next message as they read any other. The caller
    holds the conversation's lock."""
    for name in (action, ACTION_LISTEN_NAME):
        await agent.execute_action(sender_id, name, output, None, None)


async def answer_in_live_chat(agent: Any, message: UserMessage, output: OutputChannel
                              ) -> bool:
    """For a message the assistant did not answer: whether that is because of a live chat,
    now answered as it should be. Danger gets the crisis reply at once (and the advisor
    sees the flag); "end chat" ends the chat; a chat that started or ended meanwhile is
    said to have; a conversation left paused with no chat open is resumed."""
    sender_id = message.sender_id
    store = LiveChats()
    chat = store.current(sender_id)
    tracker = await agent.tracker_store.retrieve(sender_id)
    if tracker is None or (chat is None and not tracker.is_paused()):
        return False
    if chat is not None:
        store.person_seen(sender_id)
    intent = intent_of(tracker, message.message_id)
    if intent in DANGER_INTENTS:
        if chat is not None and chat.is_open:
            store.flag_crisis(sender_id)
        await run_action(agent, sender_id, DANGER_REPLY[intent], output)
    if intent == END_INTENT and chat is not None and chat.is_open:
        store.end(chat.id, BY_PERSON, "person")
    if await catch_up(agent, sender_id, output):
        return True
    if tracker.is_paused() and (chat is None or not chat.is_open):
        # Paused, with no chat open: the resume was lost (the action server failed, say).
        await run_action(agent, sender_id, END_ACTION, output)
        return True
    return intent in DANGER_INTENTS or (chat is not None and chat.status == ACTIVE)


def intent_of(tracker: Any, message_id: Optional[str]) -> Optional[str]:
    """The intent of the person's message with this id (not simply the latest: another
    message of theirs may have been saved in between)."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered) and event.message_id == message_id:
            return (event.intent or {}).get("name")
    return None
