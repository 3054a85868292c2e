"""GML, node-link JSON and CSV writers; GEXF and GraphML stream from the store in modules of their
own (api/export/gexf.py, api/export/graphml.py).

Each writer takes the graph of `api.export.graph.to_networkx` and returns bytes, so the CLI can
write them to a file and the HTTP route can send them. The formats without lists (GML, CSV) get
list values joined with `|`; JSON keeps real lists.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from headkg.api.export.graph import clean_text, flat
from headkg.api.render.cells import spreadsheet_cell

CSV_FILES = ("nodes.csv", "edges.csv")
JSON_EDGES_KEY = "links"
"""d3's name for the edge list (`node_link_data(..., edges="links")`)."""


def flat_copy(g: nx.Graph) -> nx.Graph:
    """A copy whose values are all scalars: the GML writer rejects or mangles lists."""
    h = g.__class__()
    h.graph.update({k: flat(v) for k, v in g.graph.items()})
    h.add_nodes_from((n, {k: flat(v) for k, v in d.items()}) for n, d in g.nodes(data=True))
    h.add_edges_from((u, v, {k: flat(x) for k, x in d.items()}) for u, v, d in g.edges(data=True))
    return h


@dataclass(frozen=True)
class _GmlNode:
    """A node key whose GML `label` is the human label: networkx writes the key as `label`."""

    id: str
    label: str


def _gml_stringizer(value: Any) -> str:
    return value.label if isinstance(value, _GmlNode) else str(value)


def gml_bytes(g: nx.Graph) -> bytes:
    """GML for VOSviewer and Pajek-style tools, via networkx's `write_gml`.

    GML's `label` shows the node's label (title, head name...) and our id goes to `node_id`;
    networkx escapes `&`, `"` and non-ASCII as character references, which `read_gml` undoes.
    """
    flat_g = flat_copy(g)
    keys = {n: _GmlNode(n, clean_text(str(d.get("label", n)))) for n, d in flat_g.nodes(data=True)}
    h = g.__class__()
    h.graph.update(flat_g.graph)
    h.add_nodes_from((keys[n], {"node_id": n, **d}) for n, d in flat_g.nodes(data=True))
    h.add_edges_from((keys[u], keys[v], d) for u, v, d in flat_g.edges(data=True))
    buffer = io.BytesIO()
    nx.write_gml(h, buffer, stringizer=_gml_stringizer)
    return buffer.getvalue()


def json_bytes(g: nx.Graph) -> bytes:
    """Node-link JSON for d3 and sigma.js: {"nodes": [{"id", ...}], "links": [{"source", "target", ...}]}."""
    data = nx.node_link_data(g, edges=JSON_EDGES_KEY)
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _csv_cell(value: Any, verbatim: bool) -> str:
    """A cell's text; one a spreadsheet would run as a formula gets a leading `'` unless `verbatim`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = clean_text(str(flat(value)))
    return text if verbatim or isinstance(value, int | float) else spreadsheet_cell(text)


def _csv_table(header: list[str], rows: list[dict[str, Any]], verbatim: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_csv_cell(row[name], verbatim) if name in row else "" for name in header] for row in rows)
    return out.getvalue()


def _columns(records: list[dict[str, Any]], first: list[str]) -> list[str]:
    names = list(first)
    for data in records:
        names.extend(name for name in data if name not in names)
    return names


def csv_tables(g: nx.Graph, *, verbatim: bool = False) -> dict[str, str]:
    """nodes.csv and edges.csv as Gephi's spreadsheet import wants them (Id, Label / Source, Target, Weight).

    Gephi takes an edges table without a Type column as directed: choose "undirected" in its import report.
    Cells a spreadsheet would run as formulas get a leading `'` (api/render/cells.py) unless
    `verbatim`, which writes every value as stored, for database imports such as Neo4j's LOAD CSV.
    """
    nodes = [
        {"Id": n, "Label": d.get("label", n), **{k: v for k, v in d.items() if k != "label"}}
        for n, d in g.nodes(data=True)
    ]
    edges = [
        {"Source": u, "Target": v, "Weight": d.get("weight", 1), **{k: x for k, x in d.items() if k != "weight"}}
        for u, v, d in g.edges(data=True)
    ]
    return {
        "nodes.csv": _csv_table(_columns(nodes, ["Id", "Label", "kind"]), nodes, verbatim),
        "edges.csv": _csv_table(_columns(edges, ["Source", "Target", "relation", "Weight"]), edges, verbatim),
    }


def write_csv_folder(g: nx.Graph, folder: Path, *, verbatim: bool = False) -> Path:
    """Writes nodes.csv and edges.csv (UTF-8) into `folder`, created if missing."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in csv_tables(g, verbatim=verbatim).items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    return folder


def csv_zip_bytes(g: nx.Graph, *, verbatim: bool = False) -> bytes:
    """The CSV folder as one zip, for an HTTP download."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in csv_tables(g, verbatim=verbatim).items():
            # a fixed timestamp: the same graph gives the same bytes
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, text.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
