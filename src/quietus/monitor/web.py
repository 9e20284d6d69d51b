"""The monitor's HTTP routes (Starlette), served on the engine's own loop, so every handler reads engine state on
the engine thread between two of its steps, as a view does.

| route               | method | before login        | after login                                              |
|---------------------|--------|---------------------|----------------------------------------------------------|
| /login              | GET    | the login form      | the login form                                           |
| /login              | POST   | log in (CSRF cookie | log in                                                   |
|                     |        | = form field)       |                                                          |
| /static/monitor.css | GET    | the style sheet     | the style sheet                                          |
| /metrics            | GET    | loopback or bearer  | also with the session cookie                             |
|                     |        | token only          |                                                          |
| everything else     |        | 303 to /login (a    | /: the page; /api/state: JSON; /events: SSE; /api/locks; |
|                     |        | page) or 401        | /kill and /kill/preview; /logout; /static/monitor.js     |

Every POST after login carries the web login's CSRF token (form field ``csrf`` or header ``X-CSRF-Token``); a
missing or wrong one is refused with 403 before anything else is looked at.
"""

from __future__ import annotations

import asyncio
import datetime
import hmac
import ipaddress
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import replace
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from quietus.monitor import kill_button, pages
from quietus.monitor.auth import Throttled, WebLogin, WebLogins
from quietus.monitor.board import board
from quietus.monitor.metrics import CONTENT_TYPE, Counters, exposition
from quietus.monitor.paging import BadQuery, SessionQuery

SESSION_COOKIE = "quietus_monitor"
LOGIN_COOKIE = "quietus_login"  # the pre-login CSRF token (double submit)
EVENT_PERIOD = 1.0  # seconds between two Server-Sent Events
STATIC_TYPES = {"monitor.js": "text/javascript; charset=utf-8", "monitor.css": "text/css; charset=utf-8"}
PUBLIC_STATIC = {"monitor.css"}
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _cookie(response: Response, name: str, value: str) -> None:
    response.set_cookie(name, value, httponly=True, secure=True, samesite="strict", path="/")


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def metrics_allowed(client: str, authorization: str | None, token: str | None, logged_in: bool) -> bool:
    """/metrics is for scrapers: from the loopback (where the server's own user is), with ``Bearer <token>`` when
    ``monitor_metrics_token`` is set, or with a browser's login; anyone else gets 403."""
    if logged_in or _is_loopback(client):
        return True
    if token is None or authorization is None:
        return False
    return hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode())


