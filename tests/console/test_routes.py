"""Every console route, over HTTP against the real console and database."""
import csv
import io
import json
import re
import sys
import time
import uuid

import pytest
import requests
import yaml

from console import accounts as accounts_module
from records.advisor_ids import shown_id
from tests.console.conftest import ADVISOR_PASSWORD, BASE, Console
from tests.e2e.test_callback import ANSWERS, REFERENCE
from tests.conftest import reply_text
from devtools import run

pytestmark = pytest.mark.slow

GET_ROUTES = ["/", "/queue", "/queue?status=all", "/requests/RJ-ABCDEF", "/conversations",
              "/conversations/x", "/conversations/x/export/csv", "/export/conversations/json",
              "/dashboard", "/gaps", "/gaps/export.yml", "/admin"]
POST_ROUTES = ["/logout", "/requests/RJ-ABCDEF/status", "/requests/RJ-ABCDEF/assign",
               "/requests/RJ-ABCDEF/notes", "/conversations/x/delete", "/admin/purge", "/admin/accounts",
               "/admin/accounts/x/disable"]


def test_the_route_lists_cover_every_route_of_the_app():
    from console.app import create_app
    import sqlalchemy as sa

    app = create_app(sa.create_engine("sqlite://"), name=f"routes{uuid.uuid4().hex[:6]}")
    paths = {re.sub(r"<[^>]+>", "x", "/" + route.path.lstrip("/"))
             for route in app.router.routes if not route.path.startswith("static")}
    listed = {re.sub(r"/(csv|json|disable)$", "/x", p.split("?")[0].replace("RJ-ABCDEF", "x"))
              for p in GET_ROUTES + POST_ROUTES}
    assert paths - {"/login"} == listed


@pytest.mark.parametrize("path", GET_ROUTES)
def test_pages_refuse_anyone_not_signed_in(assistant, path):
    response = requests.get(BASE + path, allow_redirects=False, timeout=30)
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")


@pytest.mark.parametrize("path", POST_ROUTES)
def test_changes_refuse_anyone_not_signed_in(assistant, path):
    response = requests.post(BASE + path, data={"status": "closed"}, allow_redirects=False,
                             timeout=30)
    assert response.status_code == 403


def test_a_session_cookie_that_scripts_and_other_sites_cannot_use(admin):
    cookie = admin.login_response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # plain http on this machine
    # with no proxy configured, anyone's X-Forwarded-Proto changes nothing
    claimed = requests.post(f"{BASE}/login", headers={"X-Forwarded-Proto": "https"},
                            data={"username": "admin", "password": admin_password()},
                            allow_redirects=False, timeout=30)
    assert claimed.headers["Set-Cookie"].startswith("rj_console=")
    assert "Strict-Transport-Security" not in claimed.headers


@pytest.fixture(scope="module")
def console_behind_a_proxy(assistant):
    """A second console on the same database, told that one proxy sits in front."""
    port = run.CONSOLE_PORT + 10
    server = run.Server("console behind a proxy",
                        [sys.executable, "-m", "console", "serve", "--port", str(port)],
                        port, "/login", env={"PROXIES_COUNT": "1"})
    server.start(assistant.stack.env)
    stack = run.Stack([server])
    stack._wait_until_ready(120)
    yield f"http://localhost:{port}"
    server.stop()


def test_behind_https_the_cookie_is_host_only_and_hsts_is_sent(console_behind_a_proxy):
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    signed_in = requests.post(f"{console_behind_a_proxy}/login", headers=https,
                              data={"username": "admin", "password": admin_password()},
                              allow_redirects=False, timeout=30)
    cookie = signed_in.headers["Set-Cookie"]
    assert cookie.startswith("__Host-rj_console=") and "Secure" in cookie
    assert "Path=/" in cookie and "Domain" not in cookie
    assert signed_in.headers["Strict-Transport-Security"] == "max-age=31536000"
    token = cookie.split(";")[0].split("=", 1)[1]
    page = requests.get(f"{console_behind_a_proxy}/queue", headers=https,
                        cookies={"__Host-rj_console": token}, allow_redirects=False,
                        timeout=30)
    assert page.status_code == 200


def test_behind_a_proxy_the_throttle_sees_each_persons_address(console_behind_a_proxy,
                                                                  accounts):
    name = f"proxied-{uuid.uuid4().hex[:6]}"
    accounts.add(name, "advisor", ADVISOR_PASSWORD)
    for _ in range(accounts_module.FREE_FAILURES_PER_ACCOUNT):
        requests.post(f"{console_behind_a_proxy}/login",
                      headers={"X-Forwarded-For": "198.51.100.1"},
                      data={"username": name, "password": "nope"}, timeout=30)
    attacker = requests.post(f"{console_behind_a_proxy}/login",
                             headers={"X-Forwarded-For": "198.51.100.1"},
                             data={"username": name, "password": ADVISOR_PASSWORD},
                             allow_redirects=False, timeout=30)
    assert attacker.status_code == 401 and "Too many" in attacker.text
    owner = requests.post(f"{console_behind_a_proxy}/login",
                          headers={"X-Forwarded-For": "198.51.100.2"},
                          data={"username": name, "password": ADVISOR_PASSWORD},
                          allow_redirects=False, timeout=30)
    assert owner.status_code == 303


