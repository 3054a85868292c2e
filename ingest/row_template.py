"""Writing a README row from what it says and how it is laid out, and finding that layout in a row.

The one writer of the list's row format: `render_row(layout, content)` fills a `RowLayout`'s slots
with the row's facts, each spelled the writer's way (`_value`) unless the layout records the row's
own spelling of that same fact. `headkg render` writes every row of the store this way, `headkg add`
writes a new row in the layout of its neighbour (`default_layout` where it has none).

`extract(text, sighting, form)` finds the layout of a parsed row: the facts the parser read (the
sighting) are located in the row's text, and everything around them is markup. A fact the parser did
not read cannot be located, and then the row does not reproduce: `extract` gives None, which the
round-trip tests count as a parser defect.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from operator import itemgetter
from typing import Any

from markdown_it import MarkdownIt

from headkg.ingest.badge_urls import head_badge_url, link_badge_alt, link_badge_url
from headkg.ingest.badges import decode_badge
from headkg.schema.row_layout import RowForm, RowLayout
from headkg.schema.sightings import PaperSighting

_WS = r"(?:\s|&nbsp;|&#160;|&#[xX][aA]0;)+"
_TAG = re.compile(r"<[^>]*>")
_REFERENCE = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_TITLE = {
    "html": re.compile(r"<(strong|b)\b[^>]*>(.*?)</\1\s*>", re.I | re.S),
    "markdown": re.compile(r"\*\*(.+?)\*\*"),
}
_FIRST_CELL = {"html": re.compile(r"<td\b[^>]*>(.*?)</td\s*>", re.I | re.S), "markdown": re.compile(r"^\s*\|([^|]*)\|")}
_SUMMARY_CELL = re.compile(r"<td\b[^>]*\bcolspan\b[^>]*>(.*?)</td\s*>", re.I | re.S)
_HTML_IMG = re.compile(r"<img\b[^>]*>", re.I)
_HTML_ATTR = re.compile(r"""\b(src|alt|href)\s*=\s*(["'])(.*?)\2""", re.I | re.S)
_HTML_LINK = re.compile(r"<a\b[^>]*>.*?</a\s*>", re.I | re.S)
_MD_IMG = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)")
_MD_CELL_END = re.compile(r"(?<!\\)\|")
_MD_LINK = re.compile(r"(?<!!)\[(?P<inner>!\[[^\]]*\]\([^)\s]*\)|[^\]]*)\]\((?P<href>[^)\s]+)\)")
GROUPS = ("heads", "links", "summary")
_ESCAPED = re.compile("[&<>\"']")  # what `html.escape` may replace


@dataclass
class RowContent:
    """What a row says, as the writer needs it."""

    date: str  # YYYY-MM-DD ("" when the row has no valid date)
    title: str
    heads: list[str]  # badge texts, in the row's order ("Negative Head (BDT)")
    links: list[str]  # link targets, in the row's order; the first that is no code link is the paper's
    venue: str | None = None
    summary: list[str] = field(default_factory=list)
    link_badges: dict[int, str] = field(default_factory=dict)  # a link's badge as given (`add`)
    _kinds: list[tuple[str | None, str | None]] | None = field(default=None, repr=False, compare=False)

    def link_kinds(self) -> list[tuple[str | None, str | None]]:
        """Each link's (alt word, badge) as the list draws them; the paper's link is the first that
        is no code repository."""
        if self._kinds is None:
            paper = next((j for j, url in enumerate(self.links) if link_badge_alt(url, paper=False) is None), 0)
            self._kinds = [
                (link_badge_alt(url, paper=j == paper), link_badge_url(url, self.venue, paper=j == paper))
                for j, url in enumerate(self.links)
            ]
        return self._kinds


def content_of(sighting: PaperSighting) -> RowContent:
    """A README row's facts, from its sighting."""
    return RowContent(
        date=sighting.date.isoformat() if sighting.date else "",
        title=sighting.title,
        heads=[f"{m.name} ({m.qualifier})" if m.qualifier else m.name for m in sighting.heads],
        links=list(sighting.urls),
        venue=sighting.venue,
        summary=sighting.summary.split("\n") if sighting.summary else [],
    )


