"""The one ASGI layer around the app: `HEAD` answered like `GET`, and the store generation sent.

- `HEAD` on any route gets what `GET` would (status and headers, Content-Length included) without
  the body, as HTTP asks; routes only ever declare GET.
- A request that read the store carries the generation it read (`api.deps.get_kg` puts it in the
  request state) in the `X-HeadKG-Generation` header, so a client (or a cache) can tell which build
  an answer comes from and that two answers come from the same one.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from headkg.api.deps import GENERATION_HEADER


class StoreHeaders:
    """ASGI middleware: HEAD as GET without a body, and the `X-HeadKG-Generation` header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})  # request.state of the routes
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and state.get("store_generation"):
                headers = list(message.get("headers", []))
                headers.append((GENERATION_HEADER.lower().encode(), str(state["store_generation"]).encode()))
                message = {**message, "headers": headers}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, sending)
