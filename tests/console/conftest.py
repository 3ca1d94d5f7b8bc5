"""The advisors' console, run in-process on a database of the tests' own.

`console.app.create_app(engine)` is driven as an ASGI application through httpx2's ASGI
transport: no server, no port, no trained model. Before Sanic serves ASGI requests its
startup must have run (it finalises the routes and signals), so `RunningApp` sends the
ASGI lifespan `startup` event first, as an ASGI server would, and `shutdown` at the end.

The conversations the pages show are saved as the running assistant saves them
(`Chats`): real Rasa events on a DialogueStateTracker, through the project's tracker
store, which masks them and writes the summaries and the gaps the console reads.

The browser tests (test_browser.py) still visit the console of the real stack, at BASE.
"""
from __future__ import annotations

import asyncio
import re
import threading
import uuid
from functools import lru_cache
from typing import Any, Dict, Optional, Tuple

import httpx2
import pytest

from console.accounts import Accounts
from records import database, schema
from serving.settings import settings
from tests.conftest import CONSOLE_ADMIN_PASSWORD, ROOT

BASE = settings().console_url.rstrip("/")  # the real stack's console, for the browser tests
ADVISOR_PASSWORD = "advisor-password-1"
# Where the in-process console answers; only its name is seen (in cookies, Location).
IN_PROCESS_URL = "http://console.test"
# An ASGI scope's client: the address the sign-in throttle goes by.
DEFAULT_ADDRESS = "127.0.0.1"


# ---- the console app, in-process -------------------------------------------------------

@lru_cache(maxsize=None)
def _loop() -> asyncio.AbstractEventLoop:
    """One event loop, in a thread of its own, for the in-process apps and the tracker
    store: the tests stay synchronous, and whatever loop the main thread has (Playwright's
    sync API keeps one) is never touched."""
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="in-process console", daemon=True).start()
    return loop


def run_async(coroutine: Any, timeout: float = 60) -> Any:
    return asyncio.run_coroutine_threadsafe(coroutine, _loop()).result(timeout)


class RunningApp:
    """`console.app.create_app(engine)` after its ASGI lifespan startup."""

    default: Optional["RunningApp"] = None  # the one `Visitor` and `Console` use unless told

    def __init__(self, engine: Any):
        from sanic import Sanic

        from console.app import create_app

        # What Sanic's own test client (sanic-testing) sets, for the whole process: each
        # startup then rewrites ("touches up") Sanic's request handling from the original
        # methods. Without it a second app's startup in the process fails (KeyError).
        Sanic.test_mode = True
        self.app = create_app(engine, name=f"console_{uuid.uuid4().hex[:12]}")
        self.app.config.MOTD = False  # as `python -m console serve` runs it
        self._lifespan: Optional[asyncio.Future] = None
        run_async(self._send_lifespan("startup"))

    async def _send_lifespan(self, event: str) -> None:
        if self._lifespan is None:
            self._inbox: "asyncio.Queue[dict]" = asyncio.Queue()
            self._outbox: "asyncio.Queue[dict]" = asyncio.Queue()
            scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
            self._lifespan = asyncio.ensure_future(
                self.app(scope, self._inbox.get, self._outbox.put))
        await self._inbox.put({"type": f"lifespan.{event}"})
        reply = asyncio.ensure_future(self._outbox.get())
        await asyncio.wait({self._lifespan, reply}, return_when=asyncio.FIRST_COMPLETED)
        if not reply.done():  # the app stopped without answering: startup failed
            reply.cancel()
            self._lifespan.result()  # raises what stopped it
            raise RuntimeError(f"The console app ended its lifespan before {event}.")
        assert reply.result() == {"type": f"lifespan.{event}.complete"}, reply.result()

    def client(self, address: str = DEFAULT_ADDRESS) -> httpx2.AsyncClient:
        transport = httpx2.ASGITransport(self.app, client=(address, 50000))
        return httpx2.AsyncClient(transport=transport, base_url=IN_PROCESS_URL)

    def close(self) -> None:
        run_async(self._send_lifespan("shutdown"))
        run_async(self._lifespan_ended())

    async def _lifespan_ended(self) -> None:
        try:
            await self._lifespan
        except AttributeError as error:
            # Sanic 21.12 runs the whole lifespan in ASGIApp.create, then goes on to
            # handle it as a request and fails for want of one, after shutdown.complete.
            if "request" not in str(error):
                raise


class Visitor:
    """Someone with a browser, not signed in: cookies kept, requests-like calls."""

    def __init__(self, app: Optional[RunningApp] = None, address: str = DEFAULT_ADDRESS):
        self.app = app or RunningApp.default
        assert self.app, "no console app is running: use the console_app fixture"
        self.address = address
        self.http = self.app.client(address)

    def request(self, method: str, path: str, allow_redirects: bool, **kwargs: Any
                ) -> httpx2.Response:
        return run_async(self.http.request(method, path, follow_redirects=allow_redirects,
                                           **kwargs))

    def get(self, path: str, allow_redirects: bool = True, **kwargs: Any) -> httpx2.Response:
        return self.request("GET", path, allow_redirects, **kwargs)

    def post(self, path: str, data: Optional[Dict[str, str]] = None,
             allow_redirects: bool = False, **kwargs: Any) -> httpx2.Response:
        return self.request("POST", path, allow_redirects, data=data, **kwargs)


