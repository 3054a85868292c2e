"""The survey's taxonomy figure (`source/figures/head_taxonomy.tex`) as `TaxonomyHead`s.

The figure is a `forest` tree: root -> stage (`\\textbf{\\S \\nameref{subsec:KR}}`) ->
sub-category (`\\ \\textbf{General Tasks}`) -> one leaf listing the head types, each written
`\\textbf{\\gpt{}\\llama{}Name}{ (Qualifier)}~\\citep{key1,key2}` and separated by `{, }`.
The tree is read from the nesting of the forest's `[...]` groups (outside braces, as forest
reads it) and each head from its `\\textbf` groups, so layout changes (line breaks, spacing,
reordered options) do not break the parser. Problems become findings and parsing goes on.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from headkg.ingest.latex import (
    Command,
    LineIndex,
    Token,
    blank_comments,
    find_commands,
    latex_to_text,
    take_args,
    tokenize,
)
from headkg.ingest.vocabulary import Vocabulary
from headkg.schema.findings import Findings
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import TaxonomyHead

FIGURE = "source/figures/head_taxonomy.tex"

_BEGIN = re.compile(r"\\begin\s*\{forest\}")
_END = re.compile(r"\\end\s*\{forest\}")
_TRAILING_QUALIFIER = re.compile(r"^(.*?)\s*\(([^()]*)\)$")
_LINE_BREAKS = frozenset({"\\", "newline", "linebreak"})
_SPACES = frozenset({" ", ",", ";", "quad", "enspace", "hfill"})
_CITES = frozenset({"cite", "citep", "citet", "citealp", "citealt"})


@dataclass
class _Node:
    """A forest node: `[content, options [child] [child]]` as offsets into the file."""

    start: int
    content_end: int | None = None
    children: list[_Node] = field(default_factory=list)


@dataclass
class _Draft:
    """A head while its leaf is being read: name pieces, icons, qualifier, citation keys."""

    start: int
    pieces: list[str] = field(default_factory=list)
    families: list[str] = field(default_factory=list)
    qualifier: str | None = None
    keys: list[str] | None = None  # None until a citation is seen


@dataclass
class _Figure:
    """The figure's text (comments blanked) with what every step needs to report findings."""

    text: str
    lines: LineIndex
    findings: Findings
    stage_codes: Collection[str]  # from data/stages.yaml
    model_icons: Collection[str]  # from data/model_families.yaml

    def warn(self, offset: int, message: str, hint: str) -> None:
        self.findings.warn(FIGURE, self.lines.line(offset), message, hint)

    def provenance(self, offset: int) -> Provenance:
        return Provenance(file=FIGURE, line=self.lines.line(offset))


def parse_taxonomy(root: Path, findings: Findings, vocabulary: Vocabulary | None = None) -> list[TaxonomyHead]:
    """Every head type of the taxonomy figure under the checkout `root`, in reading order.

    The stage codes and the model-family icons come from the curated vocabularies in data/ (default:
    the installed ones), so a new stage or model family needs only a YAML entry. A missing figure
    gives an empty list without a finding (older checkouts have none).
    """
    path = root / FIGURE
    if not path.is_file():
        return []
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        findings.warn(FIGURE, None, f"not UTF-8 ({error.reason})", "save the figure as UTF-8")
        return []
    vocabulary = vocabulary or Vocabulary.load()
    figure = _Figure(blank_comments(raw), LineIndex(raw), findings, vocabulary.stage_codes, vocabulary.model_slugs)
    begin, end = _BEGIN.search(figure.text), _END.search(figure.text)
    if begin is None or end is None or end.start() < begin.end():
        findings.warn(FIGURE, None, "no \\begin{forest}...\\end{forest} tree", "the figure must hold a forest tree")
        return []
    tree = _build_tree(figure, begin.end(), end.start())
    heads: list[TaxonomyHead] = []
    for top in tree.children:
        # a top-level stage means a ']' too many closed the root early: read it anyway
        for stage in [top] if _stage_label(figure, top) else top.children:
            heads.extend(_read_stage(figure, stage))
    return heads


