"""Small LaTeX helpers shared by the taxonomy-figure and table parsers.

The survey's sources are hand-written LaTeX fragments, not whole documents. These helpers
tokenise them brace-aware (so callers find structure from nesting instead of regexes over a
file), turn a name or a cell into plain text, and pull out citation keys and links.

Offsets are always into the text the caller passed in, so a caller can turn any token back
into a 1-based line with `LineIndex`. Callers blank comments first (`blank_comments`), which
keeps every offset valid.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

from pylatexenc.latex2text import (
    EnvironmentTextSpec,
    LatexNodes2Text,
    MacroTextSpec,
    get_default_latex_context_db,
)
from pylatexenc.latexwalker import LatexWalker
from pylatexenc.latexwalker import get_default_latex_context_db as get_default_walker_db
from pylatexenc.macrospec import EnvironmentSpec, LatexContextDb, MacroSpec

TokenKind = Literal["macro", "group", "text", "stray"]

_COMMENT = re.compile(r"(?<!\\)((?:\\\\)*)(%[^\n]*)")
# "func-\\ tions" in a nested tabular is one word broken by a manual line break.
_HYPHEN_BREAK = re.compile(r"(?<=\w)-\s*\\\\(?:\[[^\]]*\])?\s*(?=\w)")
_CITE = re.compile(r"\\cite[a-zA-Z]*\*?\s*(?:\[[^\]]*\]\s*){0,2}\{([^{}]*)\}")
_URL_ESCAPE = re.compile(r"\\([%#&_~$])")
_CITE_MACROS = ("cite", "citep", "citet", "citealp", "citealt", "citeauthor", "citeyear")


class Token:
    """One top-level piece of a fragment.

    `text` is the macro name without its backslash (`\\\\` gives "\\\\"), a group's content
    without its braces, a run of plain text, or the lone brace of a "stray" (unbalanced) one.
    `start`/`end` delimit the whole token in the tokenised text. The text is cut from the source
    only when asked for, so tokenising nested groups level by level copies nothing.
    """

    __slots__ = ("kind", "start", "end", "_source")

    def __init__(self, kind: TokenKind, source: str, start: int, end: int) -> None:
        self.kind, self._source, self.start, self.end = kind, source, start, end

    @property
    def text(self) -> str:
        if self.kind == "macro":
            return self._source[self.start + 1 : self.end]
        if self.kind == "group":
            return self._source[self.start + 1 : self.end - 1]
        return self._source[self.start : self.end]

    @property
    def inner(self) -> tuple[int, int]:
        """The span of a group's content (between its braces)."""
        return (self.start + 1, self.end - 1)

    def __repr__(self) -> str:
        return f"Token({self.kind!r}, {self.text[:40]!r}, {self.start}, {self.end})"


@dataclass(frozen=True)
class Command:
    """A macro found with its brace arguments (optional `[...]` arguments are skipped)."""

    name: str
    start: int
    end: int
    args: tuple[Token, ...]


class LineIndex:
    """Maps offsets of one text to 1-based line numbers (for provenance and findings)."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)


def blank_comments(text: str) -> str:
    """Replace `%` comments by spaces, keeping the length so every offset stays valid."""
    return _COMMENT.sub(lambda m: m.group(1) + " " * len(m.group(2)), text)


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Split `text[start:end]` into top-level macros, brace groups and text runs.

    A `{` without its `}` (or a `}` without its `{`) becomes a "stray" token and scanning
    goes on right after it, so one typo does not swallow the rest of the file. A group is
    skipped in one step (its closing brace comes from `brace_matches`), so tokenising a span
    costs its top-level length, and tokenising every nested group in turn stays linear.
    """
    stop = len(text) if end is None else end
    matches = brace_matches(text)
    tokens: list[Token] = []
    i = start
    while i < stop:
        char = text[i]
        if char == "\\":
            name = _MACRO_NAME.match(text, i + 1, stop)
            j = name.end() if name else min(i + 2, stop)  # a control symbol: \\ \& \{ \  ...
            tokens.append(Token("macro", text, i, j))
            i = j
        elif char == "{":
            close = matches.get(i)
            if close is None or close >= stop:
                tokens.append(Token("stray", text, i, i + 1))
                i += 1
            else:
                tokens.append(Token("group", text, i, close + 1))
                i = close + 1
        elif char == "}":
            tokens.append(Token("stray", text, i, i + 1))
            i += 1
        else:
            special = _SPECIAL.search(text, i, stop)
            j = special.start() if special else stop
            tokens.append(Token("text", text, i, j))
            i = j
    return tokens


