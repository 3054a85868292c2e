"""The survey's LaTeX tables (`source/tables/*.tex`) as feature, method and benchmark rows.

A table is recognised by its header row (the column titles), not by its file name, so a
renamed file still parses; the caption and label then say which stage, method family or
benchmark category it covers. Tables of other kinds (e.g. Viewpoints) are skipped quietly.
Rows are split on `\\\\` and cells on `&` outside braces and nested tabulars;
`\\multirow{n}{*}{Type}` is carried down into the empty cells below it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from headkg.ingest.latex import (
    LineIndex,
    blank_comments,
    cited_keys,
    find_commands,
    hrefs,
    latex_to_text,
    split_top_level,
    take_args,
    tokenize,
)
from headkg.ingest.vocabulary import Vocabulary
from headkg.schema.findings import Findings
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import BenchmarkSighting, HeadFeatureSighting, MethodSighting

TABLES = "source/tables"

FEATURE_COLUMNS = ("head name", "input feature", "output feature", "layer distribution")
METHOD_COLUMNS = ("type", "specific method", "core operation", "representative works")
BENCHMARK_COLUMNS = ("benchmark", "type", "main task", "source", "release date")

# What the caption or label must mention (letters only, casefolded) -> the value it gives.
METHOD_FAMILIES = {"modelingfree": "Modeling-Free", "modelingrequired": "Modeling-Required"}
BENCHMARK_CATEGORIES = {
    "commoneval": "Common Evaluation",
    "mechanismexploration": "Mechanism Exploration",
    "mechanismeval": "Mechanism Exploration",
    "mechaneval": "Mechanism Exploration",
}

_TABULAR = re.compile(r"\\(begin|end)\s*\{(tabular[x*]?)\}")
_LINE_SKIP = re.compile(r"\[[^\]\n]*\]")  # `\\[2pt]`: the optional argument of a row's end
_RULE = re.compile(
    r"\s*\\(?:toprule|midrule|bottomrule|hline|addlinespace|cmidrule|cline|specialrule)(?![a-zA-Z])"
    r"(?:\s*\([^)]*\))?(?:\s*\[[^\]]*\])?(?:\s*\{[^{}]*\})*"
)


@dataclass
class _Row:
    """One body row: the line it starts on and its cells' LaTeX, one per column."""

    line: int
    cells: list[str]


@dataclass
class _Table:
    """One tabular of a file, with the caption and label of the file it sits in."""

    file: str
    caption: str
    label: str
    label_line: int
    header: list[str]
    rows: list[_Row] = field(default_factory=list)

    def column(self, row: _Row, name: str) -> str:
        return row.cells[self.header.index(name)]


@dataclass
class _Rows:
    """The three kinds of rows collected over all tables."""

    features: list[HeadFeatureSighting] = field(default_factory=list)
    methods: list[MethodSighting] = field(default_factory=list)
    benchmarks: list[BenchmarkSighting] = field(default_factory=list)


def parse_tables(
    root: Path, findings: Findings, vocabulary: Vocabulary | None = None
) -> tuple[list[HeadFeatureSighting], list[MethodSighting], list[BenchmarkSighting]]:
    """Rows of every recognised table under `root/source/tables` (files in name order).

    A feature table's stage is one of data/stages.yaml (`vocabulary`, default: the installed one).
    A missing folder gives three empty lists without a finding.
    """
    folder = root / TABLES
    rows = _Rows()
    if not folder.is_dir():
        return rows.features, rows.methods, rows.benchmarks
    stages = (vocabulary or Vocabulary.load()).stage_names
    for path in sorted(folder.glob("*.tex")):
        name = path.relative_to(root).as_posix()
        try:
            raw = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            findings.warn(name, None, f"not UTF-8 ({error.reason})", "save the table as UTF-8")
            continue
        for table in _read_tables(name, raw, findings):
            _collect(table, rows, findings, stages)
    return rows.features, rows.methods, rows.benchmarks


def _collect(table: _Table, rows: _Rows, findings: Findings, stages: Mapping[str, str]) -> None:
    """Turn a table's rows into schema rows if its header says what kind of table it is."""
    kinds: list[tuple[tuple[str, ...], Callable[[_Table, Findings], None]]] = [
        (FEATURE_COLUMNS, lambda t, f: rows.features.extend(_features(t, f, stages))),
        (METHOD_COLUMNS, lambda t, f: rows.methods.extend(_methods(t, f))),
        (BENCHMARK_COLUMNS, lambda t, f: rows.benchmarks.extend(_benchmarks(t, f))),
    ]
    for columns, convert in kinds:
        if set(columns) <= set(table.header):
            _check_rows(table, findings)
            _carry_multirows(table)
            convert(table, findings)
            return


