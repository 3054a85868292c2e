"""Page weight of the HTML pages headkg may serve (`bench_api --pages`): the page and every
same-origin script, stylesheet, image and icon it links, raw and gzip-compressed as sent.
A URL that answers anything but HTML is reported as "no page" (the explorer's pages are `/` and
`/explore/...`; `bench_pages` times them and weighs the graph's data too).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from urllib.parse import urljoin, urlparse

import httpx
import lxml.html

ASSETS = ("//script/@src", "//link[@rel='stylesheet' or @rel='icon' or @rel='preload']/@href", "//img/@src")


@dataclass
class Weight:
    url: str
    html: int
    assets: int
    count: int
    transferred: int  # bytes on the wire (the server's compression, else gzip of the whole)
    note: str = ""


def _sent(response: httpx.Response) -> int:
    return int(response.headers.get("content-length") or len(response.content))


def weigh(base: str, path: str) -> Weight:
    """Fetch one page and its same-origin assets as a browser would (gzip accepted)."""
    with httpx.Client(base_url=base, headers={"Accept": "text/html", "Accept-Encoding": "gzip, br"}) as client:
        page = client.get(path)
        if page.status_code != 200 or "text/html" not in page.headers.get("content-type", ""):
            return Weight(path, 0, 0, 0, 0, f"no page ({page.status_code}, {page.headers.get('content-type', '?')})")
        tree = lxml.html.fromstring(page.content)
        links = {urljoin(base + path, str(ref)) for query in ASSETS for ref in tree.xpath(query)}
        local = sorted(link for link in links if urlparse(link).netloc == urlparse(base).netloc)
        assets = [client.get(link) for link in local]
        raw = len(page.content) + sum(len(a.content) for a in assets)
        wire = _sent(page) + sum(_sent(a) for a in assets)
        if page.headers.get("content-encoding") is None:
            wire = len(gzip.compress(page.content)) + sum(len(gzip.compress(a.content)) for a in assets)
        off_site = len(links) - len(local)
        return Weight(
            path,
            len(page.content),
            raw - len(page.content),
            len(assets),
            wire,
            f"{off_site} off-site links" if off_site else "",
        )
