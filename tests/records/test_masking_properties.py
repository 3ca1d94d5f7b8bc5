"""No NZ phone number or email address, however it is written, survives into anything
stored: the events, the slots, the typed messages kept for search, the "not understood"
list, or an export."""
import asyncio
import uuid

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons.tracker_store import ConversationStore
from console import exports, queries
from records.masking import mask
from tests.conftest import ROOT

DOMAIN = Domain.load(str(ROOT / "domain.yml"))
# Mobile and landline prefixes, without the leading 0, as +64 drops it.
PREFIXES = ["21", "22", "27", "28", "29", "20", "3", "4", "6", "7", "9"]
SEPARATORS = st.sampled_from([" ", "-", " - ", ".", "/", "   ", "", " / ", "–"])


@st.composite
def nz_numbers(draw):
    prefix = draw(st.sampled_from(PREFIXES))
    middle = draw(st.integers(200, 999))
    # "555 01xx" numbers are set aside for fiction, which nothing should know about
    last = draw(st.integers(0, 9999)) if len(prefix) > 1 else draw(st.integers(1000, 9999))
    start = draw(st.sampled_from(["0", "+64 ", "+64", "64", "(0", "+64 (0)"]))
    head = f"{start}{prefix}" + (")" if start == "(0" else "")
    sep = draw(SEPARATORS)
    tail = f"{last:04d}"
    if draw(st.booleans()):
        tail = f"{tail[:2]}{draw(SEPARATORS)}{tail[2:]}"
    return f"{head}{sep}{middle}{sep}{tail}"


NAMES = st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=10)


@st.composite
def emails(draw):
    user = draw(NAMES) + draw(st.sampled_from(["", ".", "_", "+rj."])) + draw(NAMES)
    user = user.strip("._+")
    domain = draw(st.sampled_from(["gmail", "xtra", "outlook", "hotmail", "example"]))
    tld = draw(st.sampled_from([["com"], ["co", "nz"], ["net", "nz"], ["org"]]))
    shape = draw(st.sampled_from(["plain", "spaced", "words", "brackets", "caps"]))
    if shape == "plain":
        return f"{user}@{domain}." + ".".join(tld)
    if shape == "spaced":
        return f"{user} @ {domain}." + ".".join(tld)
    if shape == "words":
        return f"{user} at {domain} dot " + " dot ".join(tld)
    if shape == "brackets":
        return f"{user}(at){domain}(dot)" + "(dot)".join(tld)
    return f"{user.upper()} AT {domain.upper()} DOT " + " DOT ".join(t.upper() for t in tld)


SENTENCES = st.sampled_from(["{}", "call me on {}", "my number is {} thanks",
                             "{} after 5pm", "email is {}.", "({})", "it's {}, ok?"])


def digits(text):
    return "".join(ch for ch in text if ch.isdigit())


@given(number=nz_numbers(), sentence=SENTENCES)
def test_no_nz_number_survives_masking(number, sentence):
    masked = mask(sentence.format(number))
    assert "[phone]" in masked and digits(number)[-4:] not in digits(masked)


@given(address=emails(), sentence=SENTENCES)
def test_no_email_address_survives_masking(address, sentence):
    masked = mask(sentence.format(address))
    user = address.split("@")[0].split(" ")[0].split("(")[0].strip()
    assert "[email]" in masked and user.lower() not in masked.lower()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('masking') / 'c.db'}"
    return ConversationStore(DOMAIN, host=url)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=nz_numbers(), address=emails())
def test_no_contact_detail_survives_into_anything_stored(store, number, address):
    sender = f"test-{uuid.uuid4()}"
    text = f"ring {number} or write to {address}"
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(UserUttered(text, {"name": "nlu_fallback", "confidence": 0.3},
                               parse_data={"text": text, "entities": [
                                   {"entity": "phone", "value": number}]}))
    tracker.update(SlotSet("contact_detail", number))
    tracker.update(BotUttered(f"I'll use {address}"))
    asyncio.run(store.save(tracker))

    with store.engine.connect() as connection:
        stored = [*connection.execute(sa.text("SELECT data FROM events WHERE sender_id = :s"),
                                      {"s": sender}).scalars(),
                  *connection.execute(sa.text("SELECT text FROM typed_messages "
                                              "WHERE sender_id = :s"), {"s": sender}).scalars(),
                  *connection.execute(sa.text("SELECT text FROM understanding_gaps "
                                              "WHERE sender_id = :s"), {"s": sender}).scalars()]
    turns = {sender: queries.transcript(store.engine, sender)}
    stored += [exports.as_csv(turns), exports.as_json(turns)]
    everything = "\n".join(stored).lower()
    assert digits(number)[-7:] not in digits(everything.replace(sender, ""))
    assert address.lower() not in everything
    assert address.split("@")[0].split(" ")[0].split("(")[0].strip().lower() not in everything