def _attr(form: RowForm, s: str) -> str:
    if form != "html":
        return s
    return html.escape(s, quote=True) if _ESCAPED.search(s) else s  # (most text has nothing to escape)


def _text(form: RowForm, s: str) -> str:
    if form != "html":
        return s.replace("|", "\\|")
    return html.escape(s, quote=False) if _ESCAPED.search(s) else s


@lru_cache(maxsize=4096)
def _badge_of_head(name: str) -> str:
    return head_badge_url(name)


def _value(form: RowForm, key: str, content: RowContent, i: int) -> tuple[str, str]:
    """(the fact a slot stands for, its text as the writer writes it) for slot `key` of item `i`."""
    if key == "date":
        return content.date, content.date
    if key == "title":
        return content.title, _text(form, content.title)
    if key == "heads.src":
        return content.heads[i], _attr(form, _badge_of_head(content.heads[i]))
    if key == "heads.alt":
        return content.heads[i], _attr(form, f"{content.heads[i]} Badge") if form == "html" else ""
    if key == "summary.text":
        return content.summary[i], _text(form, content.summary[i])
    url = content.links[i]
    if key == "links.href":
        return url, _attr(form, url)
    kinds = content.link_kinds()
    badge = content.link_badges.get(i) or kinds[i][1] or ""
    fact = f"{url} {content.venue or ''} {badge}"
    if key == "links.src":
        return fact, _attr(form, badge)
    alt = kinds[i][0] or ""
    return fact, _attr(form, f"{alt} Badge" if form == "html" and alt else alt)


def render_row(layout: RowLayout, content: RowContent) -> str:
    """The row's text: the layout's markup with its slots filled from `content`."""
    out: list[str] = []
    for part in layout.parts:
        if isinstance(part, str):
            out.append(part)
        elif part[0] in GROUPS:
            _render_group(layout, part, content, out)
        else:
            out.append(_filled(layout, part[0], part[0], content, 0))
    return "".join(out)


def _filled(layout: RowLayout, key: str, path: str, content: RowContent, i: int) -> str:
    fact, written = _value(layout.form, key, content, i)
    spelled = layout.spellings.get(path)
    return spelled[1] if spelled is not None and spelled[0] == fact else written


def _render_group(layout: RowLayout, part: list[Any], content: RowContent, out: list[str]) -> None:
    kind, items, seps = part[:3]
    count = len(getattr(content, kind))
    if count == 0:
        if kind == "summary" and out and isinstance(out[-1], str):
            out[-1] = _drop_bullet(out[-1], layout.form)
        return
    order = part[3] if len(part) > 3 and set(part[3]) == set(range(count)) else list(range(count))
    for n, i in enumerate(order):
        if n:
            out.append(seps[min(n - 1, len(seps) - 1)] if seps else _default_sep(kind, layout.form, out))
        for piece in items[min(n, len(items) - 1)]:
            if isinstance(piece, str):
                out.append(piece)
            else:
                out.append(_filled(layout, f"{kind}.{piece[0]}", f"{kind}.{n}.{piece[0]}", content, i))


def _line_tail(out: list[str]) -> str:
    """The text written so far on the current line."""
    text = "".join(out[-4:])
    return text[text.rfind("\n") + 1 :]


def _default_sep(kind: str, form: RowForm, out: list[str]) -> str:
    """Between two items when the layout shows only one: what the list writes there."""
    tail = _line_tail(out)
    if kind == "summary":
        bullet = re.search(r"(?:&nbsp;|\s)*•\s*$", tail)
        if form == "html":
            return "<br>\n" + (tail if bullet and not tail[: bullet.start()].strip() else "")
        return "<br>" + (bullet[0] if bullet else "")
    if kind == "links":
        return "\n" + tail if not tail.strip() else " "
    return "" if form == "html" else " "


