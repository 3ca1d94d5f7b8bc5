"""Browsing conversations: filters, search, a transcript, export, and deletion (admins)."""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from sanic import Blueprint, response
from sanic.request import Request

from console import exports, queries, security
from console.pages import audit, page_number
from console.queries import PAGE_SIZE, Filters
from console.templating import render
from records import conversation_log

blueprint = Blueprint("conversations")
MAX_EXPORT = 5000


def parse_date(text: str) -> Optional[date]:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def filters_from(request: Request) -> Filters:
    args = request.args
    return Filters(since=parse_date(args.get("since", "")), until=parse_date(args.get("until", "")),
                   asked_advisor=args.get("advisor") == "1", crisis=args.get("crisis") == "1",
                   not_understood=args.get("not_understood") == "1",
                   topic=args.get("topic", "")[:100], search=args.get("q", "")[:200])


def filters_only(request: Request) -> str:
    """The query, for the audit log, without the words searched for (they may be a
    name or a number): the log keeps who looked at what, not free text."""
    return "&".join(f"{name}={'[search]' if name == 'q' else value}"
                    for name, values in request.args.items() for value in values)[:500]


@blueprint.get("/conversations")
async def listing(request: Request) -> Any:
    filters, page = filters_from(request), page_number(request)
    engine = request.app.ctx.engine
    found = queries.conversation_page(engine, filters, page)
    bad_dates = [name for name in ("since", "until")
                 if request.args.get(name) and parse_date(request.args.get(name)) is None]
    audit(request, "list conversations", detail=filters_only(request))
    return render(request, "conversations.html", conversations=found.conversations,
                  total=found.total, page=page, pages=max(1, -(-found.total // PAGE_SIZE)),
                  filters=filters, bad_dates=bad_dates,
                  query=request.query_string, args=request.args)


def conversation_of(request: Request, shown: str) -> Optional[str]:
    """The sender id behind the id advisors see (records/advisor_ids.py)."""
    return request.app.ctx.advisor_ids.sender(shown)


@blueprint.get("/conversations/<shown>")
async def show(request: Request, shown: str) -> Any:
    engine = request.app.ctx.engine
    sender_id = conversation_of(request, shown)
    turns = queries.transcript(engine, sender_id) if sender_id else []
    summary = queries.summary(engine, sender_id) if sender_id else None
    if not turns and summary is None:
        return render(request, "message.html", code=404, message="No such conversation.")
    audit(request, "view conversation", shown)
    return render(request, "transcript.html", conversation=shown, turns=turns, summary=summary,
                  requests=request.app.ctx.callbacks.for_conversation(sender_id))


def download(body: str, filename: str, content_type: str) -> Any:
    return response.text(body, content_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


def export(request: Request, found: dict, fmt: str, name: str) -> Any:
    if fmt == "csv":
        return download(exports.as_csv(found), f"{name}.csv", "text/csv; charset=utf-8")
    return download(exports.as_json(found), f"{name}.json", "application/json")


FORMATS = ("csv", "json")


@blueprint.get("/conversations/<shown>/export/<fmt>")
async def export_one(request: Request, shown: str, fmt: str) -> Any:
    if fmt not in FORMATS:
        return render(request, "message.html", code=404, message="Export as csv or json.")
    sender_id = conversation_of(request, shown)
    turns = queries.transcript(request.app.ctx.engine, sender_id) if sender_id else []
    if not turns:
        return render(request, "message.html", code=404, message="No such conversation.")
    audit(request, f"export conversation as {fmt}", shown)
    return export(request, {shown: turns}, fmt, "conversation")


@blueprint.get("/export/conversations/<fmt>")
async def export_filtered(request: Request, fmt: str) -> Any:
    if fmt not in FORMATS:
        return render(request, "message.html", code=404, message="Export as csv or json.")
    engine = request.app.ctx.engine
    found = queries.list_conversations(engine, filters_from(request), 1, MAX_EXPORT)
    shown = request.app.ctx.advisor_ids.show
    data = {shown(s.sender_id): queries.transcript(engine, s.sender_id) for s in found}
    audit(request, f"export {len(data)} conversations as {fmt}", detail=filters_only(request))
    return export(request, data, fmt, "conversations")


@blueprint.post("/conversations/<shown>/delete")
@security.changes_state
@security.admin_only
async def delete(request: Request, shown: str) -> Any:
    sender_id = conversation_of(request, shown)
    deleted = bool(sender_id) and conversation_log.delete_conversation(
        request.app.ctx.engine, sender_id)
    audit(request, "delete conversation", shown)
    message = "The conversation was deleted." if deleted else "No such conversation."
    return render(request, "message.html", message=message, back="/conversations")
