"""Callback requests are kept in the assistant's database, SQLite or PostgreSQL, with the
same code."""
import uuid
from datetime import timedelta

import pytest

from records import callbacks, database
from records.callbacks import CallbackError, CallbackRequests


@pytest.fixture(params=["sqlite", "postgres"])
def requests(request, tmp_path):
    url = (request.getfixturevalue("postgres") if request.param == "postgres"
           else f"sqlite:///{tmp_path / 'records.db'}")
    store = CallbackRequests(database.create_engine(url))
    created = []
    store.conversation = lambda: created.append(f"test-{uuid.uuid4()}") or created[-1]
    yield store
    with store.engine.begin() as connection:
        connection.execute(callbacks.table.delete().where(
            callbacks.table.c.conversation_id.in_(created)))


def test_a_completed_request_is_new_with_a_reference_and_every_detail(requests):
    conversation = requests.conversation()
    requests.save_draft(conversation, "phone", "021 123 4567")
    reference = requests.submit(conversation, safe_time="after 5pm",
                                safe_to_leave_message=False, first_name="Aroha")
    assert reference.startswith("RJ-") and len(reference) == 9
    saved = requests.get(reference)
    assert (saved.status, saved.conversation_id, saved.contact_method, saved.contact_detail,
            saved.safe_time, saved.safe_to_leave_message, saved.first_name) == (
        "new", conversation, "phone", "021 123 4567", "after 5pm", False, "Aroha")
    assert abs(saved.created_at - callbacks.now()) < timedelta(minutes=1)


def test_drafts_are_not_requests_until_submitted(requests):
    conversation = requests.conversation()
    requests.save_draft(conversation, "email", "a@example.com")
    requests.save_draft(conversation, "phone", "021 123 4567")  # changed their mind
    assert requests.draft(conversation).contact_detail == "021 123 4567"
    assert conversation not in [r.conversation_id for r in requests.list()]
    requests.discard_draft(conversation)
    assert requests.draft(conversation) is None
    with pytest.raises(CallbackError, match="No contact details"):
        requests.submit(conversation, None, None, None)


def test_the_queue_lists_oldest_first_and_filters_by_status(requests):
    references = []
    for _ in range(3):
        conversation = requests.conversation()
        requests.save_draft(conversation, "phone", "09 379 1234")
        references.append(requests.submit(conversation, None, None, None))
    requests.mark_contacted(references[1], "Mere")
    listed = [r.reference for r in requests.list() if r.reference in references]
    assert listed == references
    new = [r.reference for r in requests.list("new") if r.reference in references]
    assert new == [references[0], references[2]]
    with pytest.raises(CallbackError, match="Unknown status"):
        requests.list("done")


def test_the_open_requests_assigned_to_an_advisor(requests):
    advisor = f"advisor-{uuid.uuid4().hex[:6]}"
    references = []
    for _ in range(3):
        conversation = requests.conversation()
        requests.save_draft(conversation, "phone", "09 379 1234")
        references.append(requests.submit(conversation, None, None, None))
        requests.assign(references[-1], advisor, "Mere")
    requests.mark_contacted(references[1], "Mere")
    requests.set_status(references[2], "closed", "Mere")
    assert [r.reference for r in requests.open_for(advisor)] == references[:2]
    assert requests.open_for("nobody") == []


def test_marking_contacted_records_who_and_when_and_only_once(requests):
    conversation = requests.conversation()
    requests.save_draft(conversation, "phone", "09 379 1234")
    reference = requests.submit(conversation, None, True, None)
    contacted = requests.mark_contacted(reference.lower().replace("-", ""), "Mere")
    assert (contacted.status, contacted.contacted_by) == ("contacted", "Mere")
    assert contacted.contacted_at is not None
    with pytest.raises(CallbackError, match="already contacted"):
        requests.mark_contacted(reference, "Tama")
    with pytest.raises(CallbackError, match="Say who"):
        requests.mark_contacted(reference, "  ")
    with pytest.raises(CallbackError, match="No callback request"):
        requests.mark_contacted("RJ-NOPE22", "Mere")


def test_withdrawing_removes_only_requests_no_advisor_has_acted_on(requests):
    conversation = requests.conversation()
    requests.save_draft(conversation, "phone", "09 379 1234")
    acted_on = requests.submit(conversation, None, None, None)
    requests.mark_contacted(acted_on, "Mere")
    requests.save_draft(conversation, "phone", "09 379 1234")
    waiting = requests.submit(conversation, None, None, None)
    requests.save_draft(conversation, "email", "a@example.com")
    assert [r.reference for r in requests.waiting(conversation)] == [waiting]
    assert requests.withdraw(conversation) == 2  # the waiting request and the draft
    assert requests.get(acted_on).status == "contacted"
    with pytest.raises(CallbackError):
        requests.get(waiting)


def test_old_drafts_are_cleared_away(requests):
    old = requests.conversation()
    requests.save_draft(old, "phone", "09 379 1234")
    with requests.engine.begin() as connection:
        connection.execute(callbacks.table.update().where(
            callbacks.table.c.conversation_id == old
        ).values(created_at=callbacks.now() - timedelta(days=2)))
    requests.save_draft(requests.conversation(), "phone", "09 379 1234")
    assert requests.draft(old) is None


def test_references_are_short_unambiguous_and_found_however_typed():
    reference = callbacks.new_reference()
    assert not set(reference[3:]) & set("01OI")
    assert callbacks.normalise_reference(reference.lower().replace("-", " ")) == reference


def test_figures_for_the_dashboard_are_counted_in_the_database(fresh_url):
    requests = CallbackRequests(database.create_engine(fresh_url))
    assert requests.contact_times() == callbacks.ContactTimes(0, None)
    for hours, status in [(1, "contacted"), (2, "closed"), (10, "contacted"), (None, "new"),
                          (4, "contacted")]:
        conversation = f"test-{uuid.uuid4()}"
        requests.save_draft(conversation, "phone", "021 123 4567")
        reference = requests.submit(conversation)
        if hours:
            contacted = requests.mark_contacted(reference, "mere")
            with requests.engine.begin() as connection:
                connection.execute(callbacks.table.update().where(
                    callbacks.table.c.reference == reference).values(
                    created_at=contacted.contacted_at - timedelta(hours=hours)))
        if status == "closed":
            requests.set_status(reference, "closed", "mere")
    requests.save_draft(f"test-{uuid.uuid4()}", "email", "a@example.com")  # not counted
    assert requests.count_by_status() == {"new": 1, "contacted": 3, "closed": 1}
    times = requests.contact_times()
    assert times.contacted == 4 and times.median_hours == pytest.approx(3.0, abs=0.01)
