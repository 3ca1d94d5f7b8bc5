"""The chat widget on the demo page, in a real browser, talking to the real assistant."""
import gzip
import json
import re
import time

import pytest
import requests
from playwright.sync_api import expect

from serving.settings import settings
from tests.conftest import ROOT
from tests.widget.conftest import EXIT_URL, new_offline_context

pytestmark = pytest.mark.slow

BOT = ".rj-from-bot"
USER = ".rj-from-user"
STORE_KEY = "rj-chat"


def open_chat(page):
    page.get_by_role("button", name="Chat: questions about restorative justice").click()
    expect(page.locator(BOT).first).to_contain_text("Kia ora, hello")


def ask(page, text):
    bot_before = page.locator(BOT).count()
    page.get_by_label("Your message").fill(text)
    page.get_by_label("Your message").press("Enter")
    expect(page.locator(BOT)).not_to_have_count(bot_before)
    return page.locator(BOT).last


def stored(page):
    return page.evaluate(f"sessionStorage.getItem('{STORE_KEY}')")


def test_open_the_widget_and_see_the_line_and_an_advisor_in_the_header(page):
    open_chat(page)
    header = page.locator(".rj-header")
    expect(header.get_by_role("link", name="0800 650 654")).to_have_attribute(
        "href", "tel:0800650654")
    expect(header.get_by_role("button", name="Talk to an advisor")).to_be_visible()
    expect(page.get_by_label("Your message")).to_be_focused()


def test_ask_a_question_and_see_the_answer(page):
    open_chat(page)
    answer = ask(page, "what is restorative justice")
    expect(answer).to_contain_text("informal meeting")
    expect(page.locator(USER).last).to_have_text(re.compile("what is restorative justice"))


def test_click_a_quick_reply(page):
    open_chat(page)
    page.locator(".rj-replies").get_by_role("button", name="Who will be there?").click()
    expect(page.locator(USER).last).to_contain_text("Who will be there?")
    expect(page.locator(BOT).last).to_contain_text("support people")


def test_the_advisor_link_in_the_header_offers_a_call_or_a_callback(page):
    open_chat(page)
    page.locator(".rj-header").get_by_role("button", name="Talk to an advisor").click()
    expect(page.locator(BOT).last).to_contain_text("I can ask an advisor to get in touch")
    replies = page.locator(".rj-replies")
    expect(replies.get_by_role("link", name="Call 0800 650 654")).to_have_attribute(
        "href", "tel:0800650654")
    replies.get_by_role("button", name="Ask an advisor to contact me").click()
    expect(page.locator(BOT).last).to_contain_text("by phone or by email")


def test_unclear_danger_is_asked_about_and_both_answers_work(page):
    open_chat(page)
    question = ask(page, "i'm scared")
    expect(question).to_contain_text("Are you in danger right now?")
    replies = page.locator(".rj-replies")
    expect(replies.get_by_role("link", name="Call 111")).to_have_attribute("href", "tel:111")
    replies.get_by_role("button", name="No, I'm safe").click()
    expect(page.locator(BOT).last).to_contain_text("What would you like to know")
    expect(page.locator(USER).last).to_have_text(re.compile("No, I'm safe"))

    ask(page, "i'm scared")
    page.locator(".rj-replies").get_by_role("button", name="Yes, I'm in danger now").click()
    expect(page.locator(BOT).last).to_contain_text("If you are in danger right now, call 111")


def test_the_crisis_reply_offers_a_call_and_a_text_as_links_then_im_safe(page):
    open_chat(page)
    expect(ask(page, "i want to end my life")).to_contain_text("I'm safe")
    expect(page.locator(BOT).nth(-2)).to_contain_text("call 111")
    # the crisis reply's links stay beside the offer that follows it
    replies = page.locator(".rj-replies")
    expect(replies).to_have_count(2)
    expect(replies.get_by_role("link", name="Call 111")).to_have_count(2)  # both messages
    expect(replies.get_by_role("link", name="Call 1737")).to_have_attribute("href", "tel:1737")
    expect(replies.get_by_role("link", name="Text 1737")).to_have_attribute("href", "sms:1737")
    page.reload()  # the same after a reload
    expect(page.locator(".rj-replies")).to_have_count(2)
    page.locator(".rj-replies").get_by_role("button", name="I'm safe", exact=True).click()
    expect(page.locator(BOT).last).to_contain_text("What would you like to know")
    expect(page.locator(".rj-replies")).to_have_count(1)  # only the latest turn's


