"""The console's pages, one module per area."""
from typing import Any

from sanic.request import Request


def actor(request: Request) -> str:
    return request.ctx.session.user.username


def page_number(request: Request) -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        return 1


def audit(request: Request, action: str, target: str = "", detail: str = "") -> None:
    request.app.ctx.audit.record(actor(request), action, target, detail)


def form_value(request: Request, name: str, default: str = "") -> Any:
    return (request.form or {}).get(name, default)
