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
from functools import cache
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


@dataclass(frozen=True)
class Token:
    """One top-level piece of a fragment.

    `text` is the macro name without its backslash (`\\\\` gives "\\\\"), a group's content
    without its braces, a run of plain text, or the lone brace of a "stray" (unbalanced) one.
    `start`/`end` delimit the whole token in the tokenised text.
    """

    kind: TokenKind
    text: str
    start: int
    end: int

    @property
    def inner(self) -> tuple[int, int]:
        """The span of a group's content (between its braces)."""
        return (self.start + 1, self.end - 1)


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
    goes on right after it, so one typo does not swallow the rest of the file.
    """
    stop = len(text) if end is None else end
    tokens: list[Token] = []
    i = start
    while i < stop:
        char = text[i]
        if char == "\\":
            j = i + 1
            while j < stop and text[j].isascii() and text[j].isalpha():
                j += 1
            if j == i + 1:  # a control symbol: \\ \& \{ \  ...
                j = min(i + 2, stop)
            tokens.append(Token("macro", text[i + 1 : j], i, j))
            i = j
        elif char == "{":
            close = _matching_brace(text, i, stop)
            if close is None:
                tokens.append(Token("stray", "{", i, i + 1))
                i += 1
            else:
                tokens.append(Token("group", text[i + 1 : close], i, close + 1))
                i = close + 1
        elif char == "}":
            tokens.append(Token("stray", "}", i, i + 1))
            i += 1
        else:
            j = i
            while j < stop and text[j] not in "\\{}":
                j += 1
            tokens.append(Token("text", text[i:j], i, j))
            i = j
    return tokens


def _matching_brace(text: str, open_at: int, stop: int) -> int | None:
    depth = 0
    i = open_at
    while i < stop:
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


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
    """Every `\\name{..}..` with `nargs` groups in `text[start:end]`, looking inside groups too."""
    tokens = tokenize(text, start, end)
    for k, token in enumerate(tokens):
        if token.kind == "macro" and token.text in names:
            args = take_args(tokens, k + 1, nargs)
            if args is not None:
                yield Command(token.text, token.start, args[-1].end if args else token.end, tuple(args))
        elif token.kind == "group":
            yield from find_commands(text, names, nargs, *token.inner)


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
    source = _HYPHEN_BREAK.sub("", fragment)
    walker = LatexWalker(source, latex_context=_walker_db(), tolerant_parsing=True)
    nodes, _, _ = walker.get_latex_nodes()
    text = _converter().nodelist_to_text(nodes)
    return " ".join(text.replace("\xa0", " ").split())


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