def _build_tree(figure: _Figure, start: int, end: int) -> _Node:
    """Nest the forest's `[`/`]` (outside braces) into nodes; report unbalanced ones."""
    root = _Node(start=start)
    stack = [root]
    for token in tokenize(figure.text, start, end):
        if token.kind == "stray":
            figure.warn(
                token.start,
                f"unbalanced brace '{token.text}' in the taxonomy tree",
                "add the missing brace; the tree around it may be read wrongly",
            )
        if token.kind != "text":
            continue
        for offset, char in enumerate(token.text):
            at = token.start + offset
            if char == "[":
                parent = stack[-1]
                if parent.content_end is None:
                    parent.content_end = at
                node = _Node(start=at + 1)
                parent.children.append(node)
                stack.append(node)
            elif char == "]":
                if len(stack) == 1:
                    figure.warn(
                        at,
                        "']' closes no node of the taxonomy tree",
                        "an earlier node has a ']' too many (the tree is read as if closed there); "
                        "remove it or add its '['",
                    )
                    continue
                node = stack.pop()
                if node.content_end is None:
                    node.content_end = at
    for node in stack[1:]:
        figure.warn(node.start - 1, "'[' of the taxonomy tree is never closed", "add the missing ']'")
        if node.content_end is None:
            node.content_end = end
    return root


def _content(figure: _Figure, node: _Node) -> tuple[int, int]:
    """The span of a node's content: up to the first comma outside braces (then come options)."""
    end = node.content_end if node.content_end is not None else node.start
    for token in tokenize(figure.text, node.start, end):
        if token.kind == "text" and "," in token.text:
            return (node.start, token.start + token.text.index(","))
    return (node.start, end)


def _stage_label(figure: _Figure, node: _Node) -> Command | None:
    """The `\\nameref{subsec:KR}` that marks a node as a stage, if it has one."""
    start, end = _content(figure, node)
    return next(find_commands(figure.text, frozenset({"nameref", "ref"}), 1, start, end), None)


def _read_stage(figure: _Figure, node: _Node) -> list[TaxonomyHead]:
    """Heads of one stage node, whose content names the stage by `\\nameref{subsec:<code>}`."""
    start, end = _content(figure, node)
    label = _stage_label(figure, node)
    if label is None:
        figure.warn(
            start,
            f"stage node {latex_to_text(figure.text[start:end])!r} has no \\nameref{{subsec:...}} label",
            "write the stage as \\textbf{\\S \\nameref{subsec:KR}}; its heads are skipped",
        )
        return []
    name = label.args[0].text.strip()
    code = name.split(":")[-1].strip()
    if code not in figure.stage_codes:
        figure.warn(
            label.start,
            f"unknown stage label {name!r}",
            f"use one of {', '.join('subsec:' + c for c in figure.stage_codes)} or add the new stage to "
            "data/stages.yaml; its heads are skipped",
        )
        return []
    heads: list[TaxonomyHead] = []
    for category in node.children:
        span = _content(figure, category)
        title = latex_to_text(figure.text[span[0] : span[1]])
        if not category.children:
            figure.warn(
                span[0],
                f"sub-category {title!r} of stage {code} has no leaf of heads",
                "put its heads in a child node: [\\textbf{Name}~\\citep{key}, ...]",
            )
        for leaf in category.children:
            heads.extend(_read_leaf(figure, leaf, code, title))
    return heads