_MACRO_NAME = re.compile(r"[A-Za-z]+")
_SPECIAL = re.compile(r"[\\{}]")
_BRACE_OR_ESCAPE = re.compile(r"\\.|[{}]", re.DOTALL)


@lru_cache(maxsize=8)
def brace_matches(text: str) -> dict[int, int]:
    """The offset of the `}` closing each `{` of `text` that is closed (escaped braces skipped),
    found in one pass with a stack: the same pairs a scan from each `{` would find."""
    matches: dict[int, int] = {}
    stack: list[int] = []
    for found in _BRACE_OR_ESCAPE.finditer(text):
        char = found.group()
        if char == "{":
            stack.append(found.start())
        elif char == "}" and stack:
            matches[stack.pop()] = found.start()
    return matches


def top_level(text: str, chars: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, str]]:
    """(offset, char) of each of `chars` outside braces in `text[start:end]`, and of each stray brace
    (a `{` or `}` without its pair), in order; groups are skipped in one step, escapes (`\\[`) skipped.

    The same reading as `tokenize`, without making tokens: for finding structure in a large text.
    """
    stop = len(text) if end is None else end
    matches = brace_matches(text)
    pattern = _top_level_pattern(chars)
    i = start
    while (found := pattern.search(text, i, stop)) is not None:
        at, char = found.start(), found.group()
        i = found.end()
        if len(char) == 2:  # an escape or a macro's first letter
            continue
        if char == "{":
            close = matches.get(at)
            if close is not None and close < stop:
                i = close + 1
                continue
        yield at, char


@lru_cache(maxsize=16)
def _top_level_pattern(chars: str) -> re.Pattern[str]:
    return re.compile(r"\\.|[{}" + re.escape(chars) + "]", re.DOTALL)


def max_depth(text: str) -> int:
    """How deeply `text`'s braces nest (escaped braces skipped)."""
    depth = deepest = 0
    for found in _BRACE_OR_ESCAPE.finditer(text):
        char = found.group()
        if char == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif char == "}" and depth:
            depth -= 1
    return deepest


def take_args(tokens: list[Token], index: int, count: int) -> list[Token] | None:
    """The `count` brace groups following `tokens[index - 1]`, skipping spaces and `[...]`.

    Returns None when a group is missing (the macro was written without its arguments).
    """
    args: list[Token] = []
    i = index
    while len(args) < count and i < len(tokens):
        token = tokens[i]
        if token.kind == "group":
            args.append(token)
        elif token.kind == "text" and _is_optional_args(token.text):
            pass
        else:
            return None
        i += 1
    return args if len(args) == count else None


def _is_optional_args(text: str) -> bool:
    """True for whitespace and `[..]` runs, which may sit between a macro and its groups."""
    rest = re.sub(r"\[[^\]]*\]", "", text)
    return not rest.strip()


def find_commands(
    text: str, names: set[str] | frozenset[str], nargs: int, start: int = 0, end: int | None = None
) -> Iterator[Command]:
    """Every `\\name{..}..` with `nargs` groups in `text[start:end]`, looking inside groups too, in
    document order (an explicit stack, not recursion: any nesting depth is fine)."""
    stack: list[tuple[list[Token], int]] = [(tokenize(text, start, end), 0)]
    while stack:
        tokens, k = stack.pop()
        if k >= len(tokens):
            continue
        stack.append((tokens, k + 1))
        token = tokens[k]
        if token.kind == "macro" and token.text in names:
            args = take_args(tokens, k + 1, nargs)
            if args is not None:
                yield Command(token.text, token.start, args[-1].end if args else token.end, tuple(args))
        elif token.kind == "group":
            stack.append((tokenize(text, *token.inner), 0))


def split_top_level(
    text: str, separator: Literal["&", "\\\\"], start: int = 0, end: int | None = None
) -> list[tuple[int, int]]:
    """Spans of `text[start:end]` between separators that are outside groups and nested environments.

    Splitting a tabular body on `\\\\` gives rows, a row on `&` gives cells; a nested
    `\\begin{tabular}...\\end{tabular}` inside a cell is left whole.
    """
    stop = len(text) if end is None else end
    tokens = tokenize(text, start, stop)
    spans: list[tuple[int, int]] = []
    segment = start
    depth = 0
    for k, token in enumerate(tokens):
        if token.kind == "macro" and token.text in ("begin", "end") and take_args(tokens, k + 1, 1):
            depth += 1 if token.text == "begin" else -1
        elif depth > 0:
            continue
        elif separator == "\\\\" and token.kind == "macro" and token.text == "\\":
            spans.append((segment, token.start))
            segment = token.end
        elif separator == "&" and token.kind == "text":
            for offset, char in enumerate(token.text):
                if char == "&":
                    spans.append((segment, token.start + offset))
                    segment = token.start + offset + 1
    spans.append((segment, stop))
    return spans


