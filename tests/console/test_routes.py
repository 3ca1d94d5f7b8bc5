"""Every console route, in-process against the console app and a database of its own
(tests/console/conftest.py): conversations saved as the assistant saves them."""
import csv
import io
import json
import re
import uuid
from datetime import timedelta

import pytest
import yaml

from console import accounts as accounts_module
from records.advisor_ids import shown_id
from serving.settings import settings
from tests.console.conftest import ADVISOR_PASSWORD, Console, RunningApp, Visitor, faq, intent
from tests.e2e.test_callback import ANSWERS, REFERENCE

GET_ROUTES = ["/", "/queue", "/queue?status=all", "/requests/RJ-ABCDEF", "/conversations",
              "/conversations/x", "/conversations/x/export/csv", "/export/conversations/json",
              "/dashboard", "/gaps", "/gaps/export.yml", "/admin", "/live", "/live/state.json",
              "/live/1", "/live/1/updates.json"]
POST_ROUTES = ["/logout", "/requests/RJ-ABCDEF/status", "/requests/RJ-ABCDEF/assign",
               "/requests/RJ-ABCDEF/notes", "/conversations/x/delete", "/admin/purge",
               "/admin/accounts", "/admin/accounts/x/disable", "/live/availability",
               "/live/1/accept", "/live/1/messages", "/live/1/end", "/live/1/hand-back",
               "/live/1/note"]


def test_the_route_lists_cover_every_route_of_the_app():
    import sqlalchemy as sa

    from console.app import create_app

    app = create_app(sa.create_engine("sqlite://"), name=f"routes{uuid.uuid4().hex[:6]}")
    paths = {re.sub(r"<[^>]+>", "x", "/" + route.path.lstrip("/"))
             for route in app.router.routes if not route.path.startswith("static")}
    listed = {re.sub(r"/(csv|json|disable)$", "/x", p.split("?")[0].replace("RJ-ABCDEF", "x"))
              .replace("/1", "/x") for p in GET_ROUTES + POST_ROUTES}
    assert paths - {"/login"} == listed


@pytest.mark.parametrize("path", GET_ROUTES)
def test_pages_refuse_anyone_not_signed_in(console_app, path):
    response = Visitor().get(path, allow_redirects=False)
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")


@pytest.mark.parametrize("path", POST_ROUTES)
def test_changes_refuse_anyone_not_signed_in(console_app, path):
    response = Visitor().post(path, data={"status": "closed"})
    assert response.status_code == 403


def test_a_session_cookie_that_scripts_and_other_sites_cannot_use(admin):
    cookie = admin.login_response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # plain http on this machine
    # with no proxy configured, anyone's X-Forwarded-Proto changes nothing
    claimed = Visitor().post("/login", headers={"X-Forwarded-Proto": "https"},
                             data={"username": "admin", "password": admin_password()})
    assert claimed.headers["Set-Cookie"].startswith("rj_console=")
    assert "Strict-Transport-Security" not in claimed.headers


