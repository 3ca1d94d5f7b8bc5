"""The website's channels (REST and Socket.IO), hardened against hostile input.

Rasa's own channels pass whatever arrives straight to the assistant. These subclasses:

- refuse malformed requests with a clear 4xx and say what is wrong: a body that is not
  a JSON object, a sender id that could be guessed, a message that is not text or is
  longer than the widget allows, a body too big to be a chat message;
- stop people steering the conversation with Rasa's `/intent{"slot": "value"}` syntax:
  a message starting with "/" is read as ordinary words unless it is exactly the
  payload of one of the assistant's own buttons;
- drop control characters and metadata (nothing outside the message is stored);
- never leave the person in silence: if the assistant fails to answer (action server,
  database or lock store down), the channel sends a reply with 111, the 0800 line and
  the advisors itself; unless an advisor is in the chat (addons/live_chat.py), which
  is why the assistant is quiet.
"""
from __future__ import annotations

import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, FrozenSet, List, Optional, Text, Tuple

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request

from addons import live_chat
from addons.incoming import (
    MAX_BODY_BYTES,
    Rejected,
    is_sender,
    json_object,
    refused,
    too_large,
    valid_sender,
    valid_text,
)
from serving.settings import settings

logger = logging.getLogger(__name__)

# Commands our own interface sends besides its buttons: the widget opens the chat with
# a greeting (widget/chat-widget.js).
INTERFACE_PAYLOADS = frozenset({"/greet"})
# Slashes, with any spaces (and invisible characters) before, between and after them.
_LEADING_COMMAND = re.compile(r"^[\s\u200b-\u200f\u2060\ufeff]*/[\s/\u200b-\u200f\u2060\ufeff]*")

UNAVAILABLE_TEXT = (
    "If you are in danger right now, call 111.\n\n"
    "I'm sorry, something went wrong on my side and I couldn't answer that. "
    "Please try again in a moment. You can also call the free Victims Information "
    "Line on 0800 650 654, any time, day or night, and they can put you in touch with "
    "a court victim advisor."
)
UNAVAILABLE_BUTTONS = [
    {"title": "Call 111", "payload": "tel:111"},
    {"title": "Call 0800 650 654", "payload": "tel:0800650654"},
]

Handler = Callable[[UserMessage], Awaitable[Any]]


def without_commands(text: str, own_payloads: FrozenSet[str]) -> str:
    """The text, with every leading run of slashes and spaces removed unless the whole
    message is one of our buttons' payloads, so `/intent{"slot": ...}`, `/ /intent` or
    `/\t/intent` is read as words instead of setting the intent or slots."""
    if text.strip() in own_payloads:
        return text
    return _LEADING_COMMAND.sub("", text) if _LEADING_COMMAND.match(text) else text


def button_payloads(domain: Any) -> FrozenSet[str]:
    """Every "/…" payload of a button in the domain's responses, and the widget's."""
    return INTERFACE_PAYLOADS | frozenset(
        button["payload"].strip()
        for variations in domain.responses.values()
        for variation in variations
        for button in variation.get("buttons") or []
        if str(button.get("payload", "")).strip().startswith("/")
    )


