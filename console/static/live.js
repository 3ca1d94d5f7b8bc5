/*
 * Live chat in the advisors' console (console/pages/live.py). On every advisor page it
 * says the advisor is here and announces people waiting to chat, in the page title and
 * in the banner under the header. On the live queue page it keeps the queue up to date;
 * on a chat page it shows new messages, the person typing or gone, danger flagged, and
 * sends the advisor's messages. Everything is shown as text (textContent), never HTML.
 */
(function () {
  "use strict";

  var QUEUE_EVERY_MS = 2000;
  var PAGE_EVERY_MS = 5000;
  var CHAT_EVERY_MS = 1000;
  var TYPING_MS = 3000;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var baseTitle = document.title;
  var alertBox = document.getElementById("live-alert");
  var queue = document.getElementById("live-queue");
  var chat = document.getElementById("live-chat");
  var known = null;  // ids of the chats waiting at the last look

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      });
  }

  function minutes(seconds) {
    return Math.floor(seconds / 60) + ":" + ("0" + (seconds % 60)).slice(-2);
  }

  // ---- every page: who is waiting -------------------------------------------------
  function announce(state) {
    var waiting = state.waiting.length;
    var ids = state.waiting.map(function (c) { return c.id; });
    var arrived = known !== null && ids.some(function (id) { return known.indexOf(id) < 0; });
    known = ids;
    document.title = (waiting ? "(" + waiting + " waiting) " : "") + baseTitle;
    if (!alertBox) return;
    alertBox.hidden = waiting === 0;
    alertBox.textContent = "";
    if (waiting) {
      alertBox.appendChild(document.createTextNode(
        (arrived ? "New: " : "") + waiting + (waiting === 1 ? " person is" : " people are") +
        " waiting to chat" + (state.available ? "" : " (you are away)") + ". "));
      alertBox.appendChild(el("a", { href: "/live", text: "Open the live queue" }));
    }
  }

  function acceptForm(id) {
    return el("form", { method: "post", action: "/live/" + id + "/accept", class: "inline" }, [
      el("input", { type: "hidden", name: "csrf_token", value: csrf }),
      el("button", { type: "submit", text: "Accept" }),
    ]);
  }

  function showQueue(state) {
    var body = document.getElementById("waiting");
    body.textContent = "";
    state.waiting.forEach(function (c) {
      body.appendChild(el("tr", { "data-id": String(c.id) }, [
        el("td", { text: minutes(c.waited_seconds) }),
        el("td", { text: c.conversation }),
        el("td", {}, [c.crisis ? el("span", { class: "mark crisis", text: "may be in danger" })
                               : document.createTextNode("–")]),
        el("td", { text: c.topics.join(", ") || "–" }),
        el("td", {}, [acceptForm(c.id)]),
      ]));
    });
    document.getElementById("waiting-count").textContent = String(state.waiting.length);
    var mine = document.getElementById("mine");
    mine.textContent = "";
    if (!state.mine.length) mine.appendChild(el("li", { text: "None open." }));
    state.mine.forEach(function (c) {
      mine.appendChild(el("li", {}, [
        el("a", { href: "/live/" + c.id, text: c.conversation }),
        c.crisis ? el("span", { class: "mark crisis", text: " may be in danger" }) : null,
        c.person_typing ? el("span", { class: "mark", text: " typing…" }) : null,
      ]));
    });
  }

  function watchQueue() {
    getJSON("/live/state.json").then(function (state) {
      announce(state);
      if (queue) showQueue(state);
    }).catch(function () { /* signed out or offline: try again later */ })
      .then(function () { setTimeout(watchQueue, queue ? QUEUE_EVERY_MS : PAGE_EVERY_MS); });
  }

  // ---- a chat page ------------------------------------------------------------------
  function startChat() {
    var id = chat.getAttribute("data-chat");
    var after = Number(chat.getAttribute("data-after")) || 0;
    var turns = document.getElementById("turns");
    var personStatus = document.getElementById("person-status");
    var danger = document.getElementById("danger");
    var ended = document.getElementById("ended");
    var send = document.getElementById("send");
    var box = document.getElementById("text");
    var sendError = document.getElementById("send-error");
    var lastKey = 0;

    function showTurn(t) {
      var who = t.speaker === "person" ? "Person" :
                t.speaker === "assistant" ? "Assistant" : "Advisor: " + (t.advisor || "");
      turns.appendChild(el("li", { class: "turn " + t.speaker + (t.danger ? " crisis" : ""),
                                   "data-id": String(t.id) }, [
        el("p", { class: "who" }, [
          document.createTextNode(who + " · "), el("time", { text: t.at }),
          t.clicked ? el("span", { class: "mark", text: " clicked a button" }) : null,
          t.danger ? el("span", { class: "mark crisis", text: " may be in danger" }) : null,
        ]),
        el("p", { class: "text", text: t.text }),
        t.buttons && t.buttons.length ?
          el("p", { class: "buttons", text: "Buttons: " + t.buttons.join(" · ") }) : null,
      ]));
    }

    function poll() {
      var typing = Date.now() - lastKey < TYPING_MS ? "1" : "0";
      getJSON("/live/" + id + "/updates.json?after=" + after + "&typing=" + typing)
        .then(function (u) {
          u.messages.forEach(function (t) {
            if (t.id > after) { showTurn(t); after = t.id; }
          });
          danger.hidden = !u.crisis;
          if (send) send.querySelector("button[type=submit]").title = u.joined ? "" :
            "Waiting for the person's screen to show that you joined";
          personStatus.textContent = u.status === "ended" ? "" :
            !u.person_present ? "The person has left." :
            u.person_typing ? "The person is typing…" : "";
          if (u.status === "ended") {
            ended.hidden = false;
            ended.textContent = u.ended || "The chat has ended.";
            if (send) send.hidden = true;
            var actions = document.getElementById("chat-actions");
            if (actions) actions.hidden = true;
            return;  // nothing more will come
          }
          setTimeout(poll, CHAT_EVERY_MS);
        })
        .catch(function () { setTimeout(poll, CHAT_EVERY_MS * 3); });
    }

    if (box) box.addEventListener("input", function () { lastKey = Date.now(); });
    if (send) {
      send.addEventListener("submit", function (event) {
        event.preventDefault();
        var text = box.value.trim();
        var button = send.querySelector("button[type=submit]");
        if (!text || button.disabled) return;
        button.disabled = true;  // one at a time: messages arrive in the order written
        var body = new URLSearchParams();
        body.append("csrf_token", csrf);
        body.append("text", text);
        fetch(send.action, { method: "POST", body: body, credentials: "same-origin",
                             headers: { Accept: "application/json" } })
          .then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); })
          .then(function (result) {
            sendError.hidden = result[0];
            if (result[0]) { box.value = ""; lastKey = 0; }
            else sendError.textContent = result[1].error || "The message was not sent.";
          })
          .catch(function () {
            sendError.hidden = false;
            sendError.textContent = "The message was not sent: the console cannot be " +
                                    "reached. Try again.";
          })
          .then(function () { button.disabled = false; });
      });
    }
    if (chat.getAttribute("data-status") !== "ended") poll();
  }

  watchQueue();
  if (chat) startChat();
})();