class Monitor:
    """The routes and what they share: the instance, the web logins, the counters and the stop signal."""

    def __init__(self, instance: Any, metrics_token: str | None = None) -> None:
        self.instance = instance
        self.logins = WebLogins(instance)
        self.counters = Counters()
        self.metrics_token = metrics_token
        self.stopping = asyncio.Event()
        routes = [
            Route("/login", self.login_form, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/logout", self.logout, methods=["POST"]),
            Route("/", self.page, methods=["GET"]),
            Route("/api/state", self.state_json, methods=["GET"]),
            Route("/events", self.events, methods=["GET"]),
            Route("/api/locks", self.locks, methods=["GET"]),
            Route("/kill/preview", self.kill_preview, methods=["GET"]),
            Route("/kill", self.kill, methods=["POST"]),
            Route("/kill/many/preview", self.kill_many_preview, methods=["GET"]),
            Route("/kill/many", self.kill_many, methods=["POST"]),
            Route("/metrics", self.metrics, methods=["GET"]),
            Route("/static/{name}", self.static, methods=["GET"]),
        ]
        self.app: ASGIApp = self._guard(Starlette(routes=routes))

    @property
    def env(self) -> Any:
        return self.instance.env

    # -- plumbing --------------------------------------------------------------------------------------------

    def _guard(self, app: ASGIApp) -> ASGIApp:
        """Security headers on every answer; requests and 5xx answers counted."""
        counters = self.counters

        async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            counters.requests += 1

            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    if message["status"] >= 500:
                        counters.errors += 1
                    message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
                await send(message)

            await app(scope, receive, sending)

        return guarded

    def _web(self, request: Request) -> WebLogin | None:
        return self.logins.find(request.cookies.get(SESSION_COOKIE))

    @staticmethod
    def _unauthorised() -> JSONResponse:
        return JSONResponse({"message": "Log in first."}, status_code=401)

    @staticmethod
    async def _offered_csrf(request: Request) -> str | None:
        header = request.headers.get("x-csrf-token")
        if header is not None:
            return header
        value = (await request.form()).get("csrf")
        return value if isinstance(value, str) else None

    async def _state(self, web: WebLogin, query: SessionQuery) -> dict[str, Any]:
        moment = board(self.env, web.session)
        rows = await moment.session_rows()
        return {
            "at": datetime.datetime.now().isoformat(sep=" ", timespec="seconds"),
            "sessions": await query.page(rows),
            "blocking": moment.blocking_tree(),
            "rollbacks": moment.rollbacks(),
            "estimator": moment.estimator(),
            "history": moment.kill_history(),
        }

    # -- logging in and out ----------------------------------------------------------------------------------

    async def login_form(self, request: Request, message: str = "", status: int = 200) -> Response:
        token = secrets.token_urlsafe(32)
        response = HTMLResponse(pages.login_page(token, message), status_code=status)
        _cookie(response, LOGIN_COOKIE, token)
        return response

    async def login(self, request: Request) -> Response:
        form = await request.form()
        offered, expected = form.get("csrf"), request.cookies.get(LOGIN_COOKIE)
        if (
            not isinstance(offered, str)
            or expected is None
            or not hmac.compare_digest(offered.encode(), expected.encode())
        ):
            return await self.login_form(request, "The form has expired; log in again.", 403)
        user, password = form.get("login"), form.get("password")
        client = request.client.host if request.client is not None else ""
        if not isinstance(user, str) or not isinstance(password, str):
            return await self.login_form(request, "Login failed.", 400)
        try:
            web = await self.logins.log_in(user, password, client)
        except Throttled as exc:
            response = await self.login_form(request, str(exc), 429)
            response.headers["retry-after"] = str(exc.retry_after)
            return response
        if web is None:
            return await self.login_form(request, f"Login failed for user '{user}'.", 401)
        response = RedirectResponse("/", status_code=303)
        _cookie(response, SESSION_COOKIE, web.token)
        response.delete_cookie(LOGIN_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
        return response

    async def logout(self, request: Request) -> Response:
        web = self._web(request)
        if web is not None:
            if not web.csrf_matches(await self._offered_csrf(request)):
                return JSONResponse({"message": "Missing or wrong CSRF token."}, status_code=403)
            await self.logins.log_out(web)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
        return response

    # -- what it shows ---------------------------------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        web = self._web(request)
        if web is None:
            return RedirectResponse("/login", status_code=303)
        state = await self._state(web, SessionQuery())
        can_kill = kill_button.may_kill(self.env, web.login)
        own = web.session.session_id
        return HTMLResponse(pages.monitor_page(state, login=web.login, csrf=web.csrf, can_kill=can_kill, own=own))

    def _query(self, request: Request) -> SessionQuery:
        return SessionQuery.parse(dict(request.query_params))

    def _viewer(self, request: Request) -> tuple[WebLogin, SessionQuery] | Response:
        """The web login and its sessions query, or the refusal (401 before login, 400 for a bad query)."""
        web = self._web(request)
        if web is None:
            return self._unauthorised()
        try:
            return web, self._query(request)
        except BadQuery as exc:
            return JSONResponse({"message": str(exc)}, status_code=400)

    async def state_json(self, request: Request) -> Response:
        viewer = self._viewer(request)
        if isinstance(viewer, Response):
            return viewer
        return JSONResponse(await self._state(*viewer))

    async def events(self, request: Request) -> Response:
        viewer = self._viewer(request)
        if isinstance(viewer, Response):
            return viewer
        query, token = viewer[1], viewer[0].token

        async def stream() -> AsyncIterator[str]:
            while True:
                current = self.logins.find(token)
                if current is None:
                    yield "event: end\ndata: {}\n\n"
                    return
                yield f"data: {json.dumps(await self._state(current, query), default=str)}\n\n"
                try:
                    await asyncio.wait_for(self.stopping.wait(), EVENT_PERIOD)
                    return
                except TimeoutError:
                    pass

        return StreamingResponse(stream(), media_type="text/event-stream")

    async def locks(self, request: Request) -> Response:
        web = self._web(request)
        if web is None:
            return self._unauthorised()
        try:
            session_id = int(request.query_params["session_id"])
        except (KeyError, ValueError):
            return JSONResponse({"message": "session_id must be a number."}, status_code=400)
        return JSONResponse({"session_id": session_id, "locks": board(self.env, web.session).locks(session_id)})

    # -- the kill button -------------------------------------------------------------------------------------

    @staticmethod
    def _target(values: Any) -> tuple[int, int] | None:
        try:
            return int(values.get("session_id")), int(values.get("serial"))
        except (TypeError, ValueError):
            return None

    async def kill_preview(self, request: Request) -> Response:
        web = self._web(request)
        if web is None:
            return self._unauthorised()
        target = self._target(request.query_params)
        if target is None:
            return JSONResponse({"message": "session_id and serial must be numbers."}, status_code=400)
        answer = kill_button.preview(self.env, web, *target)
        return JSONResponse(answer.body, status_code=answer.status)

    async def _poster(self, request: Request) -> WebLogin | Response:
        """The web login of a state-changing request, or its refusal: 401 before login, 403 without the CSRF token."""
        web = self._web(request)
        if web is None:
            return self._unauthorised()
        if not web.csrf_matches(await self._offered_csrf(request)):
            return JSONResponse({"killed": False, "message": "Missing or wrong CSRF token."}, status_code=403)
        return web

    async def kill(self, request: Request) -> Response:
        web = await self._poster(request)
        if isinstance(web, Response):
            return web
        target = self._target(await request.form())
        if target is None:
            return JSONResponse({"killed": False, "message": "session_id and serial must be numbers."}, 400)
        answer = kill_button.kill(self.env, web, *target)
        return JSONResponse(answer.body, status_code=answer.status)

    async def kill_many_preview(self, request: Request) -> Response:
        viewer = self._viewer(request)
        if isinstance(viewer, Response):
            return viewer
        web, query = viewer
        rows = await board(self.env, web.session).session_rows()
        everything = replace(query, offset=0, limit=len(rows) + 1)
        answer = kill_button.preview_many(self.env, web, (await everything.page(rows))["rows"])
        return JSONResponse(answer.body, status_code=answer.status)

    async def kill_many(self, request: Request) -> Response:
        web = await self._poster(request)
        if isinstance(web, Response):
            return web
        targets = (await request.form()).get("targets")
        parsed = kill_button.parse_targets(targets) if isinstance(targets, str) else None
        if parsed is None:
            limit = kill_button.MANY_LIMIT
            return JSONResponse({"killed": 0, "message": f"targets: id:serial,... (at most {limit})."}, 400)
        answer = kill_button.kill_many(self.env, web, parsed)
        return JSONResponse(answer.body, status_code=answer.status)

    # -- the rest --------------------------------------------------------------------------------------------

    async def metrics(self, request: Request) -> Response:
        client = request.client.host if request.client is not None else ""
        offered = request.headers.get("authorization")
        if not metrics_allowed(client, offered, self.metrics_token, self._web(request) is not None):
            return Response("Forbidden: /metrics needs the loopback, the metrics token or a login.\n", 403)
        return Response(await exposition(self.env, self.counters), media_type=CONTENT_TYPE)

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC_TYPES:
            return Response("Not found.\n", 404)
        if name not in PUBLIC_STATIC and self._web(request) is None:
            return self._unauthorised()
        body = resources.files("quietus.monitor").joinpath("static", name).read_bytes()
        return Response(body, media_type=STATIC_TYPES[name])
