"""Admins: the retention purge and the audit log."""
from __future__ import annotations

import os
from typing import Any

from sanic import Blueprint
from sanic.request import Request

from console import security
from console.app import render
from console.pages import audit, form_value, page_number
from records import retention

blueprint = Blueprint("admin")


def retention_days() -> int:
    return int(os.environ.get("RETENTION_DAYS", "90"))


@blueprint.get("/admin")
@security.admin_only
async def admin(request: Request) -> Any:
    page = page_number(request)
    return render(request, "admin.html", days=retention_days(), page=page,
                  entries=request.app.ctx.audit.entries(page))


@blueprint.post("/admin/purge")
@security.changes_state
@security.admin_only
async def purge(request: Request) -> Any:
    try:
        days = int(form_value(request, "days", str(retention_days())))
        purged = retention.purge(request.app.ctx.engine, days)
    except ValueError:
        return render(request, "message.html", code=400, back="/admin",
                      message="Give a whole number of days, at least 1.")
    audit(request, "retention purge", detail=str(purged))
    return render(request, "message.html", back="/admin", message=f"Deleted {purged}.")