class _WatchedOutput(OutputChannel):
    """Passes every reply on to the real output channel, counting them."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> Text:  # type: ignore[override]
        return self.inner.name()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)


class _Guard:
    """What both channels do with a message before and after the assistant sees it."""

    app: Optional[Sanic] = None
    _payloads: Tuple[Any, FrozenSet[str]] = (None, INTERFACE_PAYLOADS)

    def remember_app(self, blueprint: Blueprint) -> None:
        @blueprint.listener("before_server_start")
        async def remember(app: Sanic, _loop: Any) -> None:
            self.app = app
            # Sanic reads bodies of up to 100 MB before any handler could refuse them;
            # from here on, a larger one is refused (413) from its Content-Length alone.
            # (This applies to Rasa's HTTP API too: models are pulled, never uploaded.)
            app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
            app.error_handler.add(PayloadTooLarge, too_large)

    def own_payloads(self) -> FrozenSet[str]:
        agent = getattr(self.app.ctx, "agent", None) if self.app else None
        domain = getattr(agent, "domain", None)
        if domain is None:
            return INTERFACE_PAYLOADS
        if self._payloads[0] is not domain:  # a new model brings a new domain
            self._payloads = (domain, button_payloads(domain))
        return self._payloads[1]

    async def in_live_chat(self, message: UserMessage, output: OutputChannel) -> bool:
        """Silence is right while an advisor is in the chat (addons/live_chat.py)."""
        agent = getattr(self.app.ctx, "agent", None) if self.app else None
        try:
            return agent is not None and await live_chat.answer_in_live_chat(
                agent, message, output)
        except Exception as error:  # noqa: BLE001 - the person must still get a reply
            logger.error("Could not check the live chat: %s", type(error).__name__)
            return False

    def guarded(self, on_new_message: Handler) -> Handler:
        async def handle(message: UserMessage) -> None:
            message.text = live_chat.as_command(
                message.sender_id, without_commands(message.text or "", self.own_payloads()))
            message.metadata = None
            output = _WatchedOutput(message.output_channel)
            message.output_channel = output
            try:
                await on_new_message(message)
            except Exception as error:  # noqa: BLE001 - the person must still get a reply
                # The message text stays out of the log (privacy); the type says enough.
                logger.error("Could not answer a message: %s", type(error).__name__)
            if output.sent == 0 and not await self.in_live_chat(message, output):
                await output.inner.send_text_with_buttons(
                    message.sender_id, UNAVAILABLE_TEXT, UNAVAILABLE_BUTTONS)

        return handle


class WebsiteRestInput(_Guard, RestInput):
    """POST /webhooks/rest/webhook {"sender": "<uuid>", "message": "..."}"""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        blueprint = super().blueprint(self.guarded(on_new_message))
        self.remember_app(blueprint)

        @blueprint.middleware("request")
        async def refuse_malformed(request: Request) -> Optional[response.HTTPResponse]:
            if request.method != "POST":
                return None
            try:
                request.parsed_json = checked_body(request)
            except Rejected as rejected:
                return refused(rejected)
            return None

        return blueprint

    def _extract_input_channel(self, request: Request) -> Text:
        return self.name()

    def get_metadata(self, request: Request) -> None:
        return None


def checked_body(request: Request) -> Dict[str, str]:
    body = json_object(request, '{"sender": "<random id>", "message": "<text>"}')
    return {"sender": valid_sender(body.get("sender")),
            "message": valid_text(body.get("message"))}


class WebsiteSocketIOInput(_Guard, SocketIOInput):
    """Socket.IO: `session_request` with an optional session id, then `user_uttered`
    events {"message": "...", "session_id": "..."}; refusals come back as a
    `message_rejected` event {"error": "..."}."""

    REJECTED_EVENT = "message_rejected"

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        handle = self.guarded(on_new_message)
        blueprint = super().blueprint(handle)
        self.remember_app(blueprint)
        sio = self.sio
        # Rasa creates the server with no origins, which turns the check off: a page on
        # any site could chat as its visitors. A connection from a browser must come
        # from one of the site's pages (clients that send no Origin are not browsers).
        # Checked here, not by engineio's own CORS, which would add a second
        # Access-Control-Allow-Origin header beside the one Rasa's --cors adds.
        allowed = OriginCheck(site_origins())

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict[str, Any], auth: Any = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            return origin is None or allowed(origin, environ)

        # These replace the handlers Rasa registered under the same event names.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = requested if is_sender(requested) else _new_session_id()
            if self.session_persistence:
                sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid,
                           namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any = None) -> None:
            try:
                if not isinstance(data, dict):
                    raise Rejected('The event data must be an object: {"message": "<text>", '
                                   '"session_id": "<id from session_confirm>"}.')
                text = valid_text(data.get("message"))
                sender = valid_sender(data.get("session_id"), "session_id") \
                    if self.session_persistence else sid
            except Rejected as rejected:
                await sio.emit(self.REJECTED_EVENT, {"error": str(rejected)}, room=sid,
                               namespace=self.namespace)
                return
            output = SocketIOOutput(sio, self.bot_message_evt)
            await handle(UserMessage(text, output, sender, input_channel=self.name()))

        return blueprint


class OriginCheck:
    """Allows the site's origins, and the server's own (what a non-browser client such as
    websocket-client sends: no page of another site can claim it)."""

    def __init__(self, origins: List[str]) -> None:
        self.origins = frozenset(origins)

    def __call__(self, origin: Optional[str], environ: Dict[str, Any]) -> bool:
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin in self.origins or origin == own


def site_origins() -> List[str]:
    """SITE_ORIGINS, which serving/rasa_server.py also gives Rasa's --cors."""
    return settings().origins


def _new_session_id() -> str:
    return uuid.uuid4().hex
