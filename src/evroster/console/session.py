"""The console's sign-in: a signed session cookie that holds a key id, never the key.

The cookie is signed by Starlette's ``SessionMiddleware`` (itsdangerous), HttpOnly,
SameSite=Strict, limited to ``/admin`` and, with ``console_secure_cookie``, HTTPS only.
It carries the public id of the API key that signed in, the time of sign-in (a session
ends ``console_session_hours`` later, however busy) and the CSRF token of its forms.
Each request looks the key up again, so a revoked key ends its sessions at once.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from evroster.config import Settings
from evroster.errors import Unauthorized
from evroster.services.documents import Documents
from evroster.services.keys import Principal, authenticate, public_id, resume
from evroster.services.signing import signing_key
from evroster.storage.base import Store

__all__ = ["Sessions", "csrf_token", "csrf_valid", "sign_in", "sign_out", "signed_in"]

_COOKIE = "evroster_console"


class Sessions:
    """``SessionMiddleware`` with its key found on first use: from the settings, or the
    one kept in the database (so every worker and replica accepts every session)."""

    def __init__(self, app: ASGIApp, settings: Settings, store: Store) -> None:
        self._app = app
        self._settings = settings
        self._store = store
        self._inner: SessionMiddleware | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._inner is None:
            secret = self._settings.console_secret
            if secret is None:
                secret = await run_in_threadpool(signing_key, self._store, "console-session")
            self._inner = SessionMiddleware(
                self._app,
                secret_key=secret,
                session_cookie=_COOKIE,
                max_age=int(self._settings.console_session_hours * 3600),
                path="/admin",
                same_site="strict",
                https_only=self._settings.console_secure_cookie,
            )
        await self._inner(scope, receive, send)


def csrf_token(session: dict[str, Any]) -> str:
    """The token every form of this session carries (made on first use)."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_valid(session: dict[str, Any], sent: object) -> bool:
    expected = session.get("csrf")
    return (
        isinstance(expected, str)
        and isinstance(sent, str)
        and hmac.compare_digest(expected.encode(), sent.encode())
    )


def sign_in(session: dict[str, Any], documents: Documents, api_key: str) -> Principal:
    """Check the key (:class:`Unauthorized` if it is not valid) and start a new session."""
    principal = authenticate(documents, api_key.strip(), None)
    key_id = public_id(api_key.strip())
    assert key_id is not None  # authenticate accepted it
    session.clear()  # a new session, with a new CSRF token: nothing carries over
    session.update({"key": key_id, "since": time.time(), "csrf": secrets.token_urlsafe(32)})
    return principal


def signed_in(session: dict[str, Any], documents: Documents, hours: float) -> Principal:
    """The principal of this session; :class:`Unauthorized` if it ended or never began."""
    key_id, since = session.get("key"), session.get("since")
    if not isinstance(key_id, str) or not isinstance(since, int | float):
        raise Unauthorized("Sign in with an API key")
    if time.time() - since > hours * 3600:
        session.clear()
        raise Unauthorized("The session has ended; sign in again")
    try:
        return resume(documents, key_id)
    except Unauthorized:
        session.clear()
        raise Unauthorized("The API key of this session was revoked; sign in again") from None


def sign_out(session: dict[str, Any]) -> None:
    session.clear()