class Console(Visitor):
    """A signed-in browser-like session: cookies kept, CSRF token read from the pages."""

    def __init__(self, username: str, password: str, app: Optional[RunningApp] = None,
                 address: str = DEFAULT_ADDRESS):
        super().__init__(app, address)
        self.username = username
        response = super().post("/login", {"username": username, "password": password})
        assert response.status_code == 303, response.text
        self.login_response = response

    def csrf(self) -> str:
        page = self.get("/queue").text
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def post(self, path: str, data: Optional[Dict[str, str]] = None, csrf: bool = True,
             **kwargs: Any) -> httpx2.Response:
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.csrf()
        return super().post(path, data, **kwargs)


# ---- conversations, saved as the assistant saves them ----------------------------------

@lru_cache(maxsize=None)
def domain() -> Any:
    """The domain the model is trained with: domain.yml and the responses in data/."""
    from rasa.shared.importers.importer import TrainingDataImporter

    return TrainingDataImporter.load_from_dict(
        domain_path=str(ROOT / "domain.yml"),
        training_data_paths=[str(ROOT / "data")]).get_domain()


def intent(name: str, confidence: float = 0.97) -> Dict[str, Any]:
    """What the NLU pipeline makes of a message: an intent."""
    return {"intent": {"name": name, "confidence": confidence}, "entities": [],
            "intent_ranking": [{"name": name, "confidence": confidence}]}


def faq(topic: str, confidence: float = 0.93) -> Dict[str, Any]:
    """What the NLU pipeline makes of a question: the faq intent, the answer selected."""
    parse = intent("faq", 0.99)
    parse["response_selector"] = {"all_retrieval_intents": ["faq"], "faq": {
        "response": {"intent_response_key": f"faq/{topic}", "confidence": confidence,
                     "utter_action": f"utter_faq/{topic}", "responses": None},
        "ranking": [{"intent_response_key": f"faq/{topic}", "confidence": confidence}]}}
    return parse


# The callback form's questions, in order (domain.yml).
FORM, FORM_SLOTS = "callback_form", ["contact_method", "contact_detail", "safe_time",
                                     "safe_to_leave_message", "first_name"]