def test_a_reload_keeps_the_conversation_in_this_tab(page):
    open_chat(page)
    ask(page, "is it free")
    texts = page.locator(".rj-message").all_inner_texts()
    page.reload()
    expect(page.locator(".rj-message")).to_have_count(len(texts))
    assert page.locator(".rj-message").all_inner_texts() == texts
    expect(page.get_by_label("Your message")).to_be_visible()  # still open


def test_a_new_tab_starts_a_new_conversation_with_a_random_id(context, page):
    open_chat(page)
    first = json.loads(stored(page))["sender"]
    other = context.new_page()
    other.goto(settings().site_url)
    open_chat(other)
    second = json.loads(stored(other))["sender"]
    uuid4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
    assert uuid4.match(first) and uuid4.match(second) and first != second


def test_nothing_is_kept_outside_session_storage(context, page):
    open_chat(page)
    ask(page, "who will be at the conference")
    assert page.evaluate("localStorage.length") == 0
    assert context.cookies() == []
    assert page.evaluate("indexedDB.databases().then(dbs => dbs.length)") == 0
    assert stored(page) is not None


def leave_and_check(page):
    """After Quick Exit: the neutral site, no chat kept, and Back does not show the chat."""
    expect(page).to_have_url(EXIT_URL)
    page.go_back()
    assert page.url != settings().site_url and "rj-chat" not in page.content()
    page.goto(settings().site_url)
    assert stored(page) is None
    expect(page.locator(".rj-message")).to_have_count(0)


@pytest.mark.parametrize("where", ["page", "widget"])
def test_quick_exit_button(context, where):
    page = context.new_page()
    page.goto("about:blank")
    page.goto(settings().site_url)
    open_chat(page)
    assert stored(page) is not None
    if where == "page":
        page.locator("header.site-header").get_by_role("button", name="Quick Exit").click()
    else:
        page.locator(".rj-panel").get_by_role("button", name="Quick Exit").click()
    leave_and_check(page)


def test_quick_exit_by_pressing_shift_three_times(context):
    page = context.new_page()
    page.goto("about:blank")
    page.goto(settings().site_url)
    open_chat(page)
    for _ in range(3):
        page.keyboard.press("Shift")
    leave_and_check(page)


def test_shift_pressed_three_times_slowly_does_not_leave(context):
    page = context.new_page()
    page.clock.install()
    page.goto(settings().site_url)
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.clock.fast_forward(6000)
    page.keyboard.press("Shift")
    assert page.url == settings().site_url


def test_typing_capitals_never_leaves_the_page(page):
    """Each capital is Shift and a letter: Shift presses with other keys between them."""
    open_chat(page)
    box = page.get_by_label("Your message")
    box.click()
    for key in ["Shift+I", "Space", "Shift+A", "m", "Space", "Shift+M", "Shift+A",
                "Shift+O", "Shift+R", "Shift+I"]:
        page.keyboard.press(key)
    page.wait_for_timeout(300)
    assert page.url == settings().site_url
    expect(box).to_have_value("I Am MAORI")


def test_a_reply_arriving_after_quick_exit_is_not_kept(context):
    """A message is on its way when Quick Exit is pressed, and the neutral site takes a
    moment to answer: the reply arrives meanwhile, and must not bring the chat back."""
    page = context.new_page()
    page.goto(settings().site_url)
    open_chat(page)
    messages = []

    def reply_while_leaving(route):
        try:
            messages[0].fulfill(status=200, content_type="application/json",
                                body=json.dumps([{"text": "a late reply"}]))
        except Exception:  # noqa: BLE001 - the widget stopped the request: as it should
            pass
        time.sleep(1.5)  # time for the page to handle the reply, were it still listening
        route.fulfill(status=200, content_type="text/html", body="<p>weather</p>")

    page.route("**/webhooks/rest/webhook", lambda route: messages.append(route))
    page.route(EXIT_URL + "**", reply_while_leaving)
    page.get_by_label("Your message").fill("is it free")
    page.get_by_label("Your message").press("Enter")
    expect(page.locator(USER).last).to_contain_text("is it free")
    page.wait_for_timeout(300)
    assert messages, "the message was not sent"
    page.locator(".rj-panel").get_by_role("button", name="Quick Exit").click()
    expect(page).to_have_url(EXIT_URL)
    page.goto(settings().site_url)
    assert stored(page) is None
    expect(page.locator(".rj-message")).to_have_count(0)


