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
  var input = el("input", {
    id: "rj-chat-input", type: "text", autocomplete: "off", maxlength: "1000",
    "aria-describedby": "rj-chat-hint",
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
      (Array.isArray(replies) ? replies : []).forEach(function (reply) {
        add({ from: "bot", text: String(reply.text || ""),
              buttons: Array.isArray(reply.buttons) ? reply.buttons : [] });
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
  }

  window.rjChat = { quickExit: quickExit, open: function () { setOpen(true); },
                    close: function () { setOpen(false); } };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
