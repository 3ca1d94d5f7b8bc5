"""Live chat: advisors set themselves available or away, watch the live queue, accept a
chat, and talk with the person (records/live_chat.py holds the state; the assistant's
side is addons/live_chat.py).

The pages work without JavaScript (forms, reload); console/static/live.js updates them
every second or two from the JSON routes: the queue, the person typing or gone, danger
flagged, new messages. Every route needs a signed-in advisor (console/security.py), and
every change the session's CSRF token. Every accept, message, end and note is in the
audit log.
"""
from __future__ import annotations

import time
from typing import Any, Dict, Optional, Tuple
from urllib.parse import quote

from sanic import Blueprint, response
from sanic.request import Request

from console import queries, security
from console.assistant_api import AssistantUnavailable
from console.pages import actor, audit, form_value
from console.templating import render
from records.live_chat import (
    ACTIVE,
    BY_ADVISOR,
    HANDED_BACK,
    Chat,
    LiveChatError,
    LiveChats,
)
from serving.settings import settings

blueprint = Blueprint("live")
MAX_MESSAGE = 2000
ENDINGS_IN_WORDS = {
    "person": "The person ended the chat.",
    "advisor": "The advisor ended the chat.",
    "handed_back": "The advisor handed the conversation back to the assistant.",
    "no_advisor": "No advisor accepted in time.",
    "person_left": "The person has left.",
    "advisor_left": "The advisor's console stopped answering, so the chat ended.",
}


def chats(request: Request) -> LiveChats:
    return request.app.ctx.live_chats


def queue_entry(request: Request, chat: Chat, summary: Optional[queries.Summary],
                now: float) -> Dict[str, Any]:
    return {
        "id": chat.id,
        "conversation": request.app.ctx.advisor_ids.show(chat.sender_id),
        "waited_seconds": int(now - chat.requested_at),
        "crisis": bool(chat.crisis_at or (summary and (summary.crisis_turns or
                                                       summary.asked_about_danger))),
        "topics": (summary.topics if summary else [])[:8],
        "person_typing": chat.person_typing(now),
        "person_present": chat.person_present(now),
    }


def live_state(request: Request) -> Dict[str, Any]:
    """The queue and the advisor's own chats; saying, too, that the advisor is here."""
    store = chats(request)
    me = store.heartbeat(actor(request))
    store.expire(settings().live_chat_wait_seconds)
    waiting, mine = store.waiting(), store.of_advisor(me.username)
    briefs = queries.summaries_of(request.app.ctx.engine,
                                  [c.sender_id for c in waiting + mine])
    now = time.time()
    return {
        "available": me.available,
        "display_name": me.display_name or "",
        "advisors_available": store.available_count(),
        "in_hours": settings().opening_hours.open_now(),
        "hours": settings().opening_hours.describe(),
        "waiting": [queue_entry(request, c, briefs.get(c.sender_id), now) for c in waiting],
        "mine": [queue_entry(request, c, briefs.get(c.sender_id), now) for c in mine],
    }


@blueprint.get("/live")
async def queue_page(request: Request) -> Any:
    audit(request, "view live queue")
    return render(request, "live_queue.html", live=live_state(request),
                  error=request.args.get("error", ""))


@blueprint.get("/live/state.json")
async def queue_state(request: Request) -> Any:
    return response.json(live_state(request))


@blueprint.post("/live/availability")
@security.changes_state
async def set_availability(request: Request) -> Any:
    available = form_value(request, "available") == "1"
    try:
        chats(request).set_presence(actor(request), available,
                                    form_value(request, "display_name"))
    except LiveChatError as error:
        return render(request, "message.html", code=400, message=str(error), back="/live")
    audit(request, "set available" if available else "set away")
    return response.redirect("/live", status=303)


@blueprint.post("/live/<chat_id:int>/accept")
@security.changes_state
async def accept(request: Request, chat_id: int) -> Any:
    store = chats(request)
    try:
        chat = store.claim(chat_id, store.presence(actor(request)))
    except LiveChatError as error:
        return render(request, "message.html", code=409, message=str(error), back="/live")
    audit(request, "accept live chat", request.app.ctx.advisor_ids.show(chat.sender_id))
    return response.redirect(f"/live/{chat_id}", status=303)


def own_chat(request: Request, chat_id: int) -> Chat:
    """The chat, if it is this advisor's to change."""
    chat = chats(request).get(chat_id)
    if chat.advisor != actor(request):
        raise LiveChatError("This is not your chat: only the advisor who accepted it can "
                            "write in it or end it.")
    return chat


