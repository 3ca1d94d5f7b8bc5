"""Sign-in sessions, CSRF tokens and security headers for every console route."""
from __future__ import annotations

import hmac
from functools import wraps
from typing import Any, Callable

from sanic import response
from sanic.request import Request

SESSION_COOKIE = "rj_console"
# Behind HTTPS the cookie has the __Host- prefix: the browser then keeps it only if it is
# Secure, for the whole site and for this host alone (no subdomain can set or read it).
SECURE_SESSION_COOKIE = "__Host-rj_console"
HSTS = "max-age=31536000"
LOGIN_PATH, STATIC_PATH = "/login", "/static/"
# Trainers label what the assistant did not understand: they never see transcripts,
# callback requests or contact details.
TRAINER_PATHS = ("/gaps", "/dashboard", "/logout", LOGIN_PATH, STATIC_PATH)
CSP = ("default-src 'self'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def is_https(request: Request) -> bool:
    """HTTPS here, or at a trusted proxy in front (X-Forwarded-Proto counts only then)."""
    if request.scheme == "https":
        return True
    return bool(request.app.config.PROXIES_COUNT) and \
        request.headers.get("x-forwarded-proto") == "https"


def session_cookie(request: Request) -> str:
    return SECURE_SESSION_COOKIE if is_https(request) else SESSION_COOKIE


def set_session_cookie(request: Request, resp: Any, token: str) -> None:
    name = session_cookie(request)
    resp.cookies[name] = token
    cookie = resp.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"
    if is_https(request):
        cookie["secure"] = True


def clear_session_cookie(request: Request, resp: Any) -> None:
    name = session_cookie(request)
    resp.cookies[name] = ""
    resp.cookies[name]["max-age"] = 0
    resp.cookies[name]["path"] = "/"
    if is_https(request):
        resp.cookies[name]["secure"] = True


async def load_session(request: Request) -> Any:
    """Middleware: find the signed-in user; refuse every other route without one."""
    if request.path.startswith(STATIC_PATH):  # the stylesheet needs no database lookup
        request.ctx.session = None
        return None
    accounts = request.app.ctx.accounts
    request.ctx.session = accounts.session(request.cookies.get(session_cookie(request)))
    session = request.ctx.session
    if session and session.user.is_trainer and not request.path.startswith(TRAINER_PATHS):
        if request.path == "/":
            return response.redirect("/gaps", status=303)
        return response.text("Trainers see the messages not understood and the dashboard; "
                             "conversations and callback requests are for advisors.",
                             status=403)
    if session or request.path.startswith(LOGIN_PATH):
        return None
    if request.method in ("GET", "HEAD"):
        return response.redirect("/login", status=303)
    return response.text("Sign in first.", status=403)


async def add_headers(request: Request, resp: Any) -> None:
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Cache-Control"] = "no-store"
    if is_https(request):
        resp.headers["Strict-Transport-Security"] = HSTS


def csrf_ok(request: Request) -> bool:
    session = request.ctx.session
    sent = request.form.get("csrf_token", "") if request.form else ""
    return bool(session and sent and hmac.compare_digest(sent, session.csrf_token))


def changes_state(handler: Callable) -> Callable:
    """For POST routes: the form must carry the session's CSRF token."""
    @wraps(handler)
    async def checked(request: Request, *args: Any, **kwargs: Any) -> Any:
        if not csrf_ok(request):
            return response.text("This form has expired. Go back, reload and try again.",
                                 status=403)
        return await handler(request, *args, **kwargs)
    return checked


def admin_only(handler: Callable) -> Callable:
    @wraps(handler)
    async def checked(request: Request, *args: Any, **kwargs: Any) -> Any:
        if not request.ctx.session.user.is_admin:
            return response.text("Only admins can do this.", status=403)
        return await handler(request, *args, **kwargs)
    return checked