XSS = ["<img src=x onerror=alert(1)>", "<script>alert(2)</script>",
       "\"><svg onload=alert(3)>", "javascript:alert(4)"]


def test_html_from_the_person_is_shown_as_text(page):
    open_chat(page)
    for payload in XSS:
        ask(page, payload)
        expect(page.locator(USER).last).to_have_text(re.compile(re.escape(payload)))
    assert page.locator(".rj-log img, .rj-log script, .rj-log svg").count() == 0
    assert page.dialogs == []


def test_html_from_the_bot_is_shown_as_text(page):
    hostile = [{"text": "<img src=x onerror=alert(5)> <script>alert(6)</script> "
                        "see https://example.org/<b>x</b>",
                "buttons": [{"title": "<img src=x onerror=alert(7)>", "payload": "/greet"},
                            {"title": "Call", "payload": "tel:0800650654\"><script>"}]}]
    page.route("**/webhooks/rest/webhook",
               lambda route: route.fulfill(status=200, content_type="application/json",
                                           body=json.dumps(hostile)))
    open_chat_without_greeting_check(page)
    bubble = page.locator(BOT).last
    expect(bubble).to_contain_text("<img src=x onerror=alert(5)> <script>alert(6)</script>")
    expect(page.locator(".rj-replies button")).to_have_text("<img src=x onerror=alert(7)>")
    expect(page.locator(".rj-replies a")).to_have_attribute("href", "tel:0800650654")
    assert page.locator(".rj-log img, .rj-log script, .rj-log b").count() == 0
    assert page.dialogs == []


def open_chat_without_greeting_check(page):
    page.get_by_role("button", name="Chat: questions about restorative justice").click()
    expect(page.locator(BOT)).to_have_count(1)


def test_server_down_gives_the_line_and_the_widget_reconnects_by_itself(page):
    open_chat(page)
    page.route("**/webhooks/rest/webhook", lambda route: route.abort())
    page.get_by_label("Your message").fill("is it free")
    page.get_by_label("Your message").press("Enter")
    status = page.get_by_role("status")
    expect(status).to_contain_text("can't reach the assistant")
    expect(status).to_contain_text("0800 650 654")
    page.unroute("**/webhooks/rest/webhook")
    # nothing is lost: the message is sent once the server answers again
    expect(page.locator(BOT).last).to_contain_text("no charge", timeout=20_000)
    expect(status).to_have_text("Connected again.")


def test_a_refused_message_is_said_so_and_not_sent_again(page):
    open_chat(page)
    sent = []

    def refuse(route):
        sent.append(route.request.post_data)
        route.fulfill(status=413, content_type="application/json",
                      body=json.dumps({"error": '"message" is longer than 1,000 characters.'}))

    page.route("**/webhooks/rest/webhook", refuse)
    box = page.get_by_label("Your message")
    box.fill("is it free")
    box.press("Enter")
    status = page.get_by_role("status")
    expect(status).to_contain_text("could not be sent")
    expect(status).to_contain_text("0800 650 654")
    page.wait_for_timeout(3000)  # longer than the first retry would wait
    assert len(sent) == 1
    assert json.loads(stored(page))["pending"] == []
    page.unroute("**/webhooks/rest/webhook")
    ask(page, "is it free")
    expect(page.locator(BOT).last).to_contain_text("no charge")


def test_keyboard_open_close_and_focus(page):
    launcher = page.get_by_role("button", name="Chat: questions about restorative justice")
    launcher.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Your message")).to_be_focused()
    expect(page.locator(".rj-launcher")).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(page.locator("#rj-chat-panel")).to_be_hidden()
    expect(page.locator(".rj-launcher")).to_be_focused()
    page.keyboard.press("Enter")  # recalled in one action
    expect(page.get_by_label("Your message")).to_be_focused()


def test_the_transcript_is_a_polite_live_log(page):
    log = page.locator("#rj-chat-log")
    expect(log).to_have_attribute("role", "log")
    expect(log).to_have_attribute("aria-live", "polite")