@blueprint.get("/live/<chat_id:int>")
async def chat_page(request: Request, chat_id: int) -> Any:
    try:
        chat = chats(request).get(chat_id)
    except LiveChatError as error:
        return render(request, "message.html", code=404, message=str(error), back="/live")
    shown = request.app.ctx.advisor_ids.show(chat.sender_id)
    audit(request, "view live chat", shown)
    turns = queries.transcript(request.app.ctx.engine, chat.sender_id)
    return render(request, "live_chat.html", chat=chat, conversation=shown, turns=turns,
                  after=turns[-1].id if turns else 0, mine=chat.advisor == actor(request),
                  ended=ENDINGS_IN_WORDS.get(chat.ended_how or ""),
                  error=request.args.get("error", ""))


@blueprint.get("/live/<chat_id:int>/updates.json")
async def updates(request: Request, chat_id: int) -> Any:
    store = chats(request)
    try:
        chat = store.get(chat_id)
        after = max(0, int(request.args.get("after", "0")))
    except (LiveChatError, ValueError):
        return response.json({"error": "There is no such live chat."}, status=404)
    store.heartbeat(actor(request))
    if chat.advisor == actor(request) and chat.status == ACTIVE:
        store.advisor_typing(chat_id, request.args.get("typing") == "1")
    store.expire(settings().live_chat_wait_seconds)
    chat = store.get(chat_id)
    now = time.time()
    return response.json({
        "status": chat.status,
        "ended": ENDINGS_IN_WORDS.get(chat.ended_how or ""),
        "person_typing": chat.person_typing(now),
        "person_present": chat.status != "ended" and chat.person_present(now),
        "crisis": chat.crisis_at is not None,
        "joined": chat.started,  # the person has been told the advisor joined
        "messages": [turn_json(t) for t in
                     queries.transcript(request.app.ctx.engine, chat.sender_id, after)],
    })


def turn_json(turn: queries.Turn) -> Dict[str, Any]:
    return {"id": turn.id, "speaker": turn.speaker, "advisor": turn.advisor,
            "text": turn.text, "at": turn.at.strftime("%H:%M:%S"),
            "danger": turn.crisis or turn.possible_danger, "clicked": turn.clicked,
            "buttons": turn.buttons}


@blueprint.post("/live/<chat_id:int>/messages")
@security.changes_state
async def send_message(request: Request, chat_id: int) -> Any:
    """JSON for live.js; without JavaScript, back to the chat page."""
    error, status = await _send(request, chat_id, str(form_value(request, "text")).strip())
    if "application/json" in request.headers.get("accept", ""):
        return response.json({"error": error} if error else {"sent": True},
                             status=status)
    where = f"/live/{chat_id}" + (f"?error={quote(error)}" if error else "")
    return response.redirect(where, status=303)


async def _send(request: Request, chat_id: int, text: str) -> Tuple[Optional[str], int]:
    if not text:
        return "Write a message first.", 400
    if len(text) > MAX_MESSAGE:
        return f"A message can be at most {MAX_MESSAGE:,} characters.", 400
    try:
        chat = own_chat(request, chat_id)
        if chat.status != ACTIVE:
            raise LiveChatError("This chat has ended: the message was not sent.")
        if not chat.started:  # else it would reach the person before "Mere has joined"
            raise LiveChatError("The person's screen has not yet shown that you joined: "
                                "send it again in a second.")
        await request.app.ctx.assistant.say(chat.sender_id, text, chat.shown_advisor)
    except LiveChatError as error:
        return str(error), 409
    except AssistantUnavailable as error:
        return str(error), 503
    chats(request).advisor_typing(chat_id, False)
    audit(request, "live chat message", request.app.ctx.advisor_ids.show(chat.sender_id))
    return None, 200


def _end(request: Request, chat_id: int, how: str, what: str) -> Any:
    try:
        chat = own_chat(request, chat_id)
    except LiveChatError as error:
        return render(request, "message.html", code=403, message=str(error), back="/live")
    if chats(request).end(chat_id, how, actor(request)):
        audit(request, what, request.app.ctx.advisor_ids.show(chat.sender_id))
    return response.redirect(f"/live/{chat_id}", status=303)


@blueprint.post("/live/<chat_id:int>/end")
@security.changes_state
async def end(request: Request, chat_id: int) -> Any:
    return _end(request, chat_id, BY_ADVISOR, "end live chat")


@blueprint.post("/live/<chat_id:int>/hand-back")
@security.changes_state
async def hand_back(request: Request, chat_id: int) -> Any:
    return _end(request, chat_id, HANDED_BACK, "hand back live chat")


@blueprint.post("/live/<chat_id:int>/note")
@security.changes_state
async def note(request: Request, chat_id: int) -> Any:
    try:
        own_chat(request, chat_id)
        chat = chats(request).set_note(chat_id, form_value(request, "note"))
    except LiveChatError as error:
        return render(request, "message.html", code=400, message=str(error),
                      back=f"/live/{chat_id}")
    audit(request, "live chat note", request.app.ctx.advisor_ids.show(chat.sender_id))
    return response.redirect(f"/live/{chat_id}", status=303)

