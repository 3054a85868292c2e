"""GraphML for Cytoscape, yEd and igraph, written as the store is read (api/export/xmltext.py).

The document networkx's `write_graphml` would write for the same graph, read back by
`networkx.read_graphml` into the same graph: typed keys (string, long, boolean, double: what igraph
reads), list values joined with `|`, the graph's own attributes (name, projection, the cut) as graph
data, no edge ids. Unlike networkx it never holds the graph, so memory stays flat at any size.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, BinaryIO

from headkg.api.export.graph import GraphStream, flat
from headkg.api.export.xmltext import escape, text_writer

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
_SCHEMA_LOCATION = f"{GRAPHML_NS} {GRAPHML_NS}/1.0/graphml.xsd"
_XML_TYPES: dict[type, str] = {bool: "boolean", int: "long", float: "double", str: "string"}


def write_graphml(stream: GraphStream, out: BinaryIO) -> None:
    """The stream as GraphML (UTF-8, one element a line), written as it is read."""
    keys: dict[tuple[str, str], str] = {}
    with text_writer(out) as w:
        w("<?xml version='1.0' encoding='utf-8'?>\n")
        w(f'<graphml xmlns="{GRAPHML_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ')
        w(f'xsi:schemaLocation="{_SCHEMA_LOCATION}">\n')
        declared = [
            ("graph", {name: type(value) for name, value in stream.attrs.items()}),
            ("node", stream.node_attributes()),
            ("edge", stream.edge_attributes()),
        ]
        for scope, types in declared:
            for name, tp in types.items():
                keys[(scope, name)] = key = f"d{len(keys)}"
                xml_type = _XML_TYPES.get(tp, "string")
                w(f'  <key id="{key}" for="{scope}" attr.name="{escape(name)}" attr.type="{xml_type}"/>\n')
        w('  <graph edgedefault="undirected">\n')
        _data(w, keys, "graph", stream.attrs, "    ")
        for node, attrs, _ in stream.nodes():
            w(f'    <node id="{escape(node)}">\n')
            _data(w, keys, "node", attrs, "      ")
            w("    </node>\n")
        for u, v, attrs in stream.edges():
            w(f'    <edge source="{escape(u)}" target="{escape(v)}">\n')
            _data(w, keys, "edge", attrs, "      ")
            w("    </edge>\n")
        w("  </graph>\n</graphml>\n")


def graphml_bytes(stream: GraphStream) -> bytes:
    """`write_graphml` into memory (the HTTP route keeps the file per build)."""
    buffer = io.BytesIO()
    write_graphml(stream, buffer)
    return buffer.getvalue()


def _data(
    w: Callable[[str], object], keys: dict[tuple[str, str], str], scope: str, attrs: dict[str, Any], indent: str
) -> None:
    w(
        "".join(
            f'{indent}<data key="{keys[(scope, name)]}">{escape(_text(value))}</data>\n'
            for name, value in attrs.items()
        )
    )


def _text(value: Any) -> str:
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(flat(value))