def run_axe(page):
    # Evaluated, not added as a <script>: the site's Content-Security-Policy blocks that.
    page.evaluate((ROOT / "widget" / "node_modules" / "axe-core" / "axe.min.js").read_text())
    return page.evaluate("""() => axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                        'wcag22aa', 'best-practice']}
    }).then(r => r.violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target)})))""")


def test_axe_finds_no_accessibility_violations(page, screenshots):
    assert run_axe(page) == []  # closed
    open_chat(page)
    ask(page, "who will be at the conference")
    assert run_axe(page) == []  # open, with a conversation and quick replies
    page.screenshot(path=str(screenshots / "widget-desktop.png"))


def target_sizes(page):
    """The size of every control shown (those in a hidden part, such as the live chat
    banner outside live mode, have no box)."""
    return page.evaluate("""() => [...document.querySelectorAll(
        '.rj-chat button, .rj-chat a, .rj-chat input')]
        .filter(e => e.getClientRects().length).map(e => {
            const r = e.getBoundingClientRect();
            return {name: e.textContent || e.getAttribute('aria-label') || e.id,
                    w: r.width, h: r.height};
        })""")


def test_targets_are_at_least_24_pixels(page):
    open_chat(page)
    sizes = target_sizes(page)
    small = [s for s in sizes if s["w"] < 24 or s["h"] < 24]
    assert sizes and not small


def test_phones_get_the_chat_full_screen(browser, assistant, screenshots):
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True,
                                  has_touch=True)
    try:
        page = context.new_page()
        page.goto(settings().site_url)
        open_chat(page)
        ask(page, "do i have to take part")
        box = page.locator("#rj-chat-panel").bounding_box()
        assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 375, 667)
        expect(page.locator(".rj-panel").get_by_role("button", name="Quick Exit")).to_be_visible()
        expect(page.locator(".rj-header").get_by_role("link", name="0800 650 654")).to_be_visible()
        assert run_axe(page) == []
        page.screenshot(path=str(screenshots / "widget-mobile.png"))
    finally:
        context.close()


def test_reduced_motion_is_respected(browser, assistant):
    context = browser.new_context(reduced_motion="reduce")
    try:
        page = context.new_page()
        page.goto(settings().site_url)
        open_chat(page)
        duration = page.evaluate(
            "getComputedStyle(document.querySelector('.rj-panel')).transitionDuration")
        assert duration in ("0s", "0s, 0s")
    finally:
        context.close()


def test_the_widget_is_small():
    size = sum(len(gzip.compress((ROOT / "widget" / name).read_bytes(), 9))
               for name in ["chat-widget.js", "chat-widget.css"])
    assert size <= 30 * 1024, f"{size} bytes gzipped"


@pytest.mark.parametrize("origin, allowed", [
    ("http://localhost:8080", True), ("http://127.0.0.1:8080", True),
    ("https://evil.example", False), ("http://localhost:9999", False)])
