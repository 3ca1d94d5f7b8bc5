"""The console's Sanic application: sign-in, then the pages in console/pages/."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa
from sanic import Sanic, response
from sanic.request import Request

from console import security
from console.accounts import AccountError, Accounts
from console.assistant_api import AssistantApi
from console.audit import AuditLog
from console.pages import admin, conversations, dashboard, live, queue, trainers
from console.templating import render
from records import database
from records.advisor_ids import AdvisorIds
from records.callbacks import CallbackRequests
from records.live_chat import LiveChats
from serving.settings import settings

HERE = Path(__file__).resolve().parent


def create_app(engine: Optional[sa.engine.Engine] = None, name: str = "console") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 1_000_000
    # The sign-in throttle goes by the person's address. X-Forwarded-For is believed only
    # from as many proxies as PROXIES_COUNT says sit in front (none by default), so no
    # one can pick their own address by sending the header.
    app.config.PROXIES_COUNT = settings().proxies_count
    engine = engine or database.engine()
    app.ctx.engine = engine
    app.ctx.accounts = Accounts(engine)
    app.ctx.advisor_ids = AdvisorIds(engine)
    app.ctx.audit = AuditLog(engine)
    app.ctx.callbacks = CallbackRequests(engine)
    app.ctx.live_chats = LiveChats(engine)
    app.ctx.assistant = AssistantApi()
    app.register_middleware(security.load_session, "request")
    app.register_middleware(security.add_headers, "response")
    app.static("/static", str(HERE / "static"), name="static")
    for page in (queue, live, conversations, dashboard, trainers, admin):
        app.blueprint(page.blueprint)

    @app.get("/login")
    async def login_form(request: Request) -> Any:
        if request.ctx.session:
            return response.redirect("/queue", status=303)
        return render(request, "login.html")

    @app.post("/login")
    async def login(request: Request) -> Any:
        form = request.form or {}
        username = form.get("username", "")
        try:
            token, session = app.ctx.accounts.sign_in(username, form.get("password", ""),
                                                      request.remote_addr or request.ip)
        except AccountError as error:
            return render(request, "login.html", code=401, error=str(error),
                          username=username)
        app.ctx.audit.record(session.user.username, "sign in")
        resp = response.redirect("/gaps" if session.user.is_trainer else "/queue", status=303)
        security.set_session_cookie(request, resp, token)
        return resp

    @app.post("/logout")
    @security.changes_state
    async def logout(request: Request) -> Any:
        app.ctx.accounts.sign_out(request.cookies.get(security.session_cookie(request), ""))
        app.ctx.audit.record(request.ctx.session.user.username, "sign out")
        resp = response.redirect("/login", status=303)
        security.clear_session_cookie(request, resp)
        return resp

    @app.get("/")
    async def home(request: Request) -> Any:
        return response.redirect("/queue", status=303)

    return app