def _drop_bullet(text: str, form: RowForm) -> str:
    """The text before an empty summary, without the bullet (and its own line) that opened it."""
    cut = re.sub(r"(?:&nbsp;|[ \t])*•?[ \t]*$", "", text)
    return cut[:-1] if form == "html" and cut.endswith("\n") and text[len(cut) :].strip() else cut


class LineOffsets:
    """Where each line of a text starts, all found at once (a large README has hundreds of thousands
    of lines, and walking them one by one cost more than finding them)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lengths = [0, *accumulate(map(len, text.split("\n")))]  # of lines 1..n-1 before line n

    def offset(self, line: int) -> int:
        """Line `line`'s first character (1-based; past the end, the last line's)."""
        if line <= 1:
            return line - 1
        index = min(line, len(self._lengths) - 1) - 1
        return self._lengths[index] + index  # the lines before it and their newlines


# --- finding the layout of a parsed row --------------------------------------------------------------


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True})


def reads(raw: str, form: RowForm = "html") -> str:
    """What a piece of a row's text says, as the parser reads it: markup gone, entities and spaces undone."""
    if form == "markdown":
        raw = _markdown().renderInline(raw.replace("\\|", "|"))
    return " ".join(html.unescape(_TAG.sub("", raw)).split())


def _flexible(text: str, form: RowForm) -> str:
    """A pattern matching `text` however the row spells it: entities for any character, any spaces,
    inline markup (`<strong>`, or Markdown's `**`) inside it."""

    def char(c: str) -> str:
        if c.isalnum() and c.isascii():
            return c
        named = {"&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "#39"}.get(c)
        options = [re.escape(c), f"&#{ord(c)};", f"&#[xX]{ord(c):x};"] + ([f"&{named};"] if named else [])
        if c == "|":
            options.append(r"\\\|")
        return "(?:" + "|".join(options) + ")"

    tags = r"(?:<[^>]*>)*" if form == "html" else r"(?:<[^>]*>|\*\*?|__?|`)*"  # markup reads as nothing
    return (tags + _WS + tags).join(tags.join(char(c) for c in word) for word in text.split())


_START = itemgetter(1)  # of a (slot key, start, end)


@dataclass
class _Found:
    start: int
    end: int
    part: list[Any]


class _Extraction:
    """Locates a row's facts in its text (see `extract`)."""

    def __init__(self, text: str, sighting: PaperSighting, form: RowForm) -> None:
        self.text, self.form = text, form
        self.content = content_of(sighting)
        self.found: list[_Found] = []
        self.spellings: dict[str, list[str]] = {}
        self.title_end = 0
        self.cells_from, self.cells_to = 0, len(text)  # where the Tags and Links cells are

    def slot(self, key: str, path: str, start: int, end: int, i: int = 0) -> list[str]:
        """Mark text[start:end] as slot `key`; a spelling unlike the writer's is kept."""
        fact, written = _value(self.form, key, self.content, i)
        raw = self.text[start:end]
        if raw != written:
            self.spellings[path] = [fact, raw]
        return [key.split(".")[-1]]

    def scalar(self, key: str, start: int, end: int) -> None:
        self.found.append(_Found(start, end, self.slot(key, key, start, end)))

    def group(
        self, kind: str, items: list[tuple[int, int, list[tuple[str, int, int]]]], order: list[int] | None = None
    ) -> None:
        """A group of items, each (start, end, [(slot key, start, end) inside it]); item n shows fact
        `order[n]` of its kind (default: fact n)."""
        if not items:
            return
        order = order or list(range(len(items)))
        text = self.text
        templates: list[list[Any]] = []
        for n, ((start, end, slots), i) in enumerate(zip(items, order, strict=True)):
            pieces: list[Any] = []
            at = start
            for key, s, e in sorted(slots, key=_START):
                if s > at:
                    pieces.append(text[at:s])
                pieces.append(self.slot(f"{kind}.{key}", f"{kind}.{n}.{key}", s, e, i))
                at = e
            if end > at:
                pieces.append(text[at:end])
            templates.append(pieces)
        seps = [self.text[items[i][1] : items[i + 1][0]] for i in range(len(items) - 1)]
        part: list[Any] = [kind, templates, seps]
        if order != list(range(len(items))):
            part.append(order)
        self.found.append(_Found(items[0][0], items[-1][1], part))

    def layout(self) -> RowLayout | None:
        parts: list[Any] = []
        at = 0
        for found in sorted(self.found, key=lambda f: f.start):
            if found.start < at:
                return None  # two facts in one place: not a layout
            parts += [self.text[at : found.start]] if found.start > at else []
            parts.append(found.part)
            at = found.end
        parts += [self.text[at:]] if at < len(self.text) else []
        return RowLayout(form=self.form, parts=parts, spellings=self.spellings)


def extract(text: str, sighting: PaperSighting, form: RowForm) -> RowLayout | None:
    """The layout of a row (`text`, exactly as in the README) that the parser read as `sighting`, or
    None when the row's text holds more than the sighting says (it would not reproduce)."""
    work = _Extraction(text, sighting, form)
    steps: tuple[Callable[[_Extraction], bool], ...] = (_title, _date, _links_and_heads, _summary)
    if not all(step(work) for step in steps):
        return None
    layout = work.layout()
    if layout is None or render_row(layout, work.content) != text:
        return None
    return layout


def _title(work: _Extraction) -> bool:
    match = _TITLE[work.form].search(work.text)
    if match is None or reads(match[match.lastindex or 1], work.form) != work.content.title:
        return False
    group = match.lastindex or 1
    work.scalar("title", match.start(group), match.end(group))
    work.title_end = work.cells_from = match.end()
    if work.form == "html":
        summary = _SUMMARY_CELL.search(work.text, match.end())
        work.cells_to = summary.start() if summary else len(work.text)
    else:
        cell_end = _MD_CELL_END.search(work.text, match.end())
        work.cells_from = cell_end.start() if cell_end else len(work.text)
    return True


def _date(work: _Extraction) -> bool:
    match = _FIRST_CELL[work.form].search(work.text)
    if match is None:
        return False
    inner = match[1]
    start = match.start(1) + len(inner) - len(inner.lstrip())
    end = match.end(1) - (len(inner) - len(inner.rstrip()))
    written = _DATE.fullmatch(reads(work.text[start:end], work.form))
    if work.content.date and (
        written is None or "-".join(f"{int(g):02d}" for g in written.groups()) != work.content.date
    ):
        return False
    if start < end:
        work.scalar("date", start, end)
    return True


def _links_and_heads(work: _Extraction) -> bool:
    """The link items (the Links cell) and the badge images outside them (the Tags cell)."""
    after, before = work.cells_from, work.cells_to
    link_re = _HTML_LINK if work.form == "html" else _MD_LINK
    links = list(link_re.finditer(work.text, after, before))
    taken = [(m.start(), m.end()) for m in links]
    link_items = []
    for m in links:
        slots = _link_slots(work, m)
        if slots is None:
            return False
        if any(k == "href" and not _attribute(work, s, e).strip() for k, s, e in slots):
            continue  # a link without a target, which the parser reported: markup
        link_items.append((m.start(), m.end(), slots))
    order = _link_order(work, link_items)
    if order is None:
        return False
    img_re = _HTML_IMG if work.form == "html" else _MD_IMG
    head_items = []
    for m in img_re.finditer(work.text, after, before):
        if any(s <= m.start() < e for s, e in taken):
            continue  # a link's badge
        slots = _image_slots(work, m)
        src = next((_attribute(work, s, e) for k, s, e in slots if k == "src"), "")
        badge = decode_badge(src)
        if badge is None:
            continue  # one the parser could not read (and reported): markup
        head_items.append((m.start(), m.end(), slots, badge))
    texts = [badge.text for *_, badge in head_items]
    if list(dict.fromkeys(texts)) != work.content.heads:
        return False
    work.group("heads", [(s, e, slots) for s, e, slots, _ in head_items], [work.content.heads.index(x) for x in texts])
    work.group("links", link_items, order)
    return True


def _attribute(work: _Extraction, start: int, end: int) -> str:
    """An attribute's value as the parser reads it: character references with their `;` decoded (an
    `&` followed by letters, as in `?id=1&noteId=2`, is no reference in an attribute)."""
    raw = work.text[start:end]
    return _REFERENCE.sub(lambda m: html.unescape(m[0]), raw) if work.form == "html" and "&" in raw else raw


def _link_order(work: _Extraction, items: list[tuple[int, int, list[tuple[str, int, int]]]]) -> list[int] | None:
    """Which of the row's links each link item shows (a link written twice is one link of the row),
    or None when the items are not the row's links."""
    hrefs = [_attribute(work, s, e) for _, _, sl in items for k, s, e in sl if k == "href"]
    if list(dict.fromkeys(hrefs)) != work.content.links:
        return None
    return [work.content.links.index(href) for href in hrefs]


def _attribute_spans(tag: str, names: tuple[str, ...]) -> tuple[tuple[str, int, int], ...]:
    """(name lowercased, start, end) of the value of each attribute of an HTML tag's text that `names` holds."""
    return tuple((a[1].lower(), a.start(3), a.end(3)) for a in _HTML_ATTR.finditer(tag) if a[1].lower() in names)


_IMAGE_ATTRIBUTES = ("src", "alt")
_image_attribute_spans = lru_cache(maxsize=4096)(_attribute_spans)  # the same few badges, on every row


def _image_slots(work: _Extraction, m: re.Match[str]) -> list[tuple[str, int, int]]:
    if work.form == "markdown":
        return [("alt", m.start("alt"), m.end("alt")), ("src", m.start("src"), m.end("src"))]
    base = m.start()
    return [(key, base + s, base + e) for key, s, e in _image_attribute_spans(m[0], _IMAGE_ATTRIBUTES)]


def _link_slots(work: _Extraction, m: re.Match[str]) -> list[tuple[str, int, int]] | None:
    if work.form == "markdown":
        slots = [("href", m.start("href"), m.end("href"))]
        image = _MD_IMG.fullmatch(m["inner"])
        if image is not None:
            base = m.start("inner")
            slots += [
                ("alt", base + image.start("alt"), base + image.end("alt")),
                ("src", base + image.start("src"), base + image.end("src")),
            ]
        return slots
    opening = m[0][: m[0].find(">") + 1]
    base = m.start()
    slots = [(key, base + s, base + e) for key, s, e in _attribute_spans(opening, ("href",))]
    if len(slots) != 1:
        return None
    image = _HTML_IMG.search(m[0], len(opening))
    if image is not None:
        base += image.start()
        slots += [(key, base + s, base + e) for key, s, e in _image_attribute_spans(image[0], _IMAGE_ATTRIBUTES)]
    return slots


def _summary(work: _Extraction) -> bool:
    lines = work.content.summary
    if not lines:
        return True
    if work.form == "html":
        cell = _SUMMARY_CELL.search(work.text, work.title_end)
        if cell is None:
            return False
        at, stop = cell.start(1), cell.end(1)
    else:
        at, stop = work.title_end, work.cells_from
    items = []
    for i, line in enumerate(lines):
        written = _value(work.form, "summary.text", work.content, i)[1]
        found = work.text.find(written, at, stop)  # most lines are written the writer's way: no pattern
        if found >= 0:
            start, end = found, found + len(written)
        else:
            match = re.compile(_flexible(line, work.form)).search(work.text, at, stop)
            if match is None:
                return False
            start, end = match.span()
        items.append((start, end, [("text", start, end)]))
        at = end
    work.group("summary", items)
    return True
