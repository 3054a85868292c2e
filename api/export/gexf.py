"""GEXF 1.3 for Gephi, written with lxml, valid against the official RelaxNG (specs/1.3/gexf.rng).

Why not networkx's `write_gexf`: its 1.3 output fails the schema four ways (misspelt xsi
namespace, `graph name=""`, `xsi:schemaLocation`, timeformat "long" for int times), it raises on
None and turns list values into spells, and it knows nothing of the colours and sizes Gephi shows.
Repairing its tree afterwards would cost more than these hundred lines, and here every choice is
explicit: viz colour by kind (by stage for head types, from data/stages.yaml), viz size by degree,
each paper as a date spell from its date (its year's first day when only the year is known) to the
last date in the export, so Gephi's timeline shows the field accumulating; attributes typed once
per name.
The result still reads back with `networkx.read_gexf`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import cache
from typing import Any

import networkx as nx
from lxml import etree

from headkg.api.export.graph import clean_text, flat
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


def spell_start(data: dict[str, Any]) -> str | None:
    """When a paper node enters the timeline: its date, else the first day of its year."""
    if data.get("date"):
        return str(data["date"])
    return f"{data['year']:04d}-01-01" if isinstance(data.get("year"), int) else None


def timeline_end(g: nx.Graph) -> str | None:
    """The last date in the export: where every paper's spell ends, so the field accumulates."""
    starts = [s for _, d in g.nodes(data=True) if (s := spell_start(d))]
    return max(starts) if starts else None


def gexf_bytes(g: nx.Graph) -> bytes:
    """The graph as a GEXF 1.3 document (UTF-8, pretty-printed, same graph → same bytes)."""
    root = etree.Element(f"{{{GEXF_NS}}}gexf", nsmap={None: GEXF_NS, "viz": VIZ_NS}, version="1.3")
    meta = etree.SubElement(root, _tag("meta"))
    etree.SubElement(meta, _tag("creator")).text = "headkg"
    etree.SubElement(meta, _tag("description")).text = _description(g.graph)

    end = timeline_end(g)
    dynamic = end is not None
    graph = etree.SubElement(root, _tag("graph"), defaultedgetype="directed" if g.is_directed() else "undirected")
    if dynamic:
        graph.set("mode", "dynamic")
        graph.set("timeformat", "date")
    else:
        graph.set("mode", "static")

    node_types = _attribute_types((d for _, d in g.nodes(data=True)), _NODE_XML_ATTRS)
    edge_types = _attribute_types((d for _, _, d in g.edges(data=True)), _EDGE_XML_ATTRS)
    _declare(graph, "node", node_types)
    _declare(graph, "edge", edge_types)

    nodes = etree.SubElement(graph, _tag("nodes"), count=str(g.number_of_nodes()))
    for node, data in g.nodes(data=True):
        element = etree.SubElement(nodes, _tag("node"), id=clean_text(str(node)))
        element.set("label", clean_text(str(data.get("label", node))))
        _attvalues(element, data, node_types)
        if end is not None and (start := spell_start(data)):
            spells = etree.SubElement(element, _tag("spells"))
            etree.SubElement(spells, _tag("spell"), start=start, end=end)
        r, gr, b = node_color(data)
        etree.SubElement(element, f"{{{VIZ_NS}}}color", r=str(r), g=str(gr), b=str(b))
        etree.SubElement(element, f"{{{VIZ_NS}}}size", value=str(node_size(g.degree(node))))

    edges = etree.SubElement(graph, _tag("edges"), count=str(g.number_of_edges()))
    for i, (u, v, data) in enumerate(g.edges(data=True)):
        element = etree.SubElement(edges, _tag("edge"), id=str(i), source=clean_text(str(u)), target=clean_text(str(v)))
        element.set("weight", repr(float(data.get("weight", 1))))
        if "label" in data:
            element.set("label", clean_text(str(data["label"])))
        _attvalues(element, data, edge_types)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _tag(name: str) -> str:
    return f"{{{GEXF_NS}}}{name}"


def _description(attrs: dict[str, Any]) -> str:
    parts = [f"{k}={v}" for k, v in attrs.items() if k != "name"]
    return clean_text("headkg knowledge graph of attention-head research" + (f" ({', '.join(parts)})" if parts else ""))


def _attribute_types(records: Iterable[dict[str, Any]], reserved: set[str]) -> dict[str, str]:
    """GEXF type per attribute name, in first-seen order; a name with mixed types becomes a string."""
    types: dict[str, str] = {}
    for data in records:
        for name, value in data.items():
            if name in reserved:
                continue
            xml_type = _XML_TYPES.get(type(value), "string")
            if types.setdefault(name, xml_type) != xml_type:
                types[name] = "string"
    return types


def _declare(graph: etree._Element, cls: str, types: dict[str, str]) -> None:
    attributes = etree.SubElement(graph, _tag("attributes"), {"class": cls, "mode": "static"})
    for name, xml_type in types.items():
        etree.SubElement(attributes, _tag("attribute"), id=name, title=name, type=xml_type)


def _attvalues(element: etree._Element, data: dict[str, Any], types: dict[str, str]) -> None:
    values = [(name, data[name]) for name in types if name in data]
    if not values:
        return
    attvalues = etree.SubElement(element, _tag("attvalues"))
    for name, value in values:
        etree.SubElement(attvalues, _tag("attvalue"), {"for": name, "value": _text(value, types[name])})


def _text(value: Any, xml_type: str) -> str:
    if xml_type == "boolean":
        return "true" if value else "false"
    if xml_type == "double":
        return repr(float(value))
    return clean_text(str(flat(value)))
