"""Answers kept per store generation, sent before FastAPI is reached (issue 12).

The store is read-only between builds, so an answer of the JSON API depends only on the request and
the store's generation. `AnswerCache`, a pure ASGI layer, keeps the bytes of every 200 answer of the
API's routes under (generation, path, normalised query string, the formats `Accept` asks for:
`negotiation_key`), and answers the same
request again from them without routing, validation, SQL or JSON encoding; a new generation (a
rebuild, seen from the next request on: `HeadKG.generation`, db/generation.py) starts an empty
cache, so an answer never mixes two stores and is never stale.

Every answer of those routes carries a strong `ETag` (the generation and a hash of the body) and
`Cache-Control: no-cache`: a client may keep it but asks again, and `If-None-Match` with the same
ETag is answered `304 Not Modified` without a body until the store is rebuilt.

Concurrent first requests for the same answer wait for one computation instead of each running
the same queries. What is kept is bounded (MAX_KEPT_BYTES in all, bodies over MAX_BODY_BYTES are
not kept), least recently used first out.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from dataclasses import dataclass

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from headkg.api.render.http import negotiation_key
from headkg.db.store import HeadKG
from headkg.schema.exceptions import HeadKGError

# The JSON API's resources (the explorer's HTML pages, the docs and static files are not kept here).
CACHED_ROUTES = ("/papers", "/heads", "/stages", "/methods", "/benchmarks", "/models", "/stats", "/analysis", "/graph")
MAX_BODY_BYTES = 4 * 2**20
MAX_KEPT_BYTES = 48 * 2**20
CACHE_CONTROL = (b"cache-control", b"no-cache")

Key = tuple[str, bytes, tuple[str, ...]]


@dataclass(frozen=True)
class Kept:
    headers: list[tuple[bytes, bytes]]  # as the app sent them, with the ETag and Cache-Control
    body: bytes
    etag: bytes


def cached_route(path: str) -> bool:
    return any(path == root or path.startswith(root + "/") for root in CACHED_ROUTES)


def normalised_query(query: bytes) -> bytes:
    """The query string with its parameters ordered by name (stable: repeated names keep their
    order, which a filter's answer does not depend on either), empty pieces dropped."""
    parts = [p for p in query.split(b"&") if p]
    return b"&".join(sorted(parts, key=lambda p: p.split(b"=", 1)[0]))


def etag_for(generation: str, body: bytes) -> bytes:
    return b'"' + generation.encode() + b"." + hashlib.blake2b(body, digest_size=10).hexdigest().encode() + b'"'


def matches(if_none_match: bytes | None, etag: bytes) -> bool:
    """If-None-Match's weak comparison (RFC 9110 13.1.2): `*`, or any listed tag, W/ or not."""
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(b",")]
    return b"*" in tags or any(t.removeprefix(b"W/") == etag for t in tags)


class AnswerCache:
    """ASGI middleware: the API's answers kept per store generation, ETags and 304s (module docstring)."""

    def __init__(self, app: ASGIApp, kg: HeadKG) -> None:
        self.app = app
        self.kg = kg
        self.generation: str | None = None
        self.kept: OrderedDict[Key, Kept] = OrderedDict()
        self.kept_bytes = 0
        self.pending: dict[Key, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not cached_route(scope["path"]):
            await self.app(scope, receive, send)
            return
        try:  # PostgreSQL: a round trip, from a thread (concurrent requests share it), not on the loop
            generation = (
                await to_thread.run_sync(self.kg.generation) if self.kg.generation_blocks else self.kg.generation()
            )
        except HeadKGError:  # no store, or it cannot be read: the route answers (503)
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        formats = negotiation_key(headers.get(b"accept", b"").decode("latin-1"))  # not its spelling
        key = (scope["path"], normalised_query(scope["query_string"]), formats)
        kept = await self._kept_or_pending(generation, key)
        if kept is not None:
            scope.setdefault("state", {})["store_generation"] = generation
            await _send_kept(kept, headers.get(b"if-none-match"), send)
            return
        done = asyncio.Event()
        self.pending[key] = (asyncio.get_running_loop(), done)
        try:
            await self._answer(scope, receive, send, key, headers.get(b"if-none-match"))
        finally:
            del self.pending[key]
            done.set()

    async def _kept_or_pending(self, generation: str, key: Key) -> Kept | None:
        """The kept answer of this generation; after waiting for the same request under way, if any."""
        if generation != self.generation:
            self.generation, self.kept, self.kept_bytes = generation, OrderedDict(), 0
        for _ in range(2):
            kept = self.kept.get(key)
            if kept is not None:
                self.kept.move_to_end(key)
                return kept
            under_way = self.pending.get(key)
            if under_way is None or under_way[0] is not asyncio.get_running_loop():
                return None
            await under_way[1].wait()
            if generation != self.generation:
                return None
        return None

    async def _answer(self, scope: Scope, receive: Receive, send: Send, key: Key, if_none_match: bytes | None) -> None:
        """Run the app, add the ETag and Cache-Control to a 200, keep it when it fits."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def collect(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                if message["status"] != 200:
                    await send(message)
            elif start is not None and start["status"] != 200:
                await send(message)
            else:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._finish(scope, start, b"".join(chunks), key, if_none_match, send)

        await self.app(scope, receive, collect)

    async def _finish(
        self, scope: Scope, start: Message | None, body: bytes, key: Key, if_none_match: bytes | None, send: Send
    ) -> None:
        assert start is not None
        generation = scope.get("state", {}).get("store_generation")  # the snapshot the route read
        if not generation:
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        etag = etag_for(str(generation), body)
        headers = [*start.get("headers", []), (b"etag", etag), CACHE_CONTROL]
        kept = Kept(headers, body, etag)
        if generation == self.generation and len(body) <= MAX_BODY_BYTES:
            self._keep(key, kept)
        await _send_kept(kept, if_none_match, send)

    def _keep(self, key: Key, kept: Kept) -> None:
        old = self.kept.pop(key, None)
        self.kept_bytes -= len(old.body) if old else 0
        self.kept[key] = kept
        self.kept_bytes += len(kept.body)
        while self.kept_bytes > MAX_KEPT_BYTES and self.kept:
            _, dropped = self.kept.popitem(last=False)
            self.kept_bytes -= len(dropped.body)


async def _send_kept(kept: Kept, if_none_match: bytes | None, send: Send) -> None:
    if matches(if_none_match, kept.etag):
        headers = [(k, v) for k, v in kept.headers if k in (b"etag", b"cache-control", b"vary")]
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200, "headers": kept.headers})
    await send({"type": "http.response.body", "body": kept.body})
