"""The dashboard: conversations per day, top topics, turns not understood, crisis turns,
callback requests and how fast they were contacted."""
from __future__ import annotations

from typing import Any

from sanic import Blueprint
from sanic.request import Request

from console import queries
from console.charts import bar_chart
from console.pages import audit
from console.templating import render
from records.callbacks import NEW

blueprint = Blueprint("dashboard")
DAYS = 30


@blueprint.get("/dashboard")
async def dashboard(request: Request) -> Any:
    found = queries.activity(request.app.ctx.engine, DAYS)
    by_status = request.app.ctx.callbacks.count_by_status()
    contact = request.app.ctx.callbacks.contact_times()
    share = found.not_understood / found.user_turns if found.user_turns else 0
    audit(request, "view dashboard")
    return render(
        request, "dashboard.html", days=DAYS,
        conversations_chart=bar_chart(f"Conversations per day, last {DAYS} days",
                                      [(day[5:], n) for day, n in found.per_day.items()]),
        topics_chart=bar_chart("Top topics", list(found.topics.items())),
        crisis_chart=bar_chart(f"Crisis turns per day, last {DAYS} days",
                               [(day[5:], n) for day, n in found.crisis_per_day.items()]),
        requests_chart=bar_chart("Callback requests by status", list(by_status.items())),
        conversations_total=sum(found.per_day.values()), user_turns=found.user_turns,
        not_understood_share=share, crisis_total=sum(found.crisis_per_day.values()),
        contacted=contact.contacted, median_hours=contact.median_hours,
        waiting=by_status[NEW])