def _check_rows(table: _Table, findings: Findings) -> None:
    """Drop (with a finding) the rows whose cells do not line up with the header."""
    kept: list[_Row] = []
    for row in table.rows:
        if len(row.cells) != len(table.header):
            findings.warn(
                table.file,
                row.line,
                f"row has {len(row.cells)} cells, the header has {len(table.header)}",
                "check for a missing or extra '&', or a missing '\\\\' at the end of the row above",
            )
            continue
        kept.append(row)
    table.rows = kept


def _read_tables(file: str, raw: str, findings: Findings) -> list[_Table]:
    """Every outermost tabular of a file, split into header and body rows."""
    text = blank_comments(raw)
    lines = LineIndex(text)
    caption = next(find_commands(text, frozenset({"caption"}), 1), None)
    label = next(find_commands(text, frozenset({"label"}), 1), None)
    tables: list[_Table] = []
    for start, end in _tabular_bodies(file, text, lines, findings):
        rows = _split_rows(text, lines, start, end)
        if not rows:
            continue
        header, body = rows[0], rows[1:]
        anchor = label or caption
        table = _Table(
            file=file,
            caption=latex_to_text(caption.args[0].text) if caption else "",
            label=label.args[0].text.strip() if label else "",
            label_line=lines.line(anchor.start) if anchor else header.line,
            header=[" ".join(latex_to_text(cell).casefold().split()) for cell in header.cells],
            rows=body,
        )
        tables.append(table)
    return tables


def _tabular_bodies(file: str, text: str, lines: LineIndex, findings: Findings) -> list[tuple[int, int]]:
    """Spans of the bodies of the outermost tabulars (after their column spec)."""
    bodies: list[tuple[int, int]] = []
    stack: list[re.Match[str]] = []
    for match in _TABULAR.finditer(text):
        if match.group(1) == "begin":
            stack.append(match)
            continue
        if not stack:
            findings.warn(file, lines.line(match.start()), "\\end{tabular} without its \\begin", "remove it")
            continue
        begin = stack.pop()
        if not stack:
            bodies.append((_after_spec(text, begin), match.start()))
    for begin in stack[:1]:
        findings.warn(file, lines.line(begin.start()), "\\begin{tabular} is never ended", "add \\end{tabular}")
    return bodies


def _after_spec(text: str, begin: re.Match[str]) -> int:
    """Where a tabular's body starts: after `[pos]`, a width for tabular*/x, and the column spec."""
    count = 2 if begin.group(2) in ("tabular*", "tabularx") else 1
    args = take_args(tokenize(text, begin.end()), 0, count)
    return args[-1].end if args else begin.end()


def _split_rows(text: str, lines: LineIndex, start: int, end: int) -> list[_Row]:
    """Non-empty rows of a tabular body with their cells; rules (\\midrule...) are dropped."""
    rows: list[_Row] = []
    for row_start, row_end in split_top_level(text, "\\\\", start, end):
        row_start = _skip_rules(text, row_start, row_end)
        if not text[row_start:row_end].strip():
            continue
        cells = [text[a:b] for a, b in split_top_level(text, "&", row_start, row_end)]
        rows.append(_Row(lines.line(row_start), _expand_multicolumns(cells)))
    return rows


def _skip_rules(text: str, start: int, end: int) -> int:
    """The first offset of a row's content after `[2pt]`, rules and spaces."""
    if (optional := _LINE_SKIP.match(text, start, end)) is not None:
        start = optional.end()
    while (rule := _RULE.match(text, start, end)) is not None:
        start = rule.end()
    while start < end and text[start].isspace():
        start += 1
    return start


def _expand_multicolumns(cells: list[str]) -> list[str]:
    """`\\multicolumn{n}{spec}{X}` gives X then n-1 empty cells, so columns line up."""
    expanded: list[str] = []
    for cell in cells:
        tokens = [t for t in tokenize(cell) if not (t.kind == "text" and not t.text.strip())]
        if tokens and tokens[0].kind == "macro" and tokens[0].text == "multicolumn":
            args = take_args(tokens, 1, 3)
            if args is not None and args[0].text.strip().isdigit():
                expanded.append(args[2].text)
                expanded.extend([""] * (int(args[0].text) - 1))
                continue
        expanded.append(cell)
    return expanded