def _read_leaf(figure: _Figure, node: _Node, stage: str, category: str) -> list[TaxonomyHead]:
    """Heads of a leaf node (and, with a finding, of any node wrongly nested below it)."""
    start, end = _content(figure, node)
    drafts = _LeafReader(figure).read(start, end)
    heads = [head for draft in drafts if (head := _finish(figure, draft, stage, category)) is not None]
    for child in node.children:
        figure.warn(
            child.start - 1,
            f"node nested below a leaf of heads (stage {stage}, {category!r})",
            "a leaf holds the heads and has no children; check the brackets around it",
        )
        heads.extend(_read_leaf(figure, child, stage, category))
    return heads


class _LeafReader:
    """Reads a leaf's top-level tokens into drafts.

    `\\textbf{..}` groups add name pieces; a piece that follows another with only a line
    break between (no `{, }`, no citation) continues the same name: "Dup-" + "licate Head".
    `{ \\& }` makes the next head share the coming citation; `{, }` closes the heads so far.
    """

    def __init__(self, figure: _Figure) -> None:
        self.figure = figure
        self.done: list[_Draft] = []
        self.current: _Draft | None = None
        self.sharing: list[_Draft] = []  # heads joined by `{ \& }`, waiting for a citation
        self.joinable = False
        self.quiet = False  # after an unbalanced brace, until the next `{, }`

    def read(self, start: int, end: int) -> list[_Draft]:
        tokens = tokenize(self.figure.text, start, end)
        skip = 0
        for k, token in enumerate(tokens):
            if skip:
                skip -= 1
                continue
            if token.kind == "macro" and k + 1 < len(tokens) and tokens[k + 1].kind == "stray":
                self.quiet = True  # `\textbf{` whose `}` is missing: one finding is enough
            if token.kind == "macro":
                skip = self._macro(tokens, k)
            elif token.kind == "group":
                self._group(token)
            elif token.kind == "stray":  # reported with the tree; skip what it garbles
                self.quiet = True
            elif token.kind == "text" and token.text.replace("~", "").strip():
                self._unexpected(token.start, f"text {token.text.strip()!r} outside \\textbf")
        self._close()
        return self.done

    def _macro(self, tokens: list[Token], k: int) -> int:
        """Handle the macro at `tokens[k]`; returns how many following tokens it consumed."""
        token = tokens[k]
        if token.text == "textbf":
            args = take_args(tokens, k + 1, 1)
            if args is None:
                self._unexpected(token.start, "\\textbf without its {name}")
                return 0
            self._name_piece(args[0])
            return _consumed(tokens, k, args[0])
        if token.text in _CITES:
            args = take_args(tokens, k + 1, 1)
            if args is None:
                self._unexpected(token.start, f"\\{token.text} without its {{keys}}")
                return 0
            self._cite(token, [key.strip() for key in args[0].text.split(",") if key.strip()])
            return _consumed(tokens, k, args[0])
        if token.text in _LINE_BREAKS or token.text in _SPACES:
            return 0
        self._unexpected(token.start, f"macro \\{token.text} outside \\textbf")
        return 0

    def _name_piece(self, group: Token) -> None:
        piece, families, first = _read_name(self.figure, group)
        if self.current is not None and self.joinable and self.current.keys is None:
            self.current.pieces.append(piece)
            self.current.families.extend(f for f in families if f not in self.current.families)
        else:
            if self.current is not None:
                self._close()
            self.current = _Draft(start=first, pieces=[piece], families=families)
        self.joinable = True

    def _group(self, token: Token) -> None:
        text = latex_to_text(token.text)
        self.joinable = False
        if text == ",":
            self._close()
        elif text == "&":
            if self.current is not None and self.current.keys is None:
                self.sharing.append(self.current)
                self.current = None
            else:
                self._close()
        elif (match := re.fullmatch(r"\((.*)\)", text)) is not None:
            target = self.current or (self.sharing[-1] if self.sharing else None)
            if target is None:
                self._unexpected(token.start, f"qualifier {text!r} before any head")
            else:
                target.qualifier = match.group(1).strip()
        elif text:
            self._unexpected(token.start, f"text {text!r} between heads")

    def _cite(self, token: Token, keys: list[str]) -> None:
        group = [*self.sharing, *([self.current] if self.current else [])]
        if not group:
            self._unexpected(token.start, "citation that follows no head")
        for draft in group:
            draft.keys = [*(draft.keys or []), *(key for key in keys if key not in (draft.keys or []))]
        self.joinable = False

    def _close(self) -> None:
        """Close every open head (at `{, }` or the end of the leaf)."""
        if self.current is not None:
            self.sharing.append(self.current)
        self.done.extend(self.sharing)
        self.sharing, self.current, self.joinable, self.quiet = [], None, False, False

    def _unexpected(self, offset: int, what: str) -> None:
        self.joinable = False
        if self.quiet:
            return
        self.figure.warn(
            offset,
            f"unexpected {what} in a leaf of heads; it is ignored",
            "write heads as \\textbf{\\icon{}Name}{ (Qualifier)}~\\citep{key} separated by {, }",
        )


