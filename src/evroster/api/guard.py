"""The outermost HTTP layer: what every request passes, the hot path's included.

- a client (by address) that failed authentication too often in the last minute gets
  429 with ``Retry-After`` until its oldest failure leaves the window;
- a request body larger than its route takes gets 413, announced (``Content-Length``)
  or streamed;
- a JSON body nested deeper than the limit gets 400 before anything parses it;
- every response carries the security headers below.

It is a bare ASGI layer for the same reason as ``hot.py``: Starlette's middleware
classes wrap every response in objects that cost the hot path more than its reads.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Awaitable, Callable

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from evroster.api.problems import problem
from evroster.errors import FieldError
from evroster.services.rules import BODY_ERRORS

__all__ = ["Guard", "too_deep"]

# Nothing here is for framing, sniffing or caching: personal data must not linger in
# shared caches. The docs page loads Swagger UI from a CDN, so it gets no CSP.
_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]
_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
# The console's pages load only their own vendored scripts and styles, and post only to
# themselves.
_CONSOLE_CSP = (
    b"content-security-policy",
    b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
)
_NO_CSP = ("/docs", "/docs/oauth2-redirect")
# Per kind of page, built once: every response takes one of them.
_API_HEADERS = (*_HEADERS, _CSP)
_CONSOLE_HEADERS = (*_HEADERS, _CONSOLE_CSP)
_DOCS_HEADERS = tuple(_HEADERS)
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def too_deep(body: bytes, limit: int) -> bool:
    """Whether JSON text nests arrays and objects deeper than ``limit``."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for bracket in _BRACKETS.finditer(_STRINGS.sub(b"", body)):
        depth += 1 if bracket.group() in (b"[", b"{") else -1
        if depth > limit:
            return True
    return False


class Guard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body: int,
        large_bodies: dict[str, int],
        json_max_depth: int,
        auth_failures_per_minute: int,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.large_bodies = large_bodies
        self.json_max_depth = json_max_depth
        self.window = parse(f"{auth_failures_per_minute}/minute")
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        # Addresses with a failure in the last minute: only they pay for the limiter's
        # lookup, so the hot path of a well-behaved client does not.
        self._failing: dict[str, float] = {}

    def _allowed(self, client: str) -> bool:
        if time.monotonic() - self._failing[client] > 60:
            del self._failing[client]
            return True
        return self.limiter.test(self.window, client)

    def _failed(self, client: str) -> None:
        now = time.monotonic()
        if len(self._failing) > 100_000:
            self._failing = {c: t for c, t in self._failing.items() if now - t <= 60}
        self._failing[client] = now
        self.limiter.hit(self.window, client)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else "unknown"
        if client in self._failing and not self._allowed(client):
            reset, _ = self.limiter.get_window_stats(self.window, client)
            wait = max(1, math.ceil(reset - time.time()))
            response = problem(
                Request(scope),
                429,
                "Too many failed authentications from this address; try again later",
                headers={"Retry-After": str(wait)},
            )
            await response(scope, receive, self._sender(scope, send, client))
            return
        if scope["method"] in _BODY_METHODS:
            limit = self.large_bodies.get(scope["path"], self.max_body)
            refused = await self._check_body(scope, receive, limit)
            if isinstance(refused, tuple):
                status, detail = refused
                if status == 400:  # as every other refused body: the reason per field
                    response = problem(
                        Request(scope), 400, BODY_ERRORS, [FieldError("body", detail)]
                    )
                else:
                    response = problem(Request(scope), status, detail)
                await response(scope, receive, self._sender(scope, send, client))
                return
            receive = refused
        await self.app(scope, receive, self._sender(scope, send, client))

    async def _check_body(
        self, scope: Scope, receive: Receive, limit: int
    ) -> tuple[int, str] | Receive:
        """A problem to answer, or a ``receive`` that replays the body read here."""
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), b"")
        if declared.isdigit() and int(declared) > limit:
            return 413, f"The request body is larger than {limit} bytes"
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return 413, f"The request body is larger than {limit} bytes"
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        content_type = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
        if b"json" in content_type and too_deep(body, self.json_max_depth):
            return 400, f"JSON nested deeper than {self.json_max_depth} levels"
        return _replay(body, receive)

    def _sender(self, scope: Scope, send: Send, client: str) -> Send:
        path = scope["path"]
        if path.startswith("/admin/") or path == "/admin":
            headers = _CONSOLE_HEADERS
        elif path in _NO_CSP:
            headers = _DOCS_HEADERS
        else:
            headers = _API_HEADERS

        async def sender(message: Message) -> None:
            if message["type"] == "http.response.start":
                if message["status"] == 401:
                    self._failed(client)
                # A copy: an app may send the same message object every time.
                message = {**message, "headers": [*message.get("headers", ()), *headers]}
            await send(message)

        return sender


def _replay(body: bytes, receive: Receive) -> Callable[[], Awaitable[Message]]:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect

    return replay
