"""For trainers: messages the bot did not understand or was unsure about."""
from __future__ import annotations

from typing import Any

from sanic import Blueprint, response
from sanic.request import Request

from console import exports, queries
from console.pages import audit, page_number
from console.templating import render

blueprint = Blueprint("trainers")


@blueprint.get("/gaps")
async def gaps(request: Request) -> Any:
    page = page_number(request)
    found = queries.understanding_gaps(request.app.ctx.engine, page)
    audit(request, "view messages not understood")
    return render(request, "gaps.html", gaps=found, page=page)


@blueprint.get("/gaps/export.yml")
async def export(request: Request) -> Any:
    texts = queries.all_gap_texts(request.app.ctx.engine)
    audit(request, f"export {len(texts)} messages not understood as NLU YAML")
    return response.text(exports.as_nlu_yaml(texts), content_type="text/yaml; charset=utf-8",
                         headers={"Content-Disposition": 'attachment; filename="to_label.yml"'})