def _consumed(tokens: list[Token], k: int, last: Token) -> int:
    """How many tokens after `tokens[k]` make up its arguments (up to and with `last`)."""
    return tokens.index(last, k) - k


def _read_name(figure: _Figure, group: Token) -> tuple[str, list[str], int]:
    """A `\\textbf` group's name text, its icon macros (in order) and the offset the name starts at.

    A macro with an empty `{}` is an icon; a known icon may also be written without `{}`.
    """
    start, end = group.inner
    tokens = tokenize(figure.text, start, end)
    families: list[str] = []
    kept: list[str] = []
    first: int | None = None
    skip = False
    for k, token in enumerate(tokens):
        if skip:
            skip = False
            continue
        following = tokens[k + 1] if k + 1 < len(tokens) else None
        empty_arg = following is not None and following.kind == "group" and not following.text.strip()
        is_word = token.kind == "macro" and token.text.isalpha()
        if is_word and (empty_arg or token.text in figure.model_icons):
            skip = empty_arg
            if token.text in figure.model_icons:
                if token.text not in families:
                    families.append(token.text)
            else:
                figure.warn(
                    token.start,
                    f"unknown icon macro \\{token.text}{{}}; it is left out of the model families",
                    f"add {token.text!r} to data/model_families.yaml if it marks a model family",
                )
            continue
        if first is None and (token.kind != "text" or token.text.strip()):
            first = token.start + (len(token.text) - len(token.text.lstrip()) if token.kind == "text" else 0)
        kept.append(figure.text[token.start : token.end])
    return latex_to_text("".join(kept)), families, first if first is not None else group.start


def _join(pieces: list[str]) -> str:
    """Join the pieces of a name broken by `\\\\`: "Dup-" + "licate Head" -> "Duplicate Head"."""
    name = ""
    for piece in pieces:
        piece = piece.strip()
        if not name:
            name = piece
        elif name.endswith("-"):
            name = name[:-1] + piece
        elif piece:
            name = f"{name} {piece}"
    return " ".join(name.split())


def _finish(figure: _Figure, draft: _Draft, stage: str, category: str) -> TaxonomyHead | None:
    name = _join(draft.pieces)
    qualifier = draft.qualifier
    if qualifier is None and (match := _TRAILING_QUALIFIER.match(name)) and match.group(1):
        name, qualifier = match.group(1), match.group(2).strip()
    if not name:
        figure.warn(draft.start, f"head without a name (stage {stage}, {category!r})", "give the \\textbf a name")
        return None
    if not draft.keys:
        figure.warn(
            draft.start,
            f"head {name!r} has no citation",
            "add ~\\citep{key} after the head's name so it links to its papers",
        )
    return TaxonomyHead(
        name=name,
        qualifier=qualifier or None,
        stage=stage,
        sub_category=category,
        model_families=draft.families,
        bib_keys=draft.keys or [],
        source=figure.provenance(draft.start),
    )
