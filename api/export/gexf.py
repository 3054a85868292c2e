"""GEXF 1.3 for Gephi, written as the store is read, valid against the official RelaxNG (specs/1.3/gexf.rng).

Why not networkx's `write_gexf`: its 1.3 output fails the schema four ways (misspelt xsi
namespace, `graph name=""`, `xsi:schemaLocation`, timeformat "long" for int times), it raises on
None and turns list values into spells, it knows nothing of the colours and sizes Gephi shows, and
it needs the whole graph in memory. Here every choice is explicit: viz colour by kind (by stage for
head types, from data/stages.yaml), viz size by degree (counted by the store before any edge is
read), each paper as a date spell from its date (its year's first day when only the year is known)
to the last date in the export, so Gephi's timeline shows the field accumulating; attributes typed
once per name (api/export/graph.py declares them). The markup is formatted as text
(api/export/xmltext.py says why and how it stays well-formed); the result reads back with
`networkx.read_gexf`.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from functools import cache
from typing import Any, BinaryIO

from headkg.api.export.graph import GraphStream, clean_text, flat, spell_start
from headkg.api.export.xmltext import escape as _escape
from headkg.api.export.xmltext import text_writer as _text_writer
from headkg.ingest.vocabulary import RGB, Vocabulary

GEXF_NS = "http://gexf.net/1.3"
VIZ_NS = "http://gexf.net/1.3/viz"

# Tableau 10: distinct for the colour-blind and readable on Gephi's white and black backgrounds.
KIND_COLORS: dict[str, RGB] = {
    "paper": (78, 121, 167),
    "head": (186, 176, 172),  # a head type without a stage
    "stage": (186, 176, 172),
    "method": (118, 183, 178),
    "benchmark": (237, 201, 72),
    "model": (156, 117, 95),
    "author": (255, 157, 167),
}
OTHER_COLOR: RGB = (121, 112, 110)

_XML_TYPES: dict[type, str] = {bool: "boolean", int: "integer", float: "double", str: "string"}
_NODE_XML_ATTRS = {"label"}
_EDGE_XML_ATTRS = {"label", "weight"}


def stage_colors() -> dict[str, RGB]:
    """Each stage's colour (and its head types'), in stage order, as data/stages.yaml gives them: the
    one source for exports and plots."""
    return dict(_stage_colors())


@cache
def _stage_colors() -> dict[str, RGB]:
    return Vocabulary.load().stage_colors


def stage_color(code: str | None) -> RGB:
    """The colour of a stage (and of its head types); grey for none."""
    return _stage_colors().get(code or "", OTHER_COLOR)


def node_color(data: dict[str, Any]) -> RGB:
    """Head types and stages take their stage's colour, every other node its kind's."""
    kind = data.get("kind", "")
    code = data.get("code") if kind == "stage" else data.get("stage") if kind == "head" else None
    if code:
        return stage_color(code)
    return KIND_COLORS.get(kind, OTHER_COLOR)


def node_size(degree: int) -> float:
    """Grows with the square root of the degree, so hubs stand out without hiding the rest."""
    return round(4.0 + 3.0 * math.sqrt(degree), 2)


def write_gexf(stream: GraphStream, out: BinaryIO) -> None:
    """The stream as a GEXF 1.3 document (UTF-8, indented, same store → same bytes), written as it
    is read: nothing but the current node or edge is held."""
    end = stream.timeline_end()
    node_types = {k: _xml_type(t) for k, t in stream.node_attributes().items() if k not in _NODE_XML_ATTRS}
    edge_types = {k: _xml_type(t) for k, t in stream.edge_attributes().items() if k not in _EDGE_XML_ATTRS}
    with _text_writer(out) as w:
        w("<?xml version='1.0' encoding='UTF-8'?>\n")
        w(f'<gexf xmlns="{GEXF_NS}" xmlns:viz="{VIZ_NS}" version="1.3">\n  <meta>\n    <creator>headkg</creator>\n')
        w(f"    <description>{_escape(_description(stream.attrs))}</description>\n")
        mode = 'mode="dynamic" timeformat="date"' if end is not None else 'mode="static"'
        w(f'  </meta>\n  <graph defaultedgetype="undirected" {mode}>\n')
        _declare(w, "node", node_types)
        _declare(w, "edge", edge_types)
        w(f'    <nodes count="{stream.node_count()}">\n')
        for node, data, degree in stream.nodes():
            w(_node(node, data, degree, node_types, end))
        w(f'    </nodes>\n    <edges count="{stream.edge_count()}">\n')
        for i, (u, v, data) in enumerate(stream.edges()):
            w(_edge(i, u, v, data, edge_types))
        w("    </edges>\n  </graph>\n</gexf>\n")


def gexf_bytes(stream: GraphStream) -> bytes:
    """`write_gexf` into memory (the HTTP route keeps the file per build)."""
    buffer = io.BytesIO()
    write_gexf(stream, buffer)
    return buffer.getvalue()


def _node(node: str, data: dict[str, Any], degree: int, types: dict[str, str], end: str | None) -> str:
    parts = [f'      <node id="{_escape(node)}" label="{_escape(str(data.get("label", node)))}">\n']
    parts += _attvalues(data, types, "        ")
    if end is not None and (start := spell_start(data.get("date"), data.get("year"))):
        parts.append(f'        <spells>\n          <spell start="{start}" end="{end}"/>\n        </spells>\n')
    r, g, b = node_color(data)
    parts.append(f'        <viz:color r="{r}" g="{g}" b="{b}"/>\n        <viz:size value="{node_size(degree)}"/>\n')
    parts.append("      </node>\n")
    return "".join(parts)


def _edge(i: int, u: str, v: str, data: dict[str, Any], types: dict[str, str]) -> str:
    label = f' label="{_escape(str(data["label"]))}"' if "label" in data else ""
    weight = repr(float(data.get("weight", 1)))
    values = _attvalues(data, types, "        ")
    opening = f'      <edge id="{i}" source="{_escape(u)}" target="{_escape(v)}" weight="{weight}"{label}'
    if not values:
        return opening + "/>\n"
    return "".join([opening, ">\n", *values, "      </edge>\n"])


def _description(attrs: dict[str, Any]) -> str:
    parts = [f"{k}={v}" for k, v in attrs.items() if k != "name"]
    return clean_text("headkg knowledge graph of attention-head research" + (f" ({', '.join(parts)})" if parts else ""))


def _xml_type(tp: type) -> str:
    return _XML_TYPES.get(tp, "string")


def _declare(w: Callable[[str], object], cls: str, types: dict[str, str]) -> None:
    w(f'    <attributes class="{cls}" mode="static">\n')
    for name, xml_type in types.items():
        w(f'      <attribute id="{_escape(name)}" title="{_escape(name)}" type="{xml_type}"/>\n')
    w("    </attributes>\n")


def _attvalues(data: dict[str, Any], types: dict[str, str], indent: str) -> list[str]:
    values = [
        f'{indent}  <attvalue for="{name}" value="{_escape(_text(data[name], xml_type))}"/>\n'
        for name, xml_type in types.items()
        if name in data
    ]
    return [f"{indent}<attvalues>\n", *values, f"{indent}</attvalues>\n"] if values else []


def _text(value: Any, xml_type: str) -> str:
    if xml_type == "boolean":
        return "true" if value else "false"
    if xml_type == "double":
        return repr(float(value))
    return str(flat(value))