class Chats:
    """People talking to the assistant, saved as the Rasa server saves them.

    Each message becomes the events Rasa logs for it (the user's message with its parse
    data, the slots extracted from it, the action run and its events, the reply rendered
    from the domain by Rasa's NLG, then action_listen) on a DialogueStateTracker, which
    `addons.tracker_store.ConversationStore` saves: it masks them and writes the summary
    and the gaps. The callback request is kept by the calls actions/callback_form.py makes.

    Only understanding needs the trained model: each message says what the model makes of
    it (tests/nlu checks the model does).
    """

    def __init__(self, database_url: str):
        from rasa.core.nlg import TemplatedNaturalLanguageGenerator

        from addons.tracker_store import ConversationStore
        from records.callbacks import CallbackRequests

        self.store = ConversationStore(domain(), host=database_url)
        self.nlg = TemplatedNaturalLanguageGenerator(domain().responses)
        self.callbacks = CallbackRequests(self.store.engine)
        self.trackers: Dict[str, Any] = {}

    @staticmethod
    def new_sender() -> str:
        return f"test-{uuid.uuid4()}"

    def say(self, text: str, sender: str, understood: Dict[str, Any],
            reply: Optional[str] = None, slots: Optional[Dict[str, Any]] = None) -> Any:
        """A message understood as `understood` (intent() or faq()), setting `slots` as
        the slot mappings would; the assistant answers with the response `reply` (by
        default the one for the intent or the FAQ). Returns the reply (BotUttered)."""
        name = understood["intent"]["name"]
        if name == "faq":
            reply = reply or understood["response_selector"]["faq"]["response"]["utter_action"]
            action = "utter_faq"
        else:
            reply = reply or (f"utter_{name}" if f"utter_{name}" in domain().responses
                              else "utter_default")
            action = reply
        return self._turn(sender, text, understood, slots or {}, [(action, [], reply, {})])

    def request_callback(self, first_message: str, answers: Dict[str, str]
                         ) -> Tuple[str, str]:
        """A new conversation: `first_message`, then a callback request by phone through
        the callback form, answering `answers`. Returns the sender id and the reference."""
        from rasa.shared.core.events import ActiveLoop, SlotSet

        from actions.callback_form import message_note, when_phrase

        sender = self.new_sender()
        self.say(first_message, sender, intent("greet"))
        self._turn(sender, "can someone call me back", intent("request_callback"), {},
                   [(FORM, [ActiveLoop(FORM), SlotSet("requested_slot", FORM_SLOTS[0])],
                     f"utter_ask_{FORM_SLOTS[0]}", {})])
        for number, slot in enumerate(FORM_SLOTS):
            typed = answers[slot]
            # The form runs validate_callback_form on the slot extracted from the answer,
            # then asks the next question, or ends and the request is submitted.
            kept = [SlotSet(slot, self._validate(sender, slot, typed)),
                    SlotSet("form_problem", "")]
            following = FORM_SLOTS[number + 1:]
            if following:
                actions = [(FORM, kept + [SlotSet("requested_slot", following[0])],
                            f"utter_ask_{following[0]}", {})]
            else:
                reference = self._submit(sender)
                reset = [SlotSet(s, None) for s in FORM_SLOTS] + [SlotSet("form_problem", "")]
                actions = [(FORM, kept + [SlotSet("requested_slot", None), ActiveLoop(None)],
                            None, {}),
                           ("action_submit_callback", [], "utter_callback_saved",
                            {"reference": reference, "how": "by phone",
                             "when": when_phrase("[answer]"),
                             "message_note": message_note("phone", False)}, reset)]
            self._turn(sender, typed, intent("nlu_fallback", 0.4), {slot: typed}, actions)
        return sender, reference

    def _validate(self, sender: str, slot: str, typed: str) -> str:
        """What validate_callback_form keeps in the slot for a phone request; like it,
        keeps the answers themselves in the draft callback request."""
        if slot == "contact_method":
            return "phone"
        if slot == "contact_detail":
            self.callbacks.save_draft(sender, "phone", typed)
            return "[phone]"
        if slot == "safe_to_leave_message":
            return typed.lower()
        self.callbacks.keep_answer(sender, **{slot: typed})
        return "[name]" if slot == "first_name" else "[answer]"

    def _submit(self, sender: str) -> str:
        """What action_submit_callback does for a request not safe to leave a message."""
        return self.callbacks.submit(sender, safe_time=None, safe_to_leave_message=False)

    def _turn(self, sender: str, text: str, parse: Dict[str, Any], extracted: Dict[str, Any],
              actions: list) -> Any:
        """One message and what the assistant does about it, then saved. `actions`:
        (action name, its events, the response it utters or None, values for the
        response[, events after the response]) for each action run."""
        from rasa.core.actions.action import create_bot_utterance
        from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
        from rasa.shared.core.trackers import DialogueStateTracker

        tracker = self.trackers.get(sender)
        if tracker is None:  # a new conversation starts with a session
            tracker = self.trackers[sender] = DialogueStateTracker(sender, domain().slots)
            for event in (ActionExecuted("action_session_start"), SessionStarted(),
                          ActionExecuted("action_listen")):
                tracker.update(event, domain())
        tracker.update(UserUttered(text, parse["intent"], parse.get("entities", []),
                                   {**parse, "text": text}, input_channel="rest",
                                   message_id=uuid.uuid4().hex), domain())
        for slot, value in extracted.items():  # action_extract_slots: no action logged
            tracker.update(SlotSet(slot, value), domain())
        uttered = None
        for action, events, reply, values, *after in actions:
            tracker.update(ActionExecuted(action), domain())
            for event in events:
                tracker.update(event, domain())
            if reply:
                message = run_async(self.nlg.generate(reply, tracker, "rest", **values))
                message["utter_action"] = reply
                uttered = create_bot_utterance(message)
                tracker.update(uttered, domain())
            for event in (after[0] if after else []):
                tracker.update(event, domain())
        tracker.update(ActionExecuted("action_listen"), domain())
        run_async(self.store.save(tracker))
        return uttered

    def stored_events(self, sender: str) -> list:
        import sqlalchemy as sa

        with self.store.engine.connect() as connection:
            return connection.execute(sa.text("SELECT data FROM events WHERE sender_id = :s"),
                                      {"s": sender}).scalars().all()


# ---- fixtures --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def console_database(tmp_path_factory) -> str:
    """A fresh SQLite database for the in-process console, its tables made."""
    url = f"sqlite:///{tmp_path_factory.mktemp('console') / 'console.db'}"
    schema.create(database.engine(url))
    return url


@pytest.fixture(scope="session")
def console_engine(console_database):
    return database.engine(console_database)


@pytest.fixture(scope="session")
def accounts(console_engine) -> Accounts:
    return Accounts(console_engine)


@pytest.fixture(scope="session")
def console_app(console_engine, accounts):
    """The console, in-process, with the first admin `python -m console serve` creates."""
    accounts.add("admin", "admin", CONSOLE_ADMIN_PASSWORD)
    running = RunningApp(console_engine)
    RunningApp.default = running
    yield running
    RunningApp.default = None
    running.close()


@pytest.fixture(scope="session")
def chats(console_database) -> Chats:
    return Chats(console_database)


@pytest.fixture
def admin(console_app) -> Console:
    return Console("admin", CONSOLE_ADMIN_PASSWORD)


@pytest.fixture
def advisor(console_app, accounts) -> Console:
    name = f"advisor-{uuid.uuid4().hex[:8]}"
    accounts.add(name, "advisor", ADVISOR_PASSWORD)
    return Console(name, ADVISOR_PASSWORD)