def test_the_rasa_server_allows_only_the_site_origins(assistant, origin, allowed):
    response = requests.options(settings().rest_url, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"}, timeout=10)
    assert (response.headers.get("Access-Control-Allow-Origin") == origin) is allowed


def test_the_site_serves_only_the_widget_with_a_strict_policy(assistant):
    page = requests.get(settings().site_url, timeout=10)
    assert page.ok and "chat-widget.js" in page.text
    assert "script-src" not in page.headers["Content-Security-Policy"]  # default-src 'self'
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "no-referrer"
    for path in ["package.json", "node_modules/axe-core/axe.min.js", "../README.md"]:
        assert requests.get(settings().site_url + path, timeout=10).status_code == 404


# ---- live chat with a victim advisor ---------------------------------------------------
# The widget against a fake Rasa server (page.route), so these need no running assistant.

LIVE = ".rj-live"
ADVISOR_MESSAGE = ".rj-from-advisor"
ASK_FOR_A_PERSON = "I'd like to talk to a person"


class FakeAssistant:
    """Answers the widget's REST and live-chat requests the way the test sets, and keeps
    what the widget sent. Polls get `poll` with the messages after the poll's `after`
    (all of them when `ignore_after`); a poll is held, not answered, while `hold` is set."""

    def __init__(self, page):
        self.page = page
        self.sent = []  # the "message" of each REST request
        self.polls = []  # each poll's body
        self.leaves = []  # each leave's body
        self.replies = {
            "/greet": [{"text": "Kia ora, hello. Ask me about restorative justice."}],
            ASK_FOR_A_PERSON: [{"text": "I've asked a victim advisor to join this chat.",
                                "custom": {"live_chat": "waiting"}}],
            "/end_live_chat": [{"text": "You've ended the chat with the victim advisor.",
                                "custom": {"live_chat": "ended"}}],
        }
        self.poll = {"state": "waiting", "position": 2, "advisor": None,
                     "advisor_typing": False}
        self.outbox = []
        self.ignore_after = False
        self.hold = False
        self.held = []
        page.route("**/webhooks/rest/webhook", self.rest)
        page.route("**/webhooks/live/poll", self.answer_poll)
        page.route("**/webhooks/live/leave", self.leave)

    def rest(self, route):
        message = route.request.post_data_json["message"]
        self.sent.append(message)
        route.fulfill(json=self.replies.get(message, []))

    def answer_poll(self, route):
        body = route.request.post_data_json
        self.polls.append(body)
        if self.hold:
            self.held.append(route)
        else:
            self.fulfill(route)

    def fulfill(self, route):
        after = 0 if self.ignore_after else route.request.post_data_json["after"]
        route.fulfill(json=dict(self.poll, messages=[
            message for message in self.outbox if message["id"] > after]))

    def leave(self, route):
        self.leaves.append(route.request.post_data_json)
        route.fulfill(json={})

    def advisor_joins(self, name="Anna"):
        self.poll = {"state": "active", "position": None, "advisor": name,
                     "advisor_typing": False}

    def says(self, text, advisor="Anna", buttons=()):
        self.outbox.append({"id": len(self.outbox) + 1, "text": text, "advisor": advisor,
                            "buttons": list(buttons)})

    def next_poll(self, timeout=5_000):
        """The body of the next poll the widget sends."""
        count = len(self.polls)
        deadline = time.monotonic() + timeout / 1000
        while len(self.polls) == count:
            assert time.monotonic() < deadline, "the widget did not poll"
            self.page.wait_for_timeout(50)
        return self.polls[count]


@pytest.fixture
def fake(offline_page):
    return FakeAssistant(offline_page)


def start_live_chat(page):
    page.goto(settings().site_url)
    page.get_by_role("button", name="Chat: questions about restorative justice").click()
    expect(page.locator(BOT).first).to_contain_text("Kia ora, hello")
    page.get_by_label("Your message").fill(ASK_FOR_A_PERSON)
    page.get_by_label("Your message").press("Enter")
    expect(page.locator(LIVE)).to_be_visible()


def chatting_with_anna(page, fake):
    fake.advisor_joins("Anna")
    start_live_chat(page)
    expect(page.locator(LIVE)).to_contain_text("You're chatting with Anna, a victim advisor.")


def test_live_chat_waiting_shows_the_banner_with_the_place_in_the_queue(offline_page, fake):
    page = offline_page
    start_live_chat(page)
    expect(page.locator(BOT).last).to_have_text(
        re.compile("I've asked a victim advisor to join this chat"))
    banner = page.locator(LIVE)
    expect(banner).to_have_attribute("role", "status")
    expect(banner).to_have_attribute("aria-live", "polite")
    expect(banner).to_contain_text(
        "Waiting for a victim advisor. You're number 2 in the queue.")
    expect(page.locator(".rj-header").get_by_role("link", name="0800 650 654")).to_be_visible()
    first = fake.polls[0]
    assert first == {"sender": json.loads(stored(page))["sender"], "after": 0,
                     "typing": False}
    fake.poll["position"] = 1
    expect(banner).to_contain_text("You're number 1 in the queue.")

    banner.get_by_role("button", name="Leave the queue").click()
    expect(page.locator(USER).last).to_have_text(re.compile("Leave the queue"))
    assert fake.sent[-1] == "/end_live_chat"


def test_an_advisor_message_is_shown_as_the_advisors_and_as_text(offline_page, fake):
    page = offline_page
    chatting_with_anna(page, fake)
    fake.says("<img src=x onerror=alert(1)> Kia ora, I'm Anna. Shall we talk about "
              "the conference?", buttons=[{"title": "Yes please", "payload": "/affirm"}])
    fake.says("Anna from the victim advisors has joined the chat.", advisor=None)
    message = page.locator(ADVISOR_MESSAGE)
    expect(message).to_have_count(1)
    expect(message).to_contain_text("<img src=x onerror=alert(1)> Kia ora, I'm Anna.")
    expect(message.locator(".rj-advisor-label")).to_have_text("Anna (victim advisor)")
    expect(message.locator(".rj-visually-hidden")).to_have_text("Anna, victim advisor: ")
    expect(page.locator(BOT).last).to_contain_text("has joined the chat")  # the assistant's
    assert page.locator(".rj-chat img").count() == 0
    assert page.dialogs == []
    expect(page.locator(".rj-replies").get_by_role("button", name="Yes please")).to_be_visible()

    # Anna chats; the assistant is quiet ([]) and that is no error.
    bot_messages = page.locator(BOT).count()
    page.get_by_label("Your message").fill("yes, thank you")
    page.get_by_label("Your message").press("Enter")
    expect(page.locator(USER).last).to_have_text(re.compile("yes, thank you"))
    page.wait_for_function("() => !document.querySelector('.rj-replies')")
    fake.next_poll()
    assert fake.sent[-1] == "yes, thank you"
    expect(page.locator(".rj-status")).to_have_text("")
    expect(page.locator(BOT)).to_have_count(bot_messages)


def test_the_advisor_typing_shows_and_hides_and_the_advisor_sees_the_person_typing(
        offline_page, fake):
    page = offline_page
    chatting_with_anna(page, fake)
    typing = page.locator(".rj-live-typing")
    fake.poll["advisor_typing"] = True
    expect(typing).to_have_text("Anna is typing…")
    expect(typing).to_be_visible()
    fake.poll["advisor_typing"] = False
    expect(typing).to_be_hidden()

    assert fake.next_poll()["typing"] is False
    page.get_by_label("Your message").fill("I'm not s")
    assert fake.next_poll()["typing"] is True
    page.get_by_label("Your message").fill("I'm not sure")
    page.get_by_label("Your message").press("Enter")
    expect(page.locator(USER).last).to_have_text(re.compile("I'm not sure"))
    assert fake.next_poll()["typing"] is False


def test_the_end_chat_button_sends_end_live_chat_and_live_mode_ends(offline_page, fake):
    page = offline_page
    chatting_with_anna(page, fake)
    page.locator(LIVE).get_by_role("button", name="End chat").click()
    expect(page.locator(USER).last).to_have_text(re.compile("End chat"))
    expect(page.locator(BOT).last).to_contain_text("You've ended the chat")
    assert fake.sent[-1] == "/end_live_chat"
    fake.poll = {"state": "none", "position": None, "advisor": None, "advisor_typing": False}
    expect(page.locator(LIVE)).to_be_hidden()


def test_live_messages_come_once_each_in_order_one_poll_at_a_time(offline_page, fake):
    page = offline_page
    fake.ignore_after = True  # the same messages again and again: the widget must skip them
    fake.advisor_joins()
    fake.says("first")
    fake.says("second")
    fake.outbox.reverse()  # and out of order
    start_live_chat(page)
    expect(page.locator(ADVISOR_MESSAGE)).to_have_count(2)
    assert fake.next_poll()["after"] == 2
    fake.outbox.reverse()
    fake.says("third")
    expect(page.locator(ADVISOR_MESSAGE)).to_have_count(3)
    assert fake.next_poll()["after"] == 3
    page.wait_for_timeout(1500)
    texts = [text.split(": ", 1)[1] for text in page.locator(ADVISOR_MESSAGE).all_text_contents()]
    assert texts == ["first", "second", "third"]

    # A slow poll: no other starts until it is answered.
    fake.hold = True
    fake.next_poll()
    polls = len(fake.polls)
    page.wait_for_timeout(3000)
    assert len(fake.polls) == polls
    fake.hold = False
    fake.fulfill(fake.held.pop())
    fake.next_poll()
    expect(page.locator(ADVISOR_MESSAGE)).to_have_count(3)


def test_a_reload_in_live_mode_keeps_the_chat_and_polls_again(offline_page, fake):
    page = offline_page
    chatting_with_anna(page, fake)
    fake.says("Take your time.")
    expect(page.locator(ADVISOR_MESSAGE)).to_have_count(1)
    texts = page.locator(".rj-message").all_inner_texts()
    page.reload()
    assert fake.next_poll() == {"sender": json.loads(stored(page))["sender"], "after": 1,
                                "typing": False}
    expect(page.locator(LIVE)).to_contain_text("You're chatting with Anna, a victim advisor.")
    expect(page.locator(".rj-message")).to_have_count(len(texts))
    assert page.locator(".rj-message").all_inner_texts() == texts


def test_quick_exit_in_live_mode_tells_the_server_and_keeps_nothing(offline_page, fake):
    page = offline_page
    chatting_with_anna(page, fake)
    fake.says("Hello, I'm Anna.")
    expect(page.locator(ADVISOR_MESSAGE)).to_have_count(1)
    sender = json.loads(stored(page))["sender"]
    page.locator(".rj-panel").get_by_role("button", name="Quick Exit").click()
    expect(page).to_have_url(EXIT_URL)
    page.wait_for_timeout(200)
    assert fake.leaves == [{"sender": sender}]
    polls = len(fake.polls)
    page.goto(settings().site_url)
    assert stored(page) is None
    expect(page.locator(".rj-message")).to_have_count(0)
    expect(page.locator(LIVE)).to_be_hidden()
    page.wait_for_timeout(2000)
    assert len(fake.polls) == polls  # the new page is not in live mode


def test_state_none_ends_live_mode_and_polling_stops(offline_page, fake):
    page = offline_page
    chatting_with_anna(page, fake)
    fake.poll = {"state": "none", "position": None, "advisor": None, "advisor_typing": False}
    fake.says("The victim advisor has ended the chat. Call 0800 650 654 any time.",
              advisor=None)
    expect(page.locator(LIVE)).to_be_hidden()
    expect(page.locator(BOT).last).to_contain_text("has ended the chat")
    assert "live" not in json.loads(stored(page)) or json.loads(stored(page))["live"] is None
    polls = len(fake.polls)
    page.wait_for_timeout(2500)
    assert len(fake.polls) == polls


def test_live_mode_reconnects_quietly_and_stops_when_refused(offline_page, fake):
    page = offline_page
    chatting_with_anna(page, fake)
    connection = page.locator(".rj-live-connection")
    def down(route):
        route.abort()

    page.route("**/webhooks/live/poll", down)
    expect(connection).to_have_text("Reconnecting…", timeout=10_000)
    expect(page.locator(".rj-status")).to_have_text("")  # no alarm in the chat itself
    page.unroute("**/webhooks/live/poll", down)  # the fake assistant answers again
    expect(connection).to_be_hidden()
    expect(page.locator(LIVE)).to_contain_text("You're chatting with Anna")

    page.route("**/webhooks/live/poll", lambda route: route.fulfill(
        status=503, json={"error": "unavailable"}))
    page.wait_for_timeout(2500)
    expect(page.locator(LIVE)).to_be_visible()  # 5xx: still trying
    page.route("**/webhooks/live/poll", lambda route: route.fulfill(
        status=400, json={"error": '"sender" must be a random id'}))
    expect(page.locator(LIVE)).to_be_hidden(timeout=10_000)


def test_live_mode_is_accessible_on_a_small_phone(browser, screenshots):
    context = new_offline_context(browser, viewport={"width": 360, "height": 640},
                                  is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        fake = FakeAssistant(page)
        chatting_with_anna(page, fake)
        fake.says("Kia ora, I'm Anna. How are you feeling about the conference?")
        fake.poll["advisor_typing"] = True
        expect(page.locator(".rj-live-typing")).to_be_visible()
        expect(page.locator(ADVISOR_MESSAGE)).to_have_count(1)
        end = page.locator(LIVE).get_by_role("button", name="End chat")
        expect(end).to_be_visible()
        expect(page.locator(".rj-header").get_by_role("link", name="0800 650 654")).to_be_visible()
        assert page.evaluate("document.querySelector('.rj-panel').scrollWidth") <= 360
        assert end.bounding_box()["height"] >= 44
        sizes = target_sizes(page)
        assert "End chat" in [s["name"] for s in sizes]
        assert not [s for s in sizes if s["w"] < 24 or s["h"] < 24]
        assert run_axe(page) == []
        page.screenshot(path=str(screenshots / "widget-live-mobile.png"))
    finally:
        context.close()
