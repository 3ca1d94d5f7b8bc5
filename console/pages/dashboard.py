"""The dashboard: conversations per day, top topics, turns not understood, crisis turns,
callback requests and how fast they were contacted."""
from __future__ import annotations

from statistics import median
from typing import Any

from sanic import Blueprint
from sanic.request import Request

from console.templating import render
from console.charts import bar_chart
from console.pages import audit
from records import conversations
from records.callbacks import CLOSED, CONTACTED, NEW

blueprint = Blueprint("dashboard")
DAYS = 30


@blueprint.get("/dashboard")
async def dashboard(request: Request) -> Any:
    found = conversations.activity(request.app.ctx.engine, DAYS)
    requests = request.app.ctx.callbacks.list()
    hours = [(r.contacted_at - r.created_at).total_seconds() / 3600
             for r in requests if r.contacted_at]
    by_status = {status: sum(r.status == status for r in requests)
                 for status in (NEW, CONTACTED, CLOSED)}
    top = sorted(found.topics.items(), key=lambda item: (-item[1], item[0]))[:10]
    share = found.not_understood / found.user_turns if found.user_turns else 0
    audit(request, "view dashboard")
    return render(
        request, "dashboard.html", days=DAYS,
        conversations_chart=bar_chart(f"Conversations per day, last {DAYS} days",
                                      [(day[5:], n) for day, n in found.per_day.items()]),
        topics_chart=bar_chart("Top topics", top),
        crisis_chart=bar_chart(f"Crisis turns per day, last {DAYS} days",
                               [(day[5:], n) for day, n in found.crisis_per_day.items()]),
        requests_chart=bar_chart("Callback requests by status", list(by_status.items())),
        conversations_total=sum(found.per_day.values()), user_turns=found.user_turns,
        not_understood_share=share, crisis_total=sum(found.crisis_per_day.values()),
        contacted=len(hours), median_hours=median(hours) if hours else None,
        waiting=by_status[NEW])
