"""The callback queue: new requests first, oldest first; status, assignee and notes."""
from __future__ import annotations

from typing import Any

from sanic import Blueprint, response
from sanic.request import Request

from console import security
from console.pages import actor, audit, form_value
from console.templating import render
from records.callbacks import CLOSED, CONTACTED, NEW, STATUSES, CallbackError

blueprint = Blueprint("queue")


@blueprint.get("/queue")
async def queue(request: Request) -> Any:
    status = request.args.get("status", NEW)
    if status not in STATUSES + ("all",):
        status = NEW
    requests = request.app.ctx.callbacks.list(None if status == "all" else status)
    audit(request, "view queue", status)
    return render(request, "queue.html", requests=requests, status=status,
                  statuses=STATUSES + ("all",))


@blueprint.get("/requests/<reference>")
async def show(request: Request, reference: str) -> Any:
    callbacks = request.app.ctx.callbacks
    try:
        found = callbacks.get(reference)
    except CallbackError as error:
        return render(request, "message.html", code=404, message=str(error))
    audit(request, "view request", found.reference)
    return render(request, "request.html", request_=found,
                  history=callbacks.history(found.reference),
                  users=[u.username for u in request.app.ctx.accounts.list()],
                  error=request.args.get("error", ""))


def _change(request: Request, reference: str, change: Any, what: str) -> Any:
    try:
        found = change()
    except CallbackError as error:
        return render(request, "message.html", code=400, message=str(error),
                      back=f"/requests/{reference}")
    audit(request, what, found.reference if found else reference)
    return response.redirect(f"/requests/{reference}", status=303)


@blueprint.post("/requests/<reference>/status")
@security.changes_state
async def set_status(request: Request, reference: str) -> Any:
    status = form_value(request, "status")
    if status not in (CONTACTED, CLOSED):
        return render(request, "message.html", code=400, message="Unknown status.",
                      back=f"/requests/{reference}")
    callbacks = request.app.ctx.callbacks
    return _change(request, reference,
                   lambda: callbacks.set_status(reference, status, actor(request)),
                   f"mark {status}")


@blueprint.post("/requests/<reference>/assign")
@security.changes_state
async def assign(request: Request, reference: str) -> Any:
    callbacks = request.app.ctx.callbacks
    assignee = form_value(request, "assignee")
    known = {u.username for u in request.app.ctx.accounts.list()}
    if assignee and assignee not in known:
        return render(request, "message.html", code=400, message="No such advisor.",
                      back=f"/requests/{reference}")
    return _change(request, reference,
                   lambda: callbacks.assign(reference, assignee, actor(request)), "assign")


@blueprint.post("/requests/<reference>/notes")
@security.changes_state
async def add_note(request: Request, reference: str) -> Any:
    callbacks = request.app.ctx.callbacks

    def change():
        callbacks.add_note(reference, form_value(request, "note"), actor(request))
        return callbacks.get(reference)
    return _change(request, reference, change, "add note")
