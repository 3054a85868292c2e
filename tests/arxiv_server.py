"""A stand-in for the arXiv API on 127.0.0.1: serves the Atom feeds of tests/data/arxiv by `start`
(search pages) or by `id_list` (the entries of those ids, latest version), logs every request, and
can be told to answer with an HTTP error, a redirect or a fixed body first."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from lxml import etree

FEEDS = Path(__file__).resolve().parent / "data" / "arxiv"
ATOM = "{http://www.w3.org/2005/Atom}"
PATH = "/api/query"


@dataclass
class Request:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class ArxivStub:
    """The server's state: the pages it serves, the replies queued before them, the request log."""

    def __init__(self, pages: list[str]) -> None:
        self.pages = [(FEEDS / name).read_bytes() for name in pages]
        self.log: list[Request] = []
        self.queued: list[Reply] = []  # served first, one per request, whatever is asked
        self.fixed: bytes | None = None  # served for every request instead of the pages
        self.url = ""
        self.entries = self._entries()

    def _entries(self) -> dict[str, tuple[int, etree._Element]]:
        """Every entry of the pages by arXiv id, keeping the latest version (what id_list answers)."""
        latest: dict[str, tuple[int, etree._Element]] = {}
        for data in self.pages:
            for entry in etree.fromstring(data).iter(f"{ATOM}entry"):
                ident = entry.findtext(f"{ATOM}id").rsplit("/abs/", 1)[1]
                base, _, version = ident.rpartition("v")
                if int(version) > latest.get(base, (0, None))[0]:
                    latest[base] = (int(version), entry)
        return latest

    def answer(self, query: dict[str, str]) -> Reply:
        if self.queued:
            return self.queued.pop(0)
        if self.fixed is not None:
            return Reply(body=self.fixed)
        if "id_list" in query:
            return Reply(body=self._by_ids(query["id_list"].split(",")))
        start, at = int(query.get("start", "0")), 0
        for data in self.pages:
            count = len(etree.fromstring(data).findall(f"{ATOM}entry"))
            if start == at:
                return Reply(body=data)
            at += count
        return Reply(body=(FEEDS / "empty.xml").read_bytes())

    def _by_ids(self, ids: list[str]) -> bytes:
        root = etree.fromstring((FEEDS / "empty.xml").read_bytes())
        for ident in ids:
            if ident in self.entries:
                root.append(self.entries[ident][1])
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def searches(self) -> list[Request]:
        return [r for r in self.log if "search_query" in r.query]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        stub = self.server.stub
        stub.log.append(Request(parts.path, query, {k.lower(): v for k, v in self.headers.items()}))
        reply = stub.answer(query) if parts.path == PATH else Reply(404, body=b"not here")
        self.send_response(reply.status)
        for name, value in {"Content-Type": "application/atom+xml; charset=utf-8", **reply.headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, *_args: object) -> None:  # keep the test output quiet
        pass


class _Server(ThreadingHTTPServer):
    stub: ArxivStub


@contextmanager
def serve(stub: ArxivStub) -> Iterator[ArxivStub]:
    """Run the stub on a free port of 127.0.0.1 while the generator is suspended."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.stub = stub
    stub.url = f"http://127.0.0.1:{server.server_address[1]}{PATH}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
