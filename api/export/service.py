"""One entry point per way out: `export_to_path` for `headkg export -o PATH`, `render` for GET /graph.

Both validate the format before touching the store and read one cut of it through the HeadKG root
object (`graph_stream`). GEXF and GraphML are written as the rows are read, so their memory stays
flat at any size; GML, JSON and CSV go through a networkx graph built from the same stream.

>>> export_to_path(HeadKG("kg.sqlite"), "gexf", Path("heads.gexf"), projection="heads")  # doctest: +SKIP
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, Literal, NamedTuple

import networkx as nx

from headkg.api.export.formats import csv_zip_bytes, gml_bytes, json_bytes, write_csv_folder
from headkg.api.export.gexf import write_gexf
from headkg.api.export.graph import GraphStream, graph_stream
from headkg.api.export.graphml import write_graphml
from headkg.db.store import HeadKG
from headkg.schema.exceptions import InvalidRequestError


class Format(NamedTuple):
    media_type: str
    extension: str  # of the download; `export_to_path` writes csv as a folder instead


FormatName = Literal["gexf", "graphml", "gml", "json", "csv", "csv-verbatim"]

FORMATS: dict[str, Format] = {
    "gexf": Format("application/gexf+xml", ".gexf"),
    "graphml": Format("application/graphml+xml", ".graphml"),
    "gml": Format("text/plain", ".gml"),  # GML has no registered type; networkx writes it as ASCII
    "json": Format("application/json", ".json"),
    "csv": Format("application/zip", ".zip"),  # nodes.csv and edges.csv, safe to open in a spreadsheet
    "csv-verbatim": Format("application/zip", ".zip"),  # the same, values as stored (database imports)
}
CSV_FORMATS = {"csv": False, "csv-verbatim": True}  # name -> verbatim

_STREAMED: dict[str, Callable[[GraphStream, BinaryIO], None]] = {"gexf": write_gexf, "graphml": write_graphml}
_FROM_NETWORKX: dict[str, Callable[[nx.Graph], bytes]] = {
    "gml": gml_bytes,
    "json": json_bytes,
    "csv": csv_zip_bytes,
    "csv-verbatim": partial(csv_zip_bytes, verbatim=True),
}


def check_format(fmt: str) -> str:
    """The format's canonical name; InvalidRequestError (listing the formats) when unknown."""
    name = fmt.strip().lower()
    if name not in FORMATS:
        raise InvalidRequestError(f"unknown export format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    return name


def filename(fmt: str, attrs: dict[str, Any]) -> str:
    """A download name that says what was cut (`attrs`: the graph's own): headkg-heads-KR-2020-2024.gexf."""
    parts = ["headkg"]
    if attrs.get("projection", "full") != "full":
        parts.append(str(attrs["projection"]))
    if attrs.get("stage"):
        parts.append(str(attrs["stage"]))
    if "year_from" in attrs or "year_to" in attrs:
        parts.append(f"{attrs.get('year_from', '')}-{attrs.get('year_to', '')}")
    name = check_format(fmt)
    return "-".join(parts) + (f"-{name}" if name in CSV_FORMATS else "") + FORMATS[name].extension


def _write(name: str, stream: GraphStream, out: BinaryIO) -> None:
    if name in _STREAMED:
        _STREAMED[name](stream, out)
    else:
        out.write(_FROM_NETWORKX[name](stream.to_networkx()))


def render(kg: HeadKG, fmt: str, **options: Any) -> tuple[bytes, str, str]:
    """(body, media type, download filename) of the export; csv comes as a zip of the two files."""
    name = check_format(fmt)
    with graph_stream(kg, **options) as stream:
        body = io.BytesIO()
        _write(name, stream, body)
        return body.getvalue(), FORMATS[name].media_type, filename(name, stream.attrs)


def export_to_path(kg: HeadKG, fmt: str, path: Path, **options: Any) -> Path:
    """Writes the export to `path` and returns what was written.

    csv (and csv-verbatim) write a folder with nodes.csv and edges.csv at `path`; the other formats
    write a file, inside `path` under the default name when `path` is an existing folder. A file
    appears whole or not at all: it is written beside its place, then moved there.
    """
    name = check_format(fmt)
    path = Path(path)
    if name in CSV_FORMATS and path.exists() and not path.is_dir():
        raise InvalidRequestError(f"{name} export writes a folder, but {path} is a file")
    with graph_stream(kg, **options) as stream:
        if name in CSV_FORMATS:
            return write_csv_folder(stream.to_networkx(), path, verbatim=CSV_FORMATS[name])
        if path.is_dir():
            path = path / filename(name, stream.attrs)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial_path = path.with_name(f".{path.name}.{os.getpid()}.partial")
        try:
            with partial_path.open("wb") as out:  # the umask's permissions, as a plain write would give
                _write(name, stream, out)
            os.replace(partial_path, path)
        except BaseException:
            partial_path.unlink(missing_ok=True)
            raise
    return path