def latex_to_text(fragment: str) -> str:
    """Plain text of a LaTeX fragment: accents decoded, formatting and citations dropped.

    `\\textbf`/`\\revise` keep their content, `\\multicolumn`/`\\multirow` their text
    argument, `\\href` its link text; nested tabulars are flattened; "func-\\\\ tions"
    becomes "functions"; whitespace (including `~` and line breaks) collapses to one space.

    >>> latex_to_text(r"Na\\"ive \\textbf{Head} \\& more~\\citep{x}")
    'Naïve Head & more'
    """
    if not _LATEX_SYNTAX.search(fragment):  # plain text (most names): nothing to decode
        return " ".join(fragment.split())
    return _decoded(fragment)


_LATEX_SYNTAX = re.compile(r"[\\{}~$%&^_#`'-]")
MAX_DEPTH = 40  # deeper braces are flattened first: pylatexenc recurses once per level


@lru_cache(maxsize=4096)
def _decoded(fragment: str) -> str:
    source = _HYPHEN_BREAK.sub("", fragment)
    if max_depth(source) > MAX_DEPTH:
        source = _flatten(source, MAX_DEPTH)
    walker = LatexWalker(source, latex_context=_walker_db(), tolerant_parsing=True)
    nodes, _, _ = walker.get_latex_nodes()
    text = _converter().nodelist_to_text(nodes)
    return " ".join(text.replace("\xa0", " ").split())


def _flatten(text: str, depth: int) -> str:
    """`text` without the braces nested deeper than `depth` (their content kept)."""
    kept: list[str] = []
    level = last = 0
    for found in _BRACE_OR_ESCAPE.finditer(text):
        char = found.group()
        if char not in "{}":
            continue
        level += char == "{"
        if level > depth:
            kept.append(text[last : found.start()])
            last = found.end()
        level -= char == "}"
        level = max(level, 0)
    return "".join(kept) + text[last:]


def cited_keys(fragment: str) -> list[str]:
    """Keys of every `\\cite`, `\\citep`, `\\citet`... in order, without duplicates."""
    keys: list[str] = []
    for match in _CITE.finditer(fragment):
        for key in match.group(1).split(","):
            key = key.strip()
            if key and key not in keys:
                keys.append(key)
    return keys


def hrefs(fragment: str) -> list[tuple[str, str]]:
    """`(url, text)` of every `\\href{url}{text}`, with the url unescaped (`\\%` -> `%`)."""
    return [
        (_URL_ESCAPE.sub(r"\1", command.args[0].text.strip()), latex_to_text(command.args[1].text))
        for command in find_commands(fragment, frozenset({"href"}), 2)
    ]


@cache
def _walker_db() -> LatexContextDb:
    """Argument shapes pylatexenc does not know (or gets wrong) for the survey's macros."""
    db = get_default_walker_db().filter_context()
    db.add_context_category(
        "headkg",
        prepend=True,
        macros=[
            MacroSpec("href", "{{"),
            MacroSpec("url", "{"),
            MacroSpec("multicolumn", "{{{"),
            MacroSpec("multirow", "[{[{[{"),
            *(MacroSpec(name, "*[[{") for name in _CITE_MACROS),
        ],
        environments=[EnvironmentSpec("tabular", "[{")],
    )
    return db


@cache
def _converter() -> LatexNodes2Text:
    db = get_default_latex_context_db().filter_context()
    db.add_context_category(
        "headkg",
        prepend=True,
        macros=[
            MacroTextSpec("href", simplify_repl="%(2)s"),
            MacroTextSpec("url", simplify_repl="%(1)s"),
            MacroTextSpec("multicolumn", simplify_repl="%(3)s"),
            MacroTextSpec("multirow", simplify_repl="%(6)s"),
            *(MacroTextSpec(name, simplify_repl="") for name in _CITE_MACROS),
        ],
        environments=[EnvironmentTextSpec("tabular", discard=False)],
    )
    return LatexNodes2Text(latex_context=db)
