"""`headkg check --fix`: the repairs that have exactly one right answer, made in place.

A fix is planned for one finding, as edits of spans of the lines it names; every other byte of
every file stays as it was. Which findings can be fixed, and how:

- `row.empty`: a stray `<tr>` alone on its line (the HTML parser reads it as an empty row) is removed;
- `bib.field-unknown`: a field name one letter from a BibTeX field (`notes=`) gets that name,
  unless the entry has that field already;
- `bib.year`: a year that is not a year gets the year of submission the entry's (or its paper's)
  arXiv id tells, when it tells one;
- `bib.latex-title`: LaTeX escaped a second time (`$\\backslash$text $\\{$...`) is unescaped, when the
  title then decodes to text without LaTeX;
- `head.misspelt`: a head badge whose name has exactly one clear curated match gets that name.

Anything else (a duplicate, a bad README date) needs a maintainer's judgement and is left alone.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from headkg.ingest.badge_urls import head_badge_url
from headkg.ingest.badges import decode_badge
from headkg.ingest.bibtex import decoded_text, unknown_field_suggestion
from headkg.ingest.listedit.atomic_write import write_atomic
from headkg.ingest.vocabulary import Vocabulary
from headkg.schema.findings import Finding
from headkg.schema.graph import KnowledgeGraph
from headkg.schema.identifiers import arxiv_year
from headkg.schema.names import split_qualifier
from headkg.schema.provenance import Provenance

_LINES = re.compile(r"[^\n]*\n|[^\n]+\Z")
_STRAY_TR = re.compile(r"^\s*<tr\b[^>]*>\s*(?:</tr>\s*)?$", re.IGNORECASE)
_ENTRY_START = re.compile(r"^\s*@")
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""\b(src|alt)\s*=\s*(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_MD_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)")
# LaTeX specials escaped for text mode, as some exporters write a title that holds LaTeX source.
_DOUBLE_ESCAPES = (("$\\backslash$", "\\"), ("$\\{$", "{"), ("$\\}$", "}"), ("\\^{}", "^"), ("\\~{}", "~"))


@dataclass(frozen=True)
class Edit:
    """Replace columns [start, end) of a line (1-based, without its line end); `text` None deletes the line."""

    file: str
    line: int
    start: int
    end: int
    text: str | None


@dataclass
class Fix:
    """The edits that repair one finding, and what they do in words."""

    finding: Finding
    edits: list[Edit]
    what: str


@dataclass
class FixResult:
    """What `apply_fixes` changed: each file's bytes before and after, and the fixes it made."""

    files: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)
    applied: list[Fix] = field(default_factory=list)

    def diff(self) -> str:
        """The changes as a unified diff (`--dry-run`)."""
        out: list[str] = []
        for rel, (old, new) in sorted(self.files.items()):
            out += difflib.unified_diff(_split(old), _split(new), fromfile=f"a/{rel}", tofile=f"b/{rel}", lineterm="\n")
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in out)


def _split(data: bytes) -> list[str]:
    return _LINES.findall(data.decode("utf-8", errors="surrogateescape"))


