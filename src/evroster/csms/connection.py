"""The connection the ``ocpp`` library reads from and writes to, over Starlette."""

from __future__ import annotations

from starlette.websockets import WebSocket, WebSocketDisconnect

__all__ = ["FrameTooLarge", "WebSocketConnection"]


class FrameTooLarge(Exception):
    """A charger sent a frame over the size limit; the connection is closed with 1009."""


class WebSocketConnection:
    """``recv``/``send`` as the ``ocpp`` library expects them, with a frame size limit."""

    def __init__(self, websocket: WebSocket, max_frame_bytes: int) -> None:
        self._ws = websocket
        self._max = max_frame_bytes

    async def recv(self) -> str:
        message = await self._ws.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        text = message.get("text")
        if text is None:
            # OCPP-J is text frames only; a binary frame is read as UTF-8 so that it
            # gets the same CALLERROR as any other malformed frame.
            text = (message.get("bytes") or b"").decode("utf-8", "replace")
        if len(text) > self._max:
            raise FrameTooLarge(len(text))
        return str(text)

    async def send(self, message: str) -> None:
        await self._ws.send_text(message)