@pytest.fixture(scope="module")
def console_behind_a_proxy(console_app, console_engine):
    """A second console on the same database, told (PROXIES_COUNT) that one proxy sits
    in front."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PROXIES_COUNT", "1")
        settings.cache_clear()
        try:
            running = RunningApp(console_engine)
        finally:
            patch.undo()
            settings.cache_clear()
    yield running
    running.close()


def test_behind_https_the_cookie_is_host_only_and_hsts_is_sent(console_behind_a_proxy):
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    signed_in = Visitor(console_behind_a_proxy).post(
        "/login", headers=https, data={"username": "admin", "password": admin_password()})
    cookie = signed_in.headers["Set-Cookie"]
    assert cookie.startswith("__Host-rj_console=") and "Secure" in cookie
    assert "Path=/" in cookie and "Domain" not in cookie
    assert signed_in.headers["Strict-Transport-Security"] == "max-age=31536000"
    token = cookie.split(";")[0].split("=", 1)[1]
    page = Visitor(console_behind_a_proxy).get(
        "/queue", headers={**https, "Cookie": f"__Host-rj_console={token}"},
        allow_redirects=False)
    assert page.status_code == 200


def test_behind_a_proxy_the_throttle_sees_each_persons_address(console_behind_a_proxy,
                                                                  accounts):
    name = f"proxied-{uuid.uuid4().hex[:6]}"
    accounts.add(name, "advisor", ADVISOR_PASSWORD)
    proxy = Visitor(console_behind_a_proxy)  # every request comes from the proxy
    for _ in range(accounts_module.FREE_FAILURES_PER_ACCOUNT):
        proxy.post("/login", headers={"X-Forwarded-For": "198.51.100.1"},
                   data={"username": name, "password": "nope"})
    attacker = proxy.post("/login", headers={"X-Forwarded-For": "198.51.100.1"},
                          data={"username": name, "password": ADVISOR_PASSWORD})
    assert attacker.status_code == 401 and "Too many" in attacker.text
    owner = proxy.post("/login", headers={"X-Forwarded-For": "198.51.100.2"},
                       data={"username": name, "password": ADVISOR_PASSWORD})
    assert owner.status_code == 303


def admin_password():
    from tests.conftest import CONSOLE_ADMIN_PASSWORD
    return CONSOLE_ADMIN_PASSWORD


def test_security_headers(admin):
    headers = admin.get("/queue").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["Cache-Control"] == "no-store"


def test_a_wrong_password_is_refused_and_repeated_failures_are_slowed(console_app, accounts,
                                                                        monkeypatch):
    name = f"limited-{uuid.uuid4().hex[:6]}"
    accounts.add(name, "advisor", ADVISOR_PASSWORD)
    someone = Visitor(address="192.0.2.10")  # an address no other test signs in from
    for attempt in range(accounts_module.FREE_FAILURES_PER_ACCOUNT):
        # a forged X-Forwarded-For does not make each try come from somewhere new
        response = someone.post("/login", data={"username": name, "password": "nope"},
                                headers={"X-Forwarded-For": f"10.9.9.{attempt}"})
        assert response.status_code == 401 and "do not match" in response.text
    response = someone.post("/login", data={"username": name, "password": ADVISOR_PASSWORD},
                            headers={"X-Forwarded-For": "10.9.9.200"})
    assert response.status_code == 401 and "Too many failed sign-ins" in response.text
    # the first wait is 2 seconds (the clock moves on instead of the test sleeping);
    # then the right password works
    clock = accounts_module.now
    monkeypatch.setattr(accounts_module, "now", lambda: clock() + timedelta(seconds=2.5))
    response = someone.post("/login", data={"username": name, "password": ADVISOR_PASSWORD})
    assert response.status_code == 303


def test_changes_without_the_csrf_token_are_refused(advisor):
    response = advisor.post("/requests/RJ-ABCDEF/notes", {"note": "hi"}, csrf=False)
    assert response.status_code == 403
    response = advisor.post("/requests/RJ-ABCDEF/notes", {"note": "hi", "csrf_token": "forged"},
                            csrf=False)
    assert response.status_code == 403


def test_signing_out_ends_the_session(advisor):
    assert advisor.post("/logout").status_code == 303
    assert advisor.get("/queue", allow_redirects=False).status_code == 303


def make_request(chats, first_message="hello <b>there</b>"):
    """A conversation that asks for a callback by phone, as tests/e2e/test_callback.py
    answers the form; returns its sender id and the reference the person was given."""
    sender, reference = chats.request_callback(first_message, ANSWERS)
    assert REFERENCE.fullmatch(reference)
    return sender, reference


def test_the_queue_and_working_a_request(chats, advisor):
    sender, reference = make_request(chats)
    queue = advisor.get("/queue").text
    assert reference in queue and ANSWERS["contact_detail"] in queue
    page = advisor.get(f"/requests/{reference}").text
    assert "Do not leave a message or say who is calling" in page

    assert advisor.post(f"/requests/{reference}/notes",
                        {"note": "Rang, no answer <script>x</script>"}).status_code == 303
    assert advisor.post(f"/requests/{reference}/assign",
                        {"assignee": advisor.username}).status_code == 303
    assert advisor.post(f"/requests/{reference}/status",
                        {"status": "contacted"}).status_code == 303
    page = advisor.get(f"/requests/{reference}").text
    assert f"by {advisor.username}" in page and "new -&gt; contacted" in page
    assert "Rang, no answer &lt;script&gt;x&lt;/script&gt;" in page
    assert reference not in advisor.get("/queue").text  # no longer new
    again = advisor.post(f"/requests/{reference}/status", {"status": "contacted"})
    assert again.status_code == 400 and "already contacted" in again.text


def test_disabling_an_advisor_names_the_requests_still_assigned_to_them(chats, admin,
                                                                        advisor):
    _, reference = make_request(chats)
    advisor.post(f"/requests/{reference}/assign", {"assignee": advisor.username})
    reply = admin.post(f"/admin/accounts/{advisor.username}/disable").text
    assert f"Callback requests still assigned to them: {reference}" in reply


def test_conversations_filters_search_and_transcript(chats, advisor):
    marker = f"kiwifruit{uuid.uuid4().hex[:6]}"
    sender = chats.new_sender()
    chats.say(f"is it free {marker}", sender, faq("cost"))
    chats.say("he is outside my house right now", sender, intent("crisis", 1.0),
              slots={"crisis_kind": "danger"})
    found = advisor.get("/conversations", params={"q": marker.upper(), "crisis": "1"}).text
    assert shown_id(sender) in found and "1 conversation." in found
    assert sender not in found  # the person's own id, their credential, is never shown
    assert shown_id(sender) not in advisor.get(
        "/conversations", params={"q": marker, "advisor": "1"}).text
    transcript = advisor.get(f"/conversations/{shown_id(sender)}").text
    assert marker in transcript and "faq/cost" in transcript and "crisis" in transcript
    assert sender not in transcript
    assert advisor.get(f"/conversations/{sender}").status_code == 404
    assert re.search(r"faq/cost \(\d+%\)", transcript)


def test_hostile_filters_are_harmless(advisor):
    for hostile in ["'; DROP TABLE events; --", "' OR 1=1 --", "%' UNION SELECT password_hash "
                    "FROM console_users --", "\\", "_%", "a\x00b", "2024-13-45"]:
        for name in ["q", "topic", "since", "until", "page"]:
            response = advisor.get("/conversations", params={name: hostile})
            assert response.status_code == 200, (name, hostile)
            assert "scrypt$" not in response.text
    assert advisor.get("/queue").status_code == 200  # the tables are still there


def test_exports(chats, advisor):
    sender = chats.new_sender()
    chats.say("=HYPERLINK(\"http://evil\") is it free", sender, faq("cost"))
    advisor.get("/conversations")  # where advisors find its id
    rows = list(csv.DictReader(io.StringIO(
        advisor.get(f"/conversations/{shown_id(sender)}/export/csv").text)))
    assert rows[0]["speaker"] == "person" and rows[0]["text"].startswith("'=HYPERLINK")
    exported = advisor.get(f"/conversations/{shown_id(sender)}/export/json").json()
    assert exported[0]["conversation"] == shown_id(sender)
    assert exported[0]["turns"][0]["topic"] == "faq/cost"
    filtered = advisor.get("/export/conversations/json", params={"q": "hyperlink"}).json()
    assert shown_id(sender) in [c["conversation"] for c in filtered]
    assert sender not in json.dumps(filtered)


def test_messages_not_understood_export_as_nlu_yaml(chats, advisor):
    chats.say("flibbertigibbet wobblecrank", chats.new_sender(), intent("nlu_fallback", 0.31),
              reply="utter_ask_rephrase")
    assert "flibbertigibbet wobblecrank" in advisor.get("/gaps").text
    data = yaml.safe_load(advisor.get("/gaps/export.yml").text)
    assert data["version"] == "3.1"
    examples = data["nlu"][0]["examples"]
    assert "- flibbertigibbet wobblecrank" in examples


def test_admin_pages_are_for_admins(advisor):
    assert advisor.get("/admin").status_code == 403
    assert advisor.post("/admin/purge", {"days": "1"}).status_code == 403
    assert advisor.post("/conversations/x/delete").status_code == 403
    assert advisor.post("/admin/accounts", {"username": "sneaky", "role": "admin",
                                            "password": "long-enough-password"}
                        ).status_code == 403
    refused = advisor.post(f"/admin/accounts/{advisor.username}/delete", {"confirm": "yes"})
    assert refused.status_code == 403 and "Only admins" in refused.text


def test_admins_add_disable_enable_and_delete_accounts(admin):
    name = f"advisor-{uuid.uuid4().hex[:8]}"
    weak = admin.post("/admin/accounts", {"username": name, "role": "advisor",
                                          "password": "short"})
    assert weak.status_code == 400 and "at least 12 characters" in weak.text
    assert f'value="{name}"' in weak.text  # what was typed is kept
    added = admin.post("/admin/accounts", {"username": name, "role": "advisor",
                                           "password": ADVISOR_PASSWORD})
    assert added.status_code == 200 and f"Added the advisor account {name}" in added.text
    assert admin.post("/admin/accounts", {"username": name, "role": "advisor",
                                          "password": ADVISOR_PASSWORD}).status_code == 400
    person = Console(name, ADVISOR_PASSWORD)
    assert person.get("/queue").status_code == 200
    assert f"<td>{name}</td><td>advisor</td><td>active</td>" in admin.get("/admin").text

    assert "Disabled the account" in admin.post(f"/admin/accounts/{name}/disable").text
    assert person.get("/queue", allow_redirects=False).status_code == 303  # signed out
    assert f"<td>{name}</td><td>advisor</td><td>disabled</td>" in admin.get("/admin").text
    with pytest.raises(AssertionError):
        Console(name, ADVISOR_PASSWORD)
    assert "Enabled the account" in admin.post(f"/admin/accounts/{name}/enable").text
    Console(name, ADVISOR_PASSWORD)
    unconfirmed = admin.post(f"/admin/accounts/{name}/delete")
    assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.text
    assert f"<td>{name}</td>" in admin.get("/admin").text  # nothing deleted
    deleted = admin.post(f"/admin/accounts/{name.upper()}/delete", {"confirm": "yes"})
    assert "Deleted the account" in deleted.text
    assert f"<td>{name}</td><td>advisor</td>" not in admin.get("/admin").text
    assert admin.post(f"/admin/accounts/{name}/delete",
                      {"confirm": "yes"}).status_code == 400  # gone
    assert admin.post(f"/admin/accounts/{name}/promote").status_code == 404

    for own in ("admin", "ADMIN"):
        refused = admin.post(f"/admin/accounts/{own}/disable")
        assert refused.status_code == 400 and "your own account" in refused.text
    log = admin.get("/admin").text
    for change in ("create account", "disable account", "enable account", "delete account"):
        assert f"admin</td><td>{change}</td><td>{name}" in log
    assert ADVISOR_PASSWORD not in log


def test_admins_delete_conversations_purge_and_read_the_audit_log(chats, admin, advisor):
    sender = chats.new_sender()
    chats.say("kia ora", sender, intent("greet"))
    advisor.get("/conversations")  # where advisors find its id
    advisor.get(f"/conversations/{shown_id(sender)}")
    assert "was deleted" in admin.post(f"/conversations/{shown_id(sender)}/delete").text
    assert chats.stored_events(sender) == []
    assert "Deleted 0 conversations and 0 closed callback requests older than 90 days" \
        in admin.post("/admin/purge", {"days": "90"}).text
    assert admin.post("/admin/purge", {"days": "0"}).status_code == 400
    advisor.get("/conversations?q=aroha+smith&crisis=1")
    log = admin.get("/admin").text
    assert "crisis=1" in log and "q=[search]" in log
    assert "aroha" not in log.lower()  # what was searched for is not kept
    assert f"{advisor.username}</td><td>view conversation</td><td>{shown_id(sender)}" in log
    assert f"admin</td><td>delete conversation</td><td>{shown_id(sender)}" in log
    assert sender not in log
    assert "retention purge" in log


def test_the_dashboard_shows_charts(advisor):
    page = advisor.get("/dashboard").text
    assert page.count('<svg role="img"') == 4 and "conversations in the last 30 days" in page


def test_trainers_see_what_was_not_understood_and_nothing_personal(console_app, accounts):
    name = f"trainer-{uuid.uuid4().hex[:6]}"
    accounts.add(name, "trainer", ADVISOR_PASSWORD)
    trainer = Console(name, ADVISOR_PASSWORD)
    assert trainer.login_response.headers["Location"] == "/gaps"
    assert trainer.get("/gaps").status_code == 200
    assert trainer.get("/gaps/export.yml").status_code == 200
    assert trainer.get("/dashboard").status_code == 200
    for path in ["/queue", "/conversations", "/conversations/c-x", "/requests/RJ-ABCDEF",
                 "/export/conversations/json", "/admin"]:
        assert trainer.get(path, allow_redirects=False).status_code == 403, path
    assert "/conversations/" not in trainer.get("/gaps").text  # no way into transcripts


def test_a_disabled_advisor_is_signed_out_at_once(accounts, advisor):
    assert advisor.get("/queue").status_code == 200
    accounts.disable(advisor.username)
    assert advisor.get("/queue", allow_redirects=False).status_code == 303  # to sign in