class _Files:
    """The checkout's files, read once; a line is found without splitting the whole file (a README of
    100,000 papers is a million lines, and a check asks for a few of them)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._data: dict[str, bytes | None] = {}
        self._cursor: dict[str, tuple[int, int]] = {}  # file -> (line, offset of its start), walked forward

    def _bytes(self, rel: str) -> bytes | None:
        if rel not in self._data:
            try:
                self._data[rel] = (self.root / rel).read_bytes()
            except OSError:
                self._data[rel] = None
        return self._data[rel]

    def lines(self, rel: str) -> list[str] | None:
        data = self._bytes(rel)
        return None if data is None else [line.rstrip("\n").removesuffix("\r") for line in _split(data)]

    def line(self, rel: str, number: int | None) -> str | None:
        data = self._bytes(rel)
        if data is None or not number or number < 1:
            return None
        line, offset = self._cursor.get(rel, (1, 0))
        if number < line:
            line, offset = 1, 0
        while line < number:
            found = data.find(b"\n", offset)
            if found < 0:
                return None
            line, offset = line + 1, found + 1
        self._cursor[rel] = (line, offset)
        end = data.find(b"\n", offset)
        raw = data[offset : end if end >= 0 else len(data)]
        if not raw and end < 0 and offset >= len(data):
            return None
        return raw.decode("utf-8", errors="surrogateescape").removesuffix("\r")


ArxivOf = Callable[[Provenance], "str | None"]  # a record's place -> the arXiv id of its paper


@dataclass
class _Context:
    files: _Files
    vocabulary: Vocabulary
    arxiv_of: ArxivOf


Fixer = Callable[[_Context, Finding], Fix | None]


def plan_fixes(root: Path, findings: list[Finding], vocabulary: Vocabulary, arxiv_of: ArxivOf) -> list[Fix]:
    """A fix for each finding that has exactly one right repair, in the findings' order. `arxiv_of`
    tells the arXiv id of the paper a bib entry (by its place) belongs to, as the list resolves it."""
    context = _Context(_Files(root), vocabulary, arxiv_of)
    fixes = []
    for finding in findings:
        fixer = FIXERS.get(finding.code)
        fix = fixer(context, finding) if fixer is not None else None
        if fix is not None:
            fixes.append(fix)
    return fixes


def arxiv_in_graph(graph: KnowledgeGraph) -> ArxivOf:
    """`arxiv_of` over a graph: the arXiv id of the paper a source belongs to."""
    by_source = {source: paper.arxiv_id for paper in graph.papers for source in paper.sources}
    return by_source.get


def apply_fixes(root: Path, fixes: list[Fix], *, write: bool = True) -> FixResult:
    """Make the fixes' edits (each file replaced in one step when `write`); a fix whose lines do not
    hold what it was planned on, or whose edits overlap another's, is skipped."""
    result = FixResult()
    by_file: dict[str, list[Fix]] = {}
    for fix in fixes:
        for rel in {edit.file for edit in fix.edits}:
            by_file.setdefault(rel, []).append(fix)
    done: set[int] = set()
    for rel, file_fixes in sorted(by_file.items()):
        path = root / rel
        original = path.read_bytes()
        lines = _split(original)
        taken: dict[int, list[tuple[int, int]]] = {}
        edits: list[Edit] = []
        for fix in file_fixes:
            mine = [e for e in fix.edits if e.file == rel]
            if all(_free(taken, e) for e in mine):
                for e in mine:
                    taken.setdefault(e.line, []).append((e.start, e.end) if e.text is not None else (-1, 1 << 30))
                edits += mine
                done.add(id(fix))
        for edit in sorted(edits, key=lambda e: (e.line, e.start), reverse=True):
            raw = lines[edit.line - 1]
            body = raw.rstrip("\n").removesuffix("\r")
            end = raw[len(body) :]
            lines[edit.line - 1] = "" if edit.text is None else body[: edit.start] + edit.text + body[edit.end :] + end
        data = "".join(lines).encode("utf-8", errors="surrogateescape")
        if data != original:
            result.files[rel] = (original, data)
            if write:
                write_atomic(path, data)
    result.applied = [fix for fix in fixes if id(fix) in done]
    return result


def _free(taken: dict[int, list[tuple[int, int]]], edit: Edit) -> bool:
    spans = taken.get(edit.line, [])
    if edit.text is None:
        return not spans
    return all(edit.end <= s or edit.start >= e for s, e in spans)


# --- the fixers -------------------------------------------------------------------------------------


def _stray_row(context: _Context, finding: Finding) -> Fix | None:
    text = context.files.line(finding.file, finding.line)
    if text is None or not _STRAY_TR.match(text) or finding.line is None:
        return None
    edit = Edit(finding.file, finding.line, 0, len(text), None)
    return Fix(finding, [edit], f"removed the stray {text.strip()}")


def _entry_lines(context: _Context, finding: Finding) -> list[tuple[int, str]]:
    """(line number, text) of the bib entry starting at the finding's line, up to the next entry."""
    lines = context.files.lines(finding.file)
    if lines is None or not finding.line or not 0 < finding.line <= len(lines):
        return []
    out = [(finding.line, lines[finding.line - 1])]
    for number in range(finding.line + 1, len(lines) + 1):
        if _ENTRY_START.match(lines[number - 1]):
            break
        out.append((number, lines[number - 1]))
    return out


def _field_lines(entry: list[tuple[int, str]], name: str) -> list[tuple[int, re.Match[str]]]:
    pattern = re.compile(rf"(?:^\s*|[,{{(]\s*)(?P<key>{re.escape(name)})\s*=\s*", re.IGNORECASE)
    return [(number, match) for number, text in entry for match in pattern.finditer(text)]


def _field_name(context: _Context, finding: Finding) -> Fix | None:
    match = re.search(r"field '([^']+)' is not a BibTeX field", finding.message)
    if match is None:
        return None
    wrong = match[1]
    right = unknown_field_suggestion(wrong.lower())
    entry = _entry_lines(context, finding)
    found = _field_lines(entry, wrong)
    if right is None or len(found) != 1 or _field_lines(entry, right):
        return None
    number, where = found[0]
    edit = Edit(finding.file, number, where.start("key"), where.end("key"), right)
    return Fix(finding, [edit], f"renamed the field {wrong!r} to {right!r}")


