"""Renderers of any answer: JSON, and every answer that flattens into a `Table` as CSV, TSV,
Markdown, a LaTeX booktabs table and a terminal table.

CSV and TSV draw `table()`, the machine layout (e.g. the gaps matrix with one column per family);
the formats people read draw `display_table()` where the answer has one (it may add a column).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table as RichTable

from headkg.api.render.cells import spreadsheet_cell
from headkg.api.render.latex import latex_escape
from headkg.api.render.registry import Tabular, register
from headkg.schema.table import Cell, Table


def _display(value: Tabular) -> Table:
    show = getattr(value, "display_table", None)
    return show() if callable(show) else value.table()


def _text(cell: Cell) -> str:
    return "" if cell is None else str(cell)


@register("json", "application/json", ".json", (BaseModel,))
def to_json(value: BaseModel) -> bytes:
    """Stable, diffable JSON: the same store gives the same bytes."""
    return (json.dumps(value.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n").encode()


def _csv(table: Table, *, verbatim: bool = False) -> bytes:
    """CSV text; cells a spreadsheet would run as formulas get a leading `'` unless `verbatim` (cells.py)."""

    def cell(c: Cell) -> str | int | float:
        if isinstance(c, int | float) or verbatim:
            return _text(c)
        return spreadsheet_cell(_text(c))

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([cell(c) for c in table.columns])
    writer.writerows([cell(c) for c in row] for row in table.rows)
    return buffer.getvalue().encode()


@register("csv", "text/csv; charset=utf-8", ".csv", (Tabular,))
def to_csv(value: Tabular) -> bytes:
    """CSV for spreadsheets: formula-like cells neutralised (see api/render/cells.py)."""
    return _csv(value.table())


_TSV_BREAKS = re.compile(r"[\t\r\n]+")


@register("tsv", "text/tab-separated-values; charset=utf-8", ".tsv", (Tabular,))
def to_tsv(value: Tabular) -> bytes:
    """One record a line, fields between tabs, no quoting (as `cut` and `awk` read it): a tab or line
    break inside a value becomes one space; a text cell a spreadsheet would run as a formula gets a
    leading `'` (api/render/cells.py)."""
    return _tsv(value.table(), verbatim=False)


def _tsv(table: Table, *, verbatim: bool) -> bytes:
    def cell(c: Cell) -> str:
        text = _TSV_BREAKS.sub(" ", _text(c))
        return text if verbatim or isinstance(c, int | float) else spreadsheet_cell(text)

    lines = [table.columns, *table.rows]
    return "".join("\t".join(cell(c) for c in line) + "\n" for line in lines).encode()


@register("csv-verbatim", "text/csv; charset=utf-8", ".csv", (Tabular,))
def to_csv_verbatim(value: Tabular) -> bytes:
    """CSV with every value as stored, for database imports (Neo4j LOAD CSV, COPY)."""
    return _csv(value.table(), verbatim=True)


@register("tsv-verbatim", "text/tab-separated-values; charset=utf-8", ".tsv", (Tabular,))
def to_tsv_verbatim(value: Tabular) -> bytes:
    """TSV with every value as stored (tabs and line breaks in a value still become a space), for
    database imports."""
    return _tsv(value.table(), verbatim=True)


def _numeric(table: Table, column: int) -> bool:
    values = [row[column] for row in table.rows if row[column] not in (None, "")]
    return bool(values) and all(isinstance(v, int) for v in values)


@register("markdown", "text/markdown; charset=utf-8", ".md", (Tabular,))
def to_markdown(value: Tabular) -> bytes:
    table = _display(value)

    def cell(c: Cell) -> str:
        return " ".join(_text(c).split()).replace("|", "\\|")

    rule = ["---:" if _numeric(table, i) else "---" for i in range(len(table.columns))]
    lines = [f"**{table.title}**", "", "| " + " | ".join(cell(c) for c in table.columns) + " |"]
    lines.append("| " + " | ".join(rule) + " |")
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table.rows]
    lines += ["", *(f"_{note}_" for note in table.notes)] if table.notes else []
    return ("\n".join(lines) + "\n").encode()


def _latex_columns(table: Table) -> str:
    """`r` for numbers, `l` for short text, `p{...}` sharing the line for long text."""
    widths = [max([len(_text(row[i])) for row in table.rows] or [0]) for i in range(len(table.columns))]
    long = {i: w for i, w in enumerate(widths) if w > 28 and not _numeric(table, i)}
    total = sum(long.values()) or 1
    share = 0.85 if len(long) == len(widths) else 0.7
    spec = []
    for i in range(len(table.columns)):
        if _numeric(table, i):
            spec.append("r")
        elif i in long:
            spec.append(f"p{{{max(0.08, round(share * long[i] / total, 2))}\\linewidth}}")
        else:
            spec.append("l")
    return "".join(spec)


@register("latex", "application/x-latex", ".tex", (Tabular,))
def to_latex(value: Tabular) -> bytes:
    """A `table` float with a booktabs tabular; needs only `\\usepackage{booktabs}`."""
    table = _display(value)
    label = re.sub(r"[^a-z0-9]+", "-", table.title.casefold()).strip("-")[:60]
    caption = " ".join([table.title + ".", *table.notes])
    lines = [
        "% Made by headkg; needs \\usepackage{booktabs} in the preamble.",
        "\\begin{table}[htbp]",
        "\\centering",
        "\\small",
        f"\\caption{{{latex_escape(caption)}}}",
        f"\\label{{tab:{label}}}",
        f"\\begin{{tabular}}{{@{{}}{_latex_columns(table)}@{{}}}}",
        "\\toprule",
        " & ".join(latex_escape(c) for c in table.columns) + " \\\\",
        "\\midrule",
        *(" & ".join(latex_escape(_text(c)) for c in row) + " \\\\" for row in table.rows),
        "\\bottomrule",
        "\\end{tabular}",
        "\\end{table}",
    ]
    return ("\n".join(lines) + "\n").encode()


@register("table", "text/plain; charset=utf-8", ".txt", (Tabular,))
def to_terminal_table(value: Tabular, width: int | None = None) -> bytes:
    """A boxed table for a terminal, as wide as the terminal (120 columns when there is none)."""
    table = _display(value)
    rich = RichTable(title=table.title, caption=" ".join(table.notes) or None)
    for column in table.columns:
        rich.add_column(column, overflow="fold")  # never an ellipsis: ids stay whole, to be copied
    for row in table.rows:
        rich.add_row(*(_text(c) for c in row))
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width or shutil.get_terminal_size((120, 40)).columns, color_system=None, markup=False
    )
    console.print(rich)
    return buffer.getvalue().encode()
