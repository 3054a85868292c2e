"""One entry point per way out: `export_to_path` for `headkg export -o PATH`, `render` for GET /graph.

Both validate the format before touching the store, build the networkx graph once through the
HeadKG root object, and hand it to the format's writer.

>>> export_to_path(HeadKG("kg.sqlite"), "gexf", Path("heads.gexf"), projection="heads")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, NamedTuple

import networkx as nx

from headkg.api.export.formats import csv_zip_bytes, gml_bytes, graphml_bytes, json_bytes, write_csv_folder
from headkg.api.export.gexf import gexf_bytes
from headkg.api.export.graph import to_networkx
from headkg.db.store import HeadKG
from headkg.schema.exceptions import InvalidRequestError


class Format(NamedTuple):
    media_type: str
    extension: str  # of the download; `export_to_path` writes csv as a folder instead


FormatName = Literal["gexf", "graphml", "gml", "json", "csv"]

FORMATS: dict[str, Format] = {
    "gexf": Format("application/gexf+xml", ".gexf"),
    "graphml": Format("application/graphml+xml", ".graphml"),
    "gml": Format("text/plain", ".gml"),  # GML has no registered type; networkx writes it as ASCII
    "json": Format("application/json", ".json"),
    "csv": Format("application/zip", ".zip"),  # nodes.csv and edges.csv
}

_WRITERS: dict[str, Callable[[nx.Graph], bytes]] = {
    "gexf": gexf_bytes,
    "graphml": graphml_bytes,
    "gml": gml_bytes,
    "json": json_bytes,
    "csv": csv_zip_bytes,
}


def check_format(fmt: str) -> str:
    """The format's canonical name; InvalidRequestError (listing the formats) when unknown."""
    name = fmt.strip().lower()
    if name not in FORMATS:
        raise InvalidRequestError(f"unknown export format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    return name


def export_graph(kg: HeadKG, **options: Any) -> nx.Graph:
    """The store as a networkx graph; `options` are those of `api.export.graph.to_networkx`."""
    return to_networkx(kg.graph(), **options)


def filename(fmt: str, g: nx.Graph) -> str:
    """A download name that says what was cut: headkg-heads-KR-2020-2024.gexf."""
    parts = ["headkg"]
    attrs = g.graph
    if attrs.get("projection", "full") != "full":
        parts.append(str(attrs["projection"]))
    if attrs.get("stage"):
        parts.append(str(attrs["stage"]))
    if "year_from" in attrs or "year_to" in attrs:
        parts.append(f"{attrs.get('year_from', '')}-{attrs.get('year_to', '')}")
    name = check_format(fmt)
    return "-".join(parts) + ("-csv" if name == "csv" else "") + FORMATS[name].extension


def render(kg: HeadKG, fmt: str, **options: Any) -> tuple[bytes, str, str]:
    """(body, media type, download filename) of the export; csv comes as a zip of the two files."""
    name = check_format(fmt)
    g = export_graph(kg, **options)
    return _WRITERS[name](g), FORMATS[name].media_type, filename(name, g)


def export_to_path(kg: HeadKG, fmt: str, path: Path, **options: Any) -> Path:
    """Writes the export to `path` and returns what was written.

    csv writes a folder with nodes.csv and edges.csv at `path`; the other formats write a file,
    inside `path` under the default name when `path` is an existing folder.
    """
    name = check_format(fmt)
    path = Path(path)
    if name == "csv" and path.exists() and not path.is_dir():
        raise InvalidRequestError(f"csv export writes a folder, but {path} is a file")
    g = export_graph(kg, **options)
    if name == "csv":
        return write_csv_folder(g, path)
    if path.is_dir():
        path = path / filename(name, g)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_WRITERS[name](g))
    return path
