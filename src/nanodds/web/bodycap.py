"""ASGI middleware: refuse a request body above a byte cap with HTTP 413 before it is parsed."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["BodyCap"]


class BodyCap:
    """Refuse bodies above ``cap`` bytes: by ``Content-Length`` at once, else while the body streams in.

    Parameters
    ----------
    app : ASGI app
    cap : int
        Largest accepted body (bytes).
    """

    def __init__(self, app: Any, cap: int) -> None:
        self.app, self.cap = app, int(cap)

    async def _refuse(self, send: Any) -> None:
        body = json.dumps({"detail": f"request body: got more than {self.cap} bytes; allowed: at most "
                                     f"{self.cap} bytes on this server"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.cap:
            await self._refuse(send)
            return
        state = {"seen": 0, "refused": False}

        async def counted() -> dict[str, Any]:
            if state["refused"]:
                return {"type": "http.disconnect"}
            msg = await receive()
            if msg["type"] == "http.request":
                state["seen"] += len(msg.get("body", b""))
                if state["seen"] > self.cap:  # answer 413 now; the app sees the client go away
                    state["refused"] = True
                    await self._refuse(send)
                    return {"type": "http.disconnect"}
            return msg

        async def guarded_send(msg: dict[str, Any]) -> None:
            if not state["refused"]:
                await send(msg)

        try:
            await self.app(scope, counted, guarded_send)
        except Exception:
            if not state["refused"]:
                raise
