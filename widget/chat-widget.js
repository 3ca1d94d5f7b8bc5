/*
 * The restorative justice assistant's chat widget. One script tag adds it to a page:
 *
 *   <script src="chat-widget.js"
 *           data-server="https://assistant.example.nz"     (the Rasa server; required)
 *           data-title="Restorative justice questions"     (optional)
 *           data-exit-url="https://www.metservice.com/"    (optional: where Quick Exit goes)
 *   ></script>
 *
 * It talks to Rasa's REST channel. Everything people and the bot write is shown as text,
 * never as HTML. The conversation is kept only in sessionStorage, so it survives a
 * reload in the same tab and is gone when the tab closes. Quick Exit (the button, or
 * Shift pressed three times in a row within five seconds, with no other key between,
 * as GOV.UK's "Exit this page" counts them, so typing capitals never leaves) hides the
 * page, forgets the chat, stops any message on its way, saves nothing more, replaces
 * this page in the history and goes to a neutral site.
 *
 * Live chat with a victim advisor. A bot reply carrying "custom": {"live_chat": "waiting"}
 * or {"live_chat": "active"} starts live mode ("ended" asks for the last news at once).
 * In live mode the widget polls, never two polls at once, every second:
 *
 *   POST {server}/webhooks/live/poll  {"sender": ..., "after": <highest message id seen>,
 *                                      "typing": <typed in the box in the last 3 s>}
 *   -> {"state": "none"|"waiting"|"active", "position": 2, "advisor": "Anna",
 *       "advisor_typing": false, "messages": [{"id": 7, "text": "...", "buttons": [...],
 *                                              "advisor": "Anna" or null}]}
 *
 * Each message is shown once, in id order, as text like the bot's; those with an advisor
 * as the advisor's. A banner above the transcript says where the person is in the queue
 * or who they are chatting with (and when the advisor is typing), with a button that
 * sends /end_live_chat. State "none" with no messages left ends live mode. Network
 * errors and 5xx answers are retried quietly, more slowly ("Reconnecting…" after a few);
 * a 4xx ends live mode. state.live (with the highest id) is kept in sessionStorage, so a
 * reload resumes polling. Quick Exit first tells the server the person has left
 * (POST {server}/webhooks/live/leave {"sender": ...}, keepalive); closing the tab needs
 * nothing, as the polls stop.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var config = {
    server: (script.dataset.server || "http://localhost:5005").replace(/\/+$/, ""),
    title: script.dataset.title || "Questions about restorative justice",
    exitUrl: script.dataset.exitUrl || "https://www.metservice.com/",
  };
  var LINE = "0800 650 654";
  var LINE_HREF = "tel:0800650654";
  var REFUSED = "Sorry, that message could not be sent. Please try again in your own " +
                "words, or call " + LINE + " (free, 24/7) to talk to someone, who can also " +
                "put you in touch with a court victim advisor. In danger? Call 111.";
  var STORE_KEY = "rj-chat";
  var RETRY_SECONDS = [2, 4, 8, 15, 30];
  var SHIFT_PRESSES = 3;
  var SHIFT_WINDOW_MS = 5000;
  var END_LIVE = "/end_live_chat";
  var POLL_MS = 1000;
  var POLL_RETRY_MS = [2000, 2000, 3000];  // after a failed poll; the last one repeats
  var RECONNECTING_AFTER = 3;  // failed polls in a row before "Reconnecting…" shows
  var TYPING_MS = 3000;

  // ---- state, kept only in sessionStorage --------------------------------------
  function loadState() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
      if (saved && typeof saved.sender === "string" && Array.isArray(saved.messages)) {
        return saved;
      }
    } catch (ignored) { /* unreadable: start again */ }
    return { sender: newSenderId(), messages: [], open: false, pending: [] };
  }

  function newSenderId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  var state = loadState();
  state.pending = state.pending || [];
  if (state.live && typeof state.live.after !== "number") state.live = null;  // unreadable

  var exiting = false;  // after Quick Exit nothing is kept, whatever arrives

  function save() {
    if (exiting) return;
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (ignored) { /* storage full or blocked: the chat still works */ }
  }

  // ---- building the interface with DOM methods only (never innerHTML) ----------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), attrs[name]);
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  var css = el("link", { rel: "stylesheet", href: new URL("chat-widget.css", script.src).href });
  document.head.appendChild(css);

  var transcript = el("div", {
    id: "rj-chat-log", class: "rj-log", role: "log", "aria-live": "polite",
    "aria-label": "Conversation", tabindex: "0",
  });
  var status = el("p", { class: "rj-status", role: "status", "aria-live": "polite" });
  // Live chat: where the person is, and a way out. Each line changes only when its words
  // do, so a screen reader hears news, not the same words every second.
  var liveText = el("p", { class: "rj-live-text" });
  var liveTyping = el("p", { class: "rj-live-typing" });
  var liveConnection = el("p", { class: "rj-live-connection" });
  var liveEnd = el("button", { type: "button", class: "rj-live-end", onclick: endLiveChat });
  var banner = el("div", {
    class: "rj-live", role: "status", "aria-live": "polite", hidden: "",
  }, [liveText, liveTyping, liveConnection, liveEnd]);
  var lastTyped = 0;  // when the person last typed in the box, for the advisor to see
  var input = el("input", {
    id: "rj-chat-input", type: "text", autocomplete: "off", maxlength: "1000",
    "aria-describedby": "rj-chat-hint",
    oninput: function () { lastTyped = Date.now(); },
  });
  var form = el("form", { class: "rj-form", onsubmit: onSubmit }, [
    el("label", { for: "rj-chat-input", class: "rj-visually-hidden", text: "Your message" }),
    input,
    el("button", { type: "submit", class: "rj-send", text: "Send" }),
  ]);
  var closeButton = el("button", {
    type: "button", class: "rj-close", "aria-label": "Close the chat", text: "×",
    onclick: function () { setOpen(false); },
  });
  var panel = el("section", {
    id: "rj-chat-panel", class: "rj-panel", "aria-labelledby": "rj-chat-title", hidden: "",
  }, [
    el("header", { class: "rj-header" }, [
      el("div", { class: "rj-header-top" }, [
        el("h2", { id: "rj-chat-title", class: "rj-title", text: config.title }),
        el("button", { type: "button", class: "rj-exit", "data-rj-quick-exit": "",
                       text: "Quick Exit", onclick: quickExit }),
        closeButton,
      ]),
      el("p", { class: "rj-help" }, [
        el("a", { href: LINE_HREF, class: "rj-line", text: LINE }),
        el("span", { text: " free, 24/7 · " }),
        el("button", { type: "button", class: "rj-link-button", text: "Talk to an advisor",
                       onclick: function () { send("/request_advisor", "Talk to an advisor"); } }),
      ]),
    ]),
    banner,
    transcript,
    status,
    el("p", { id: "rj-chat-hint", class: "rj-hint",
              text: "An automated assistant. In danger? Call 111. " +
                    "Quick Exit: press Shift three times." }),
    form,
  ]);
  var launcher = el("button", {
    type: "button", class: "rj-launcher", "aria-controls": "rj-chat-panel",
    "aria-expanded": "false", text: "Chat: questions about restorative justice",
    onclick: function () { setOpen(!state.open); },
  });
  var root = el("div", { class: "rj-chat", lang: "en-NZ" }, [panel, launcher]);

  // ---- showing messages --------------------------------------------------------
  var URL_PATTERN = /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)])/g;

  function appendText(node, text) {
    // Text, with web addresses as links; both made with text nodes, never parsed as HTML.
    var last = 0;
    text.replace(URL_PATTERN, function (url, _group, offset) {
      node.appendChild(document.createTextNode(text.slice(last, offset)));
      node.appendChild(el("a", { href: url, target: "_blank", rel: "noopener noreferrer",
                                 text: url }));
      last = offset + url.length;
      return url;
    });
    node.appendChild(document.createTextNode(text.slice(last)));
  }

  function render(message, index) {
    var bubble = el("div", { class: "rj-message rj-from-" + message.from });
    var who = message.from === "user" ? "You: " : "Assistant: ";
    if (message.from === "advisor") {
      // Seen as a small label; heard once, as the prefix.
      who = message.advisor + ", victim advisor: ";
      bubble.appendChild(el("span", { class: "rj-advisor-label", "aria-hidden": "true",
                                      text: message.advisor + " (victim advisor)" }));
    }
    bubble.appendChild(el("span", { class: "rj-visually-hidden", text: who }));
    appendText(bubble, message.text || "");
    transcript.appendChild(bubble);
    // Quick replies belong to the assistant's latest turn, all its messages: the crisis
    // reply's "Call 111" stays beside whatever follows it.
    if (message.buttons && message.buttons.length && index > lastFromUser()) {
      transcript.appendChild(renderButtons(message.buttons));
    }
  }

  function lastFromUser() {
    for (var i = state.messages.length - 1; i >= 0; i -= 1) {
      if (state.messages[i].from === "user") return i;
    }
    return -1;
  }

  function renderButtons(buttons) {
    var group = el("div", { class: "rj-replies", role: "group", "aria-label": "Suggested replies" });
    buttons.forEach(function (button) {
      var title = String(button.title || "");
      var payload = String(button.payload || "");
      var scheme = payload.slice(0, 4);
      if (scheme === "tel:" || scheme === "sms:") {  // a call or a text, never a message
        group.appendChild(el("a", { class: "rj-reply", text: title,
                                    href: scheme + payload.slice(4).replace(/[^\d+]/g, "") }));
      } else {
        group.appendChild(el("button", { type: "button", class: "rj-reply", text: title,
                                         onclick: function () { send(payload, title); } }));
      }
    });
    return group;
  }

  function redraw() {
    transcript.textContent = "";
    state.messages.forEach(render);
    transcript.scrollTop = transcript.scrollHeight;
  }

  function add(message) {
    if (message.from === "user") {  // old quick replies go once the person moves on
      Array.prototype.forEach.call(transcript.querySelectorAll(".rj-replies"),
                                   function (group) { group.remove(); });
    }
    state.messages.push(message);
    save();
    render(message, state.messages.length - 1);
    transcript.scrollTop = transcript.scrollHeight;
  }

  // ---- talking to the assistant --------------------------------------------------
  var retry = 0;
  var retryTimer = null;
  var sending = false;
  var inFlight = null;  // aborts the message on its way, for Quick Exit

  function onSubmit(event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) {
      setStatus("Type a message first.");
      return;
    }
    input.value = "";
    lastTyped = 0;
    send(text, text);
  }

  function send(payload, shown) {
    if (shown) add({ from: "user", text: shown });
    state.pending.push(payload);
    save();
    flush();
  }

  function flush() {
    if (exiting || sending || !state.pending.length) return;
    sending = true;
    inFlight = window.AbortController ? new AbortController() : null;
    fetch(config.server + "/webhooks/rest/webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sender, message: state.pending[0] }),
      signal: inFlight ? inFlight.signal : undefined,
    }).then(function (response) {
      if (response.status >= 400 && response.status < 500) return null;  // refused
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (replies) {
      if (exiting) return;
      sending = false;
      state.pending.shift();
      save();
      // Sending it again would be refused again: say so instead of retrying forever.
      if (replies === null) setStatus(REFUSED);
      else if (retry) setStatus("Connected again.");
      retry = 0;
      // While an advisor is in the chat the assistant is quiet: [] shows nothing.
      (Array.isArray(replies) ? replies : []).forEach(function (reply) {
        var buttons = Array.isArray(reply.buttons) ? reply.buttons : [];
        if (reply.text || buttons.length) {  // not a reply that only carries "custom"
          add({ from: "bot", text: String(reply.text || ""), buttons: buttons });
        }
        var live = reply.custom && reply.custom.live_chat;
        if (live === "waiting" || live === "active") startLive();
        else if (live === "ended" && state.live) pollSoon(0);
      });
      flush();
    }).catch(function () {
      if (exiting) return;
      sending = false;
      connectionLost();
    });
  }

  function connectionLost() {
    setStatus("We can't reach the assistant right now, so your message hasn't been " +
              "answered yet. We'll keep trying. To talk to someone now, call " + LINE +
              " (free, 24/7). In danger? Call 111.");
    var wait = RETRY_SECONDS[Math.min(retry, RETRY_SECONDS.length - 1)];
    retry += 1;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, wait * 1000);
  }

  function setStatus(text) {
    status.textContent = text;
  }

  // ---- live chat with a victim advisor ---------------------------------------------
  var pollTimer = null;
  var polling = false;  // one poll at a time, so each message comes once and in order
  var pollAbort = null;  // aborts the poll on its way, for Quick Exit
  var pollFailures = 0;  // in a row
  var advisorTyping = false;  // not kept: the next poll says it again

  function startLive() {
    if (!state.live) {
      // From the highest id this conversation has seen, so an earlier live chat's
      // messages never come twice.
      state.live = { after: state.liveAfter || 0, state: "waiting", position: null,
                     advisor: null };
      save();
    }
    showBanner();
    pollSoon(0);
  }

  function stopLive() {
    clearTimeout(pollTimer);
    state.liveAfter = state.live.after;
    state.live = null;
    advisorTyping = false;
    pollFailures = 0;
    save();
    banner.hidden = true;
  }

  function pollSoon(ms) {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(poll, ms);
  }

  function poll() {
    if (exiting || polling || !state.live) return;  // the poll on its way plans the next
    polling = true;
    pollAbort = window.AbortController ? new AbortController() : null;
    fetch(config.server + "/webhooks/live/poll", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sender, after: state.live.after,
                             typing: Date.now() - lastTyped < TYPING_MS }),
      signal: pollAbort ? pollAbort.signal : undefined,
    }).then(function (response) {
      if (response.status >= 400 && response.status < 500) return null;  // refused
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (answer) {
      polling = false;
      if (exiting || !state.live) return;
      if (!answer || typeof answer !== "object") {  // refused: polling again won't help
        stopLive();
        return;
      }
      pollFailures = 0;
      var fresh = showLiveMessages(answer.messages);
      if (answer.state !== "waiting" && answer.state !== "active") {
        // "none": the chat is over once nothing is left to collect.
        if (fresh) pollSoon(0);
        else stopLive();
        return;
      }
      state.live.state = answer.state;
      state.live.position = typeof answer.position === "number" ? answer.position : null;
      state.live.advisor = answer.advisor ? String(answer.advisor) : null;
      advisorTyping = answer.advisor_typing === true;
      save();
      showBanner();
      pollSoon(POLL_MS);
    }).catch(function () {
      polling = false;
      if (exiting || !state.live) return;
      pollFailures += 1;  // quietly, a little more slowly
      showBanner();
      pollSoon(POLL_RETRY_MS[Math.min(pollFailures, POLL_RETRY_MS.length) - 1]);
    });
  }

  // Adds the messages not shown yet, in id order, and returns how many there were.
  function showLiveMessages(messages) {
    var numbered = (Array.isArray(messages) ? messages : []).filter(function (message) {
      return message && typeof message.id === "number" && isFinite(message.id);
    }).sort(function (a, b) { return a.id - b.id; });
    var count = 0;
    numbered.forEach(function (message) {
      if (message.id <= state.live.after) return;  // shown already
      state.live.after = message.id;  // saved with the message, by add()
      count += 1;
      var shown = { from: "bot", text: String(message.text || ""),
                    buttons: Array.isArray(message.buttons) ? message.buttons : [] };
      if (message.advisor) {
        shown.from = "advisor";
        shown.advisor = String(message.advisor);
      }
      add(shown);
    });
    return count;
  }

  function showBanner() {
    var live = state.live;
    var advisor = live.advisor;
    if (live.state === "active") {
      setText(liveText, "You're chatting with " +
                        (advisor ? advisor + ", a victim advisor." : "a victim advisor."));
      setText(liveEnd, "End chat");
    } else {
      setText(liveText, "Waiting for a victim advisor." + (live.position
        ? " You're number " + live.position + " in the queue." : ""));
      setText(liveEnd, "Leave the queue");
    }
    setText(liveTyping, advisorTyping ? (advisor || "The advisor") + " is typing…" : "");
    setText(liveConnection, pollFailures >= RECONNECTING_AFTER ? "Reconnecting…" : "");
    banner.hidden = false;
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function endLiveChat() {
    send(END_LIVE, liveEnd.textContent);
  }

  // Quick Exit: the advisor learns the person has gone. Sent even as the page unloads
  // (keepalive); whatever happens, leaving goes on.
  function leaveLiveChat() {
    clearTimeout(pollTimer);
    if (pollAbort) pollAbort.abort();
    try {
      fetch(config.server + "/webhooks/live/leave", {
        method: "POST",
        keepalive: true,
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: state.sender }),
      }).catch(function () { /* nothing to do: the server also notices the polls stop */ });
    } catch (ignored) { /* leaving never fails */ }
  }

  // ---- opening, closing and leaving ------------------------------------------------
  function setOpen(open) {
    state.open = open;
    save();
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.textContent = open ? "Hide the chat" : "Chat: questions about restorative justice";
    if (open) {
      if (!state.messages.length && !state.pending.length) send("/greet", null);
      input.focus();
    } else {
      launcher.focus();
    }
  }

  function quickExit() {
    exiting = true;
    document.documentElement.style.visibility = "hidden";
    document.title = "";
    clearTimeout(retryTimer);
    if (inFlight) inFlight.abort();
    if (state.live) leaveLiveChat();
    try { sessionStorage.removeItem(STORE_KEY); } catch (ignored) { /* nothing kept */ }
    window.location.replace(config.exitUrl);
  }

  // Shift presses count only one after another: any other key in between (the letter of
  // a capital, say) starts the count again.
  var shiftPresses = 0;
  var shiftTimer = null;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift") {
      shiftPresses = 0;
      return;
    }
    if (event.repeat) return;
    shiftPresses += 1;
    clearTimeout(shiftTimer);
    shiftTimer = setTimeout(function () { shiftPresses = 0; }, SHIFT_WINDOW_MS);
    if (shiftPresses >= SHIFT_PRESSES) quickExit();
  }, true);

  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") setOpen(false);
  });

  function start() {
    document.body.appendChild(root);
    Array.prototype.forEach.call(document.querySelectorAll("[data-rj-quick-exit]"),
      function (button) {
        if (!panel.contains(button)) button.addEventListener("click", quickExit);
      });
    redraw();
    panel.hidden = !state.open;
    launcher.setAttribute("aria-expanded", String(state.open));
    if (state.open) launcher.textContent = "Hide the chat";
    flush();
    if (state.live) {  // a reload in live mode: carry on where it was
      showBanner();
      pollSoon(0);
    }
  }

  window.rjChat = { quickExit: quickExit, open: function () { setOpen(true); },
                    close: function () { setOpen(false); } };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