def _carry_multirows(table: _Table) -> None:
    """Replace `\\multirow{n}..{X}` by X and copy X into the empty cells below it.

    The copy runs until the next non-empty cell of the column rather than for n-1 rows: authors
    count n in text lines, not rows (ModelingFree's `\\multirow{6}` spans 3 two-line rows).
    """
    carried: dict[int, str] = {}  # column -> text of its last \multirow
    for row in table.rows:
        for column, cell in enumerate(row.cells):
            if (content := _multirow(cell)) is not None:
                row.cells[column] = carried[column] = content
            elif not cell.strip() and column in carried:
                row.cells[column] = carried[column]
            else:
                carried.pop(column, None)


def _multirow(cell: str) -> str | None:
    """The text of a cell that is `\\multirow[..]{n}[..]{width}[..]{text}`."""
    tokens = [t for t in tokenize(cell) if not (t.kind == "text" and not t.text.strip())]
    if not tokens or tokens[0].kind != "macro" or tokens[0].text != "multirow":
        return None
    args = take_args(tokens, 1, 3)
    return args[2].text if args is not None else None


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.casefold())


def _pick(table: _Table, choices: dict[str, str]) -> str | None:
    """The value whose key the label or, failing that, the caption mentions."""
    for where in (table.label, table.caption):
        for key, value in choices.items():
            if key in _letters(where):
                return value
    return None


def _stage(table: _Table, stages: Mapping[str, str]) -> str | None:
    """The stage code a feature table's label (`tab:KR_Head`) or caption ("... (KR)") names."""
    for where in (table.label, table.caption):
        codes = [word for word in re.split(r"[^A-Za-z]+", where) if word in stages]
        names = [code for code, name in stages.items() if _letters(name) in _letters(where)]
        if found := codes or names:
            return found[0]
    return None


def _unknown(table: _Table, findings: Findings, what: str, known: str) -> None:
    findings.warn(
        table.file,
        table.label_line,
        f"cannot tell the {what} of this table from its label {table.label!r} or caption",
        f"mention one of {known} in the \\label or \\caption; the table is skipped",
    )


def _features(table: _Table, findings: Findings, stages: Mapping[str, str]) -> list[HeadFeatureSighting]:
    stage = _stage(table, stages)
    if stage is None:
        _unknown(table, findings, "stage", ", ".join(stages))
        return []
    return [
        HeadFeatureSighting(
            name=latex_to_text(table.column(row, "head name")),
            stage=stage,
            input_feature=latex_to_text(table.column(row, "input feature")),
            output_feature=latex_to_text(table.column(row, "output feature")),
            layer_distribution=latex_to_text(table.column(row, "layer distribution")),
            source=Provenance(file=table.file, line=row.line),
        )
        for row in table.rows
    ]


def _methods(table: _Table, findings: Findings) -> list[MethodSighting]:
    family = _pick(table, METHOD_FAMILIES)
    if family is None:
        _unknown(table, findings, "method family", "Modeling-Free, Modeling-Required")
        return []
    result: list[MethodSighting] = []
    for row in table.rows:
        kind = latex_to_text(table.column(row, "type"))
        if not kind:
            findings.warn(
                table.file,
                row.line,
                "method row without a type (empty cell and no \\multirow above it)",
                "write the type in the first cell, or \\multirow{n}{*}{Type} in the first row of its group",
            )
        result.append(
            MethodSighting(
                family=family,
                type=kind,
                name=latex_to_text(table.column(row, "specific method")),
                core_operation=latex_to_text(table.column(row, "core operation")),
                bib_keys=cited_keys(table.column(row, "representative works")),
                source=Provenance(file=table.file, line=row.line),
            )
        )
    return result


def _benchmarks(table: _Table, findings: Findings) -> list[BenchmarkSighting]:
    category = _pick(table, BENCHMARK_CATEGORIES)
    if category is None:
        _unknown(table, findings, "benchmark category", "Common Evaluation, Mechanism Exploration")
        return []
    result: list[BenchmarkSighting] = []
    for row in table.rows:
        name = table.column(row, "benchmark")
        links = hrefs(name)
        result.append(
            BenchmarkSighting(
                name=latex_to_text(name),
                category=category,
                type=latex_to_text(table.column(row, "type")),
                main_task=latex_to_text(table.column(row, "main task")),
                origin=latex_to_text(table.column(row, "source")),
                release=latex_to_text(table.column(row, "release date")) or None,
                url=links[0][0] if links else None,
                bib_keys=cited_keys(" ".join(row.cells)),
                source=Provenance(file=table.file, line=row.line),
            )
        )
    return result
