"""The pages' scripts and style sheets, all served by headkg itself: its own small files in
`static/` and vis-network's JavaScript from the installed pyvis package (never a CDN, nothing
copied into this repository). Each URL carries a hash of the file's content, so browsers may keep
a file for a year and a new version is a new URL."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.resources import files
from importlib.util import find_spec
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from headkg.schema.exceptions import NotFoundError

router = APIRouter(include_in_schema=False)

PREFIX = "/explore/assets"
FOREVER = "public, max-age=31536000, immutable"
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@dataclass(frozen=True)
class Asset:
    name: str
    path: Path
    content: bytes  # read once: the files are small, vis-network's 470 kB the largest

    @cached_property
    def digest(self) -> str:
        return hashlib.sha256(self.content).hexdigest()[:12]

    @property
    def url(self) -> str:
        return f"{PREFIX}/{self.digest}/{self.name}"


def _version(folder: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", folder.name))


def vis_network_path() -> Path:
    """vis-network's standalone build as pyvis ships it (`pyvis/lib/vis-9.1.2/`), newest first.

    Found without importing pyvis, whose import pulls in IPython (~0.1 s)."""
    spec = find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the pyvis package is not installed; it ships the graph page's vis-network")
    lib = Path(next(iter(spec.submodule_search_locations))) / "lib"
    found = sorted(lib.glob("vis-*/vis-network.min.js"), key=lambda p: _version(p.parent), reverse=True)
    if not found:
        raise FileNotFoundError(f"vis-network.min.js is missing from the pyvis package at {lib}")
    return found[0]


@cache
def assets() -> dict[str, Asset]:
    """Every asset by name, read once."""
    static = Path(str(files("headkg.api.pages") / "static"))
    paths = sorted(p for p in static.iterdir() if p.suffix in MEDIA_TYPES)
    paths.append(vis_network_path())
    return {p.name: Asset(p.name, p, p.read_bytes()) for p in paths}  # no clash with vis-network.min.js


def asset_url(name: str) -> str:
    """The URL of an asset by file name, e.g. `asset_url("graph.js")`."""
    return assets()[name].url


@router.get(PREFIX + "/{digest}/{name}")
def asset(digest: str, name: str) -> Response:
    """The file; kept for a year when the URL's hash is the file's (else revalidated each time)."""
    found = assets().get(name)
    if found is None:
        raise NotFoundError(f"no asset '{name}'")
    cache_control = FOREVER if digest == found.digest else "no-cache"
    return Response(
        found.content,
        media_type=MEDIA_TYPES[found.path.suffix],
        headers={"Cache-Control": cache_control, "ETag": f'"{found.digest}"'},
    )