def _value_span(text: str, start: int) -> tuple[int, int] | None:
    """The columns of a field value's inside, the value opening at `start` with `{` or `"` on one line."""
    if start >= len(text) or text[start] not in '{"':
        return None
    if text[start] == '"':
        close = text.find('"', start + 1)
        return (start + 1, close) if close > 0 else None
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return start + 1, i
    return None


def _year(context: _Context, finding: Finding) -> Fix | None:
    arxiv_id = context.arxiv_of(Provenance(file=finding.file, line=finding.line or 0))
    year = arxiv_year(arxiv_id) if arxiv_id else None
    found = _field_lines(_entry_lines(context, finding), "year")
    if year is None or len(found) != 1:
        return None
    number, where = found[0]
    text = context.files.line(finding.file, number) or ""
    span = _value_span(text, where.end())
    if span is None:
        return None
    edit = Edit(finding.file, number, span[0], span[1], str(year))
    return Fix(finding, [edit], f"set the year to {year}, as arXiv id {arxiv_id} tells")


def _latex_title(context: _Context, finding: Finding) -> Fix | None:
    found = _field_lines(_entry_lines(context, finding), "title")
    if len(found) != 1:
        return None
    number, where = found[0]
    text = context.files.line(finding.file, number) or ""
    span = _value_span(text, where.end())
    if span is None:
        return None
    raw = text[span[0] : span[1]]
    repaired = raw
    for escaped, plain in _DOUBLE_ESCAPES:
        repaired = repaired.replace(escaped, plain)
    if repaired == raw or "\\" in decoded_text(repaired):
        return None
    edit = Edit(finding.file, number, span[0], span[1], repaired)
    return Fix(finding, [edit], "unescaped the LaTeX the title held escaped a second time")


def _misspelt_head(context: _Context, finding: Finding) -> Fix | None:
    match = re.search(r"head name '(.+?)' is not a known head type", finding.message)
    text = context.files.line(finding.file, finding.line)
    if match is None or text is None or finding.line is None:
        return None
    wrong = match[1]
    slug = context.vocabulary.head_index.resolve(wrong)
    if slug is None or context.vocabulary.head_index.exact(wrong) is not None:
        return None
    right = context.vocabulary.head_by_slug[slug].name
    edits = _badge_edits(text, wrong, right, finding)
    if len(edits) != 1:
        return None
    return Fix(finding, edits[0], f"head badge {wrong!r} -> {right!r}")


Span = tuple[int, int]


def _images(text: str) -> list[tuple[Span, Span | None]]:
    """The (src, alt) column spans of each image of a line, HTML `<img>` or Markdown `![alt](src)`."""
    found: list[tuple[Span, Span | None]] = []
    for tag in _IMG.finditer(text):
        attrs = {m[1].lower(): (tag.start() + m.start(3), tag.start() + m.end(3)) for m in _ATTR.finditer(tag[0])}
        if "src" in attrs:
            found.append((attrs["src"], attrs.get("alt")))
    for image in _MD_IMAGE.finditer(text):
        found.append((image.span("src"), image.span("alt")))
    return found


def _badge_edits(text: str, wrong: str, right: str, finding: Finding) -> list[list[Edit]]:
    """For each badge image of the line naming `wrong`: the edits renaming it (src and alt) to `right`."""
    assert finding.line is not None
    found: list[list[Edit]] = []
    for (src_start, src_end), alt in _images(text):
        badge = decode_badge(html.unescape(text[src_start:src_end]))
        name, qualifier = split_qualifier(badge.text) if badge else ("", None)
        if name != wrong:
            continue
        fixed = f"{right} ({qualifier})" if qualifier else right
        edits = [Edit(finding.file, finding.line, src_start, src_end, head_badge_url(fixed))]
        if alt is not None and wrong in text[alt[0] : alt[1]]:
            edits.append(
                Edit(finding.file, finding.line, alt[0], alt[1], text[alt[0] : alt[1]].replace(wrong, right, 1))
            )
        found.append(edits)
    return found


FIXERS: dict[str, Fixer] = {
    "row.empty": _stray_row,
    "bib.field-unknown": _field_name,
    "bib.year": _year,
    "bib.latex-title": _latex_title,
    "head.misspelt": _misspelt_head,
}
