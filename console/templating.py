"""Rendering the console's Jinja2 templates, autoescaped."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import response
from sanic.request import Request

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True))


def render(request: Request, template: str, code: int = 200, **values: Any) -> Any:
    session = getattr(request.ctx, "session", None)
    html = TEMPLATES.get_template(template).render(
        user=session.user if session else None,
        shown=request.app.ctx.advisor_ids.show,  # the id advisors see for a conversation
        csrf_token=session.csrf_token if session else "",
        path=request.path, **values)
    return response.html(html, status=code)
