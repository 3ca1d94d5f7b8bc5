"""Admins: accounts, the retention purge and the audit log."""
from __future__ import annotations

from typing import Any

from sanic import Blueprint
from sanic.request import Request

from console import security
from console.accounts import ROLES, AccountError
from console.pages import actor, audit, form_value, page_number
from console.templating import render
from records import retention
from serving.settings import settings

blueprint = Blueprint("admin")
ACCOUNT_CHANGES = {"disable": "Disabled", "enable": "Enabled", "delete": "Deleted"}


def admin_page(request: Request, code: int = 200, **values: Any) -> Any:
    page = page_number(request)
    return render(request, "admin.html", code=code, days=settings().retention_days, page=page,
                  roles=ROLES, accounts=request.app.ctx.accounts.list(),
                  entries=request.app.ctx.audit.entries(page), **values)


@blueprint.get("/admin")
@security.admin_only
async def admin(request: Request) -> Any:
    return admin_page(request)


@blueprint.post("/admin/accounts")
@security.changes_state
@security.admin_only
async def add_account(request: Request) -> Any:
    username = form_value(request, "username").strip().lower()
    role = form_value(request, "role")
    try:
        request.app.ctx.accounts.add(username, role, form_value(request, "password"))
    except AccountError as error:
        return admin_page(request, code=400, account_error=str(error),
                          new_username=username, new_role=role)
    audit(request, "create account", username, role)
    return render(request, "message.html", back="/admin",
                  message=f"Added the {role} account {username}. Give them the password "
                          "in person or by phone, never by email.")


@blueprint.post("/admin/accounts/<username>/<change>")
@security.changes_state
@security.admin_only
async def change_account(request: Request, username: str, change: str) -> Any:
    username = username.strip().lower()  # as accounts are stored
    if change not in ACCOUNT_CHANGES:
        return render(request, "message.html", code=404, back="/admin",
                      message="There is no such change to an account.")
    if change != "enable" and username == actor(request):
        return render(request, "message.html", code=400, back="/admin",
                      message="You cannot disable or delete your own account: ask another "
                              "admin.")
    if change == "delete" and form_value(request, "confirm") != "yes":
        return render(request, "message.html", code=400, back="/admin",
                      message=f"Tick the box to confirm deleting {username}: it cannot be "
                              "undone.")
    try:
        getattr(request.app.ctx.accounts, change)(username)
    except AccountError as error:
        return render(request, "message.html", code=400, back="/admin", message=str(error))
    audit(request, f"{change} account", username)
    message = f"{ACCOUNT_CHANGES[change]} the account {username}."
    left = [r.reference for r in request.app.ctx.callbacks.open_for(username)]
    if left and change != "enable":
        message += (f" Callback requests still assigned to them: {', '.join(left)}. "
                    "Assign them to someone else in the queue.")
    return render(request, "message.html", back="/admin", message=message)


@blueprint.post("/admin/purge")
@security.changes_state
@security.admin_only
async def purge(request: Request) -> Any:
    try:
        days = int(form_value(request, "days", str(settings().retention_days)))
        purged = retention.purge(request.app.ctx.engine, days)
    except ValueError:
        return render(request, "message.html", code=400, back="/admin",
                      message="Give a whole number of days, at least 1.")
    audit(request, "retention purge", detail=str(purged))
    return render(request, "message.html", back="/admin", message=f"Deleted {purged}.")