def admin_password():
    from tests.conftest import CONSOLE_ADMIN_PASSWORD
    return CONSOLE_ADMIN_PASSWORD


def test_security_headers(admin):
    headers = admin.get("/queue").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["Cache-Control"] == "no-store"


def test_a_wrong_password_is_refused_and_repeated_failures_are_slowed(accounts):
    name = f"limited-{uuid.uuid4().hex[:6]}"
    accounts.add(name, "advisor", ADVISOR_PASSWORD)
    for attempt in range(accounts_module.FREE_FAILURES_PER_ACCOUNT):
        # a forged X-Forwarded-For does not make each try come from somewhere new
        response = requests.post(f"{BASE}/login", data={"username": name, "password": "nope"},
                                 headers={"X-Forwarded-For": f"10.9.9.{attempt}"},
                                 allow_redirects=False, timeout=30)
        assert response.status_code == 401 and "do not match" in response.text
    response = requests.post(f"{BASE}/login", data={"username": name,
                                                    "password": ADVISOR_PASSWORD},
                             headers={"X-Forwarded-For": "10.9.9.200"},
                             allow_redirects=False, timeout=30)
    assert response.status_code == 401 and "Too many failed sign-ins" in response.text
    time.sleep(2.5)  # the first wait is 2 seconds; then the right password works
    response = requests.post(f"{BASE}/login", data={"username": name,
                                                    "password": ADVISOR_PASSWORD},
                             allow_redirects=False, timeout=30)
    assert response.status_code == 303


def test_changes_without_the_csrf_token_are_refused(advisor):
    response = advisor.post("/requests/RJ-ABCDEF/notes", {"note": "hi"}, csrf=False)
    assert response.status_code == 403
    response = advisor.post("/requests/RJ-ABCDEF/notes", {"note": "hi", "csrf_token": "forged"},
                            csrf=False)
    assert response.status_code == 403


def test_signing_out_ends_the_session(advisor):
    assert advisor.post("/logout").status_code == 303
    assert advisor.http.get(BASE + "/queue", allow_redirects=False).status_code == 303


def make_request(assistant, first_message="hello <b>there</b>"):
    sender = assistant.new_sender()
    assistant.say(first_message, sender)
    assistant.say("can someone call me back", sender)
    for answer in ANSWERS.values():
        reply = reply_text(assistant.say(answer, sender))
    return sender, REFERENCE.search(reply).group()


def test_the_queue_and_working_a_request(assistant, advisor):
    sender, reference = make_request(assistant)
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


def test_disabling_an_advisor_names_the_requests_still_assigned_to_them(assistant, admin,
                                                                        advisor):
    _, reference = make_request(assistant)
    advisor.post(f"/requests/{reference}/assign", {"assignee": advisor.username})
    reply = admin.post(f"/admin/accounts/{advisor.username}/disable").text
    assert f"Callback requests still assigned to them: {reference}" in reply


def test_conversations_filters_search_and_transcript(assistant, advisor):
    marker = f"kiwifruit{uuid.uuid4().hex[:6]}"
    sender = assistant.new_sender()
    assistant.say(f"is it free {marker}", sender)
    assistant.say("he is outside my house right now", sender)
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


def test_exports(assistant, advisor):
    sender = assistant.new_sender()
    assistant.say("=HYPERLINK(\"http://evil\") is it free", sender)
    advisor.get("/conversations")  # where advisors find its id
    rows = list(csv.DictReader(io.StringIO(
        advisor.get(f"/conversations/{shown_id(sender)}/export/csv").text)))
    assert rows[0]["speaker"] == "person" and rows[0]["text"].startswith("'=HYPERLINK")
    exported = advisor.get(f"/conversations/{shown_id(sender)}/export/json").json()
    assert exported[0]["conversation"] == shown_id(sender) and exported[0]["turns"][0]["topic"] == "faq/cost"
    filtered = advisor.get("/export/conversations/json", params={"q": "hyperlink"}).json()
    assert shown_id(sender) in [c["conversation"] for c in filtered]
    assert sender not in json.dumps(filtered)


def test_messages_not_understood_export_as_nlu_yaml(assistant, advisor):
    assistant.say("flibbertigibbet wobblecrank", assistant.new_sender())
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


def test_admins_delete_conversations_purge_and_read_the_audit_log(assistant, admin, advisor):
    sender = assistant.new_sender()
    assistant.say("kia ora", sender)
    advisor.get("/conversations")  # where advisors find its id
    advisor.get(f"/conversations/{shown_id(sender)}")
    assert "was deleted" in admin.post(f"/conversations/{shown_id(sender)}/delete").text
    assert assistant.stored_events(sender, "1 = 1") == []
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


def test_the_dashboard_shows_charts(assistant, advisor):
    page = advisor.get("/dashboard").text
    assert page.count('<svg role="img"') == 4 and "conversations in the last 30 days" in page


def test_trainers_see_what_was_not_understood_and_nothing_personal(assistant, accounts):
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
