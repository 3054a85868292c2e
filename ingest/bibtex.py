"""Parse the list's BibTeX files into paper sightings, one per entry.

bibtexparser 2 reads the grammar; this module adds what the graph needs on top: titles and names
decoded from LaTeX, the arXiv id and DOI wherever the bib hides them (mostly in `note = {\\href{...}}`),
and a finding, with its 1-based line, for every block the parser could not take as it stands.

Repairs follow BibTeX itself, so the graph says what the survey's reference list says: of two fields
with one name the first counts, of two entries with one key (compared casefolded) the first counts.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library
from bibtexparser.middlewares import (
    LatexDecodingMiddleware,
    RemoveEnclosingMiddleware,
    ResolveStringReferencesMiddleware,
    SeparateCoAuthors,
    SplitNameParts,
)
from bibtexparser.middlewares.enclosing import REMOVED_ENCLOSING_KEY
from bibtexparser.middlewares.middleware import BlockMiddleware, Middleware
from bibtexparser.middlewares.names import (
    NameParts,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from bibtexparser.model import (
    Block,
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    Field,
    ImplicitComment,
    MiddlewareErrorBlock,
    ParsingFailedBlock,
)
from pylatexenc import latexwalker  # type: ignore[import-untyped]
from pylatexenc.latex2text import (  # type: ignore[import-untyped]
    LatexNodes2Text,
    MacroTextSpec,
    get_default_latex_context_db,
)
from pylatexenc.macrospec import MacroSpec  # type: ignore[import-untyped]

from headkg.ingest.files import input_files, read_input
from headkg.schema.bib import BibEntry, PersonName
from headkg.schema.findings import Finding, Findings
from headkg.schema.identifiers import (
    arxiv_id_from_doi,
    arxiv_ids_in_text,
    dois_in_text,
    link_problem,
    normalize_doi,
    parse_arxiv_id,
)
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import PaperSighting

BIB_DIR = Path("source") / "bib"

_RAW_VALUES = "headkg_raw_values"  # entry metadata: field values before LaTeX decoding
_DROPPED_FIELDS = "headkg_dropped_fields"  # entry metadata: repeated fields BibTeX would ignore

# Fields BibTeX styles or biblatex know; an unknown key close to one of these is likely a typo.
_KNOWN_FIELDS = frozenset(
    "abstract address annote annotation archiveprefix author bibsource biburl booktitle chapter copyright "
    "crossref date doi edition editor eprint eprintclass eprinttype file howpublished institution isbn issn "
    "issue journal journaltitle key keywords langid language location month note number organization pages "
    "pmid primaryclass publisher pubstate school series shorttitle subtitle timestamp title type url "
    "urldate volume year".split()
)
_NOT_LINK_FIELDS = frozenset(("title", "author", "editor", "abstract", "keywords", "file"))

_LINK_MACRO = re.compile(r"\\(?:href|url)\s*\{([^{}]*)\}")
_LINK_MACRO_ANY = re.compile(r"\\href\s*\{[^{}]*\}\s*\{[^{}]*\}|\\url\s*\{[^{}]*\}")
_LATEX_ESCAPE = re.compile(r"\\([_%#&~$])")
_ARXIV_VENUE = re.compile(
    r"(?:preprint at arxiv|arxiv(?: preprint)?(?:\s+arxiv:\s*\S+)?|arxiv e-prints|corr)", re.IGNORECASE
)
_YEAR = re.compile(r"\d{4}")
# Every arXiv id pattern holds "arxiv", every DOI link "doi.org" (schema.identifiers), case aside.
_NAMES_AN_ID = re.compile(r"arxiv|doi\.org", re.IGNORECASE)
_LATEX_SPECIAL = re.compile(r"[\\{}$%&~^_#]")  # a text without any of these is plain: nothing to decode
_STRAY_FIELD = re.compile(r"^\s*,?\s*[A-Za-z][\w-]*\s*=\s*[{\"\d]", re.MULTILINE)


def parse_bib_dir(root: Path, findings: Findings) -> list[PaperSighting]:
    """Sightings of every entry in `root/source/bib/*.bib`, files in sorted order.

    A key met again in a later file is reported and skipped, as BibTeX would when the files are
    cited together. No folder means a checkout without a bib: an empty list, no finding.
    """
    sightings: list[PaperSighting] = []
    for path in input_files(root, BIB_DIR, "*.bib", findings):
        sightings += _parse_file(path, path.relative_to(root).as_posix(), findings, {})
    return drop_repeated_keys(sightings, findings)


def drop_repeated_keys(sightings: list[PaperSighting], findings: Findings) -> list[PaperSighting]:
    """Keep the first entry of each key (casefolded) across files, as BibTeX does; report the others."""
    seen: dict[str, Provenance] = {}
    kept: list[PaperSighting] = []
    for sighting in sightings:
        key = (sighting.bib_key or "").casefold()
        if key and key in seen:
            _warn_duplicate(findings, sighting.source.file, sighting.source.line, sighting.bib_key or "", seen[key])
            continue
        if key:
            seen[key] = sighting.source
        kept.append(sighting)
    return kept


def parse_bib_file(path: Path, rel: str, findings: Findings) -> list[PaperSighting]:
    """Sightings of one bib file; `rel` is its path from the checkout root, the topic is its stem."""
    return _parse_file(path, rel, findings, {})


def parse_bib_text(data: bytes, rel: str, findings: Findings) -> list[PaperSighting]:
    """`parse_bib_file` on the file's bytes (e.g. as a git revision holds it)."""
    return _parse_data(data, rel, Path(rel).stem, findings, {})


def _parse_file(path: Path, rel: str, findings: Findings, seen: dict[str, Provenance]) -> list[PaperSighting]:
    data = read_input(path, rel, findings)
    if data is None:
        return []
    return _parse_data(data, rel, path.stem, findings, seen)


def _parse_data(
    data: bytes, rel: str, topic: str, findings: Findings, seen: dict[str, Provenance]
) -> list[PaperSighting]:
    text = _decode_bytes(data, rel, findings)
    library = parse_string(text, parse_stack=_parse_stack())
    sightings: list[PaperSighting] = []
    for block in library.blocks:
        if isinstance(block, DuplicateBlockKeyBlock):  # bibtexparser's own (case-sensitive) check
            previous = Provenance(file=rel, line=_line(block.previous_block))
            _warn_duplicate(findings, rel, _line(block), block.key, seen.get(block.key.casefold(), previous))
            continue
        entry = _entry_of(block, rel, findings)
        if entry is None:
            continue
        source = Provenance(file=rel, line=_line(entry))
        if (first := seen.get(entry.key.casefold())) is not None:
            _warn_duplicate(findings, rel, source.line, entry.key, first)
            continue
        seen[entry.key.casefold()] = source
        sightings.append(_sighting(entry, topic, source, findings))
    return sightings


def _line(block: Block) -> int:
    """1-based line of the block's `@`; bibtexparser counts from 0."""
    return block.start_line + 1 if block.start_line is not None else 1


def _warn_duplicate(findings: Findings, rel: str, line: int, key: str, first: Provenance) -> None:
    findings.append(duplicate_key_finding(rel, line, key, first))


def duplicate_key_finding(rel: str, line: int, key: str, first: Provenance) -> Finding:
    """A warning at `rel`:`line` that `key` is defined again (first at `first`)."""
    return Finding(
        file=rel,
        line=line,
        message=f"duplicate key {key!r}: already defined at {first}",
        hint="BibTeX keeps the first entry and ignores this one; rename or delete one of them",
        code="bib.duplicate-key",
    )


def _decode_bytes(data: bytes, rel: str, findings: Findings) -> str:
    """UTF-8 text; a byte that is not UTF-8 is read as Windows-1252 (Latin-1 where that has no glyph).

    Reading byte by byte keeps the valid UTF-8 of a mixed file intact, where decoding the whole file
    as Latin-1 would garble it. Line ends become `\\n` so that line numbers match `grep -n`.
    """
    data = data.removeprefix(b"\xef\xbb\xbf")
    parts: list[str] = []
    first_bad: int | None = None
    pos = 0
    while True:
        try:
            parts.append(data[pos:].decode("utf-8"))
            break
        except UnicodeDecodeError as error:
            bad = pos + error.start
            first_bad = bad if first_bad is None else first_bad
            parts.append(data[pos:bad].decode("utf-8"))
            parts.append(_legacy_char(data[bad : pos + error.end]))
            pos += error.end
    if first_bad is not None:
        line = data.count(b"\n", 0, first_bad) + 1
        findings.warn(
            rel,
            line,
            f"file is not UTF-8 (first bad byte 0x{data[first_bad]:02x} on line {line})",
            "read those bytes as Windows-1252/Latin-1; re-save the file as UTF-8",
            code="bib.encoding",
        )
    return "".join(parts).replace("\r\n", "\n").replace("\r", "\n")


def _legacy_char(raw: bytes) -> str:
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


# --- the middleware stack -------------------------------------------------------------------------


class _FoldFieldKeys(BlockMiddleware):
    """Lowercase field keys and keep the first of repeated fields, as BibTeX does.

    bibtexparser compares field keys case-sensitively and drops a whole entry with a repeated field
    into `failed_blocks`; BibTeX ignores case, warns and keeps the first value. The keys left out
    are noted in the entry's metadata so that the parser reports them.
    """

    def transform_entry(self, entry: Entry, library: Library) -> Entry:
        kept: dict[str, Any] = {}
        dropped: list[str] = []
        for field in entry.fields:
            key = field.key.lower()
            if key in kept:
                dropped.append(key)
                continue
            field.key = key
            kept[key] = field
        entry.fields = list(kept.values())
        if dropped:
            entry.parser_metadata[_DROPPED_FIELDS] = dropped
        return entry

    def transform_failed_block(self, failed_block: ParsingFailedBlock, library: Library) -> Block:
        entry = failed_block.ignore_error_block
        if isinstance(failed_block, DuplicateFieldKeyBlock) and isinstance(entry, Entry):
            return self.transform_entry(entry, library)
        return failed_block


class _KeepRawValues(BlockMiddleware):
    """Copy the field values before LaTeX decoding, which turns `\\href{url}{text}` into `text`."""

    def transform_entry(self, entry: Entry, library: Library) -> Entry:
        entry.parser_metadata[_RAW_VALUES] = {f.key: f.value for f in entry.fields if isinstance(f.value, str)}
        return entry


class _Decoder(LatexNodes2Text):  # type: ignore[misc]
    """pylatexenc's decoder, parsing `\\href` with its two arguments (its default spec has none)."""

    def latex_to_text(self, latex: str, **parse_flags: Any) -> str:
        if _LATEX_SPECIAL.search(latex) is None:
            return latex  # plain text: nothing to decode, and pylatexenc is slow on 100,000 entries
        parse_flags.setdefault("latex_context", _walker_context())
        return str(super().latex_to_text(latex, **parse_flags))


class _DecodeTextFields(LatexDecodingMiddleware):  # type: ignore[misc]
    """LaTeX decoding of the fields read as text only: links (note, url, doi...) are read from the
    raw values, and decoding each `\\href` note costs a millisecond, minutes on a large list."""

    _LINK_FIELDS = frozenset({"note", "notes", "url", "doi", "howpublished", "eprint", "abstract", "file"})

    def transform_entry(self, entry: Entry, library: Library) -> Block:
        kept = [f for f in entry.fields if f.key in self._LINK_FIELDS]
        entry.fields = [f for f in entry.fields if f.key not in self._LINK_FIELDS]
        result = super().transform_entry(entry, library)
        entry.fields = entry.fields + kept
        return result


@cache
def _walker_context() -> Any:
    context = latexwalker.get_default_latex_context_db()
    context.add_context_category("headkg", prepend=True, macros=[MacroSpec("href", "{{")])
    return context


@cache
def _text_decoder() -> _Decoder:
    text_context = get_default_latex_context_db()
    text_context.add_context_category(
        "headkg",
        prepend=True,
        macros=[MacroTextSpec("href", simplify_repl="%(2)s"), MacroTextSpec("url", simplify_repl="%(1)s")],
    )
    return _Decoder(latex_context=text_context, keep_braced_groups=True, math_mode="text")


def decoded_text(raw: str) -> str:
    """A field's raw value (without its enclosing braces) as the parser reads a title: LaTeX decoded."""
    return _clean(_text_decoder().latex_to_text(raw))


def unknown_field_suggestion(key: str) -> str | None:
    """The BibTeX field a key that is none most likely means ("notes" -> "note"), if one is close."""
    if key in _KNOWN_FIELDS:
        return None
    close = difflib.get_close_matches(key, _KNOWN_FIELDS, n=1, cutoff=0.8)
    return close[0] if close else None


def _parse_stack() -> list[Middleware]:
    """Decode LaTeX with braces kept, then split names: `{Barnes and Noble}` stays one author."""
    return [
        _FoldFieldKeys(),
        ResolveStringReferencesMiddleware(),
        RemoveEnclosingMiddleware(),
        _KeepRawValues(),
        _DecodeTextFields(decoder=_text_decoder()),
        SeparateCoAuthors(),
        SplitNameParts(),
    ]


# --- blocks to entries ----------------------------------------------------------------------------


def _entry_of(block: Block, rel: str, findings: Findings) -> Entry | None:
    """The entry a block stands for, if any, after reporting what went wrong with it."""
    line = _line(block)
    if isinstance(block, Entry):
        return block
    if isinstance(block, MiddlewareErrorBlock):
        deep = "recursion" in str(block.error)  # pylatexenc recurses once per brace level
        findings.warn(
            rel,
            line,
            "could not fully decode this entry: " + ("its braces nest too deeply" if deep else str(block.error)),
            "kept it with the fields as far as they were decoded; check its LaTeX and author names",
            code="bib.decode",
        )
        entry = block.ignore_error_block
        return entry if isinstance(entry, Entry) else None
    if isinstance(block, ParsingFailedBlock):
        reason = getattr(block.error, "abort_reason", None) or str(block.error)
        findings.warn(
            rel,
            line,
            f"could not parse this block, it is skipped: {reason}",
            "look for an unbalanced brace or quote, or a missing comma; parsing went on at the next @",
            code="bib.syntax",
        )
        return None
    if isinstance(block, ImplicitComment) and _STRAY_FIELD.search(block.comment):
        findings.warn(
            rel,
            line,
            "text outside any entry looks like fields, which BibTeX ignores",
            "an extra closing brace probably ended the entry above too early",
            code="bib.stray-fields",
        )
    return None


# --- entries to sightings -------------------------------------------------------------------------


def _sighting(entry: Entry, topic: str, source: Provenance, findings: Findings) -> PaperSighting:
    raw: dict[str, str] = entry.parser_metadata.get(_RAW_VALUES) or {
        f.key: f.value for f in entry.fields if isinstance(f.value, str)
    }
    fields = _fields_by_key(entry)
    _check_fields(entry, source, findings)
    title = _text(fields, "title")
    if not title:
        findings.warn(
            source.file, source.line, f"entry {entry.key!r} has no title", "add a title field", code="bib.no-title"
        )
    author = fields.get("author")
    names, others = _person_names(author.value if author is not None else None)
    authors = [n.display() for n in names]
    venue = _text(fields, "journal") or _text(fields, "booktitle")
    for field, value in (("title", title), ("venue", venue), ("author", " ".join(authors))):
        if value and "\\" in value:
            findings.warn(
                source.file, source.line, f"{field} keeps undecoded LaTeX: {value!r}", code=f"bib.latex-{field}"
            )
    year = _year(fields, entry.key, source, findings)
    links = _link_texts(raw)
    arxiv_ids, dois = _identifiers(raw, links)
    for what, found in (("arXiv ids", arxiv_ids), ("DOIs", dois)):
        if len(found) > 1:
            findings.warn(
                source.file,
                source.line,
                f"entry names several {what}: {', '.join(found)}",
                "kept the first",
                code="bib.several-ids",
            )
    return PaperSighting(
        kind="bib",
        title=title or "",
        authors=authors,
        year=year,
        venue="arXiv" if venue and _ARXIV_VENUE.fullmatch(venue) else venue,
        arxiv_id=arxiv_ids[0] if arxiv_ids else None,
        doi=dois[0] if dois else None,
        urls=_checked_links(_urls(links), source, findings),
        bib_key=entry.key,
        topic=topic,
        source=source,
        bib=BibEntry(
            key=entry.key,
            entry_type=entry.entry_type.lower(),
            authors=names,
            others=others,
            fields=_kept_fields(entry, fields, raw, title, year),
        ),
    )


def _fields_by_key(entry: Entry) -> dict[str, Field]:
    """The entry's fields by key, as `Entry.get` finds them (the last of a repeated key), built once:
    `Entry.get` builds this dict on every call."""
    return {field.key: field for field in entry.fields}


def _check_fields(entry: Entry, source: Provenance, findings: Findings) -> None:
    """Report fields BibTeX would ignore or misread, so the maintainer sees what the survey lost."""
    for key in entry.parser_metadata.get(_DROPPED_FIELDS) or ():
        findings.warn(
            source.file,
            source.line,
            f"field {key!r} appears twice in entry {entry.key!r}",
            "BibTeX keeps the first value and ignores the second; delete one",
            code="bib.field-repeated",
        )
    enclosings = entry.parser_metadata.get(REMOVED_ENCLOSING_KEY) or {}
    for field in entry.fields:
        if (close := unknown_field_suggestion(field.key)) is not None:
            findings.warn(
                source.file,
                source.line,
                f"field {field.key!r} is not a BibTeX field, so BibTeX ignores it",
                f"did you mean {close!r}?",
                code="bib.field-unknown",
            )
        if enclosings.get(field.key) != "no-enclosing" or field.key == "month":
            continue
        value = str(field.value)  # (a list of split names costs its repr: only where it is needed)
        if not value.isdigit():
            findings.warn(
                source.file,
                source.line,
                f"field {field.key!r} is neither braced nor quoted: {value!r}",
                "an undefined @string, a # concatenation or a missing comma; brace the value",
                code="bib.field-unbraced",
            )


def _clean(text: str) -> str:
    """Decoded text as displayed: NFC, no grouping braces, single spaces."""
    text = text.replace("{", "").replace("}", "")
    return " ".join(unicodedata.normalize("NFC", text).split())


def _text(fields: dict[str, Field], key: str) -> str | None:
    field = fields.get(key)
    if field is None or not isinstance(field.value, str):
        return None
    return _clean(field.value) or None


def _person_names(value: object) -> tuple[list[PersonName], bool]:
    """Split names in order, and whether the list ended in BibTeX's "and others".

    Accepts the value at any stage of the stack (string, list of names, list of parts), since an
    entry a middleware failed on keeps the stage it reached.
    """
    names: Iterable[object] = []
    if isinstance(value, str):
        names = split_multiple_persons_names(value)
    elif isinstance(value, list):
        names = value
    people: list[PersonName] = []
    others = False
    for name in names:
        if isinstance(name, str):
            name = parse_single_name_into_parts(name, strict=False)
        if not isinstance(name, NameParts):
            continue
        parts = _name_parts(tuple(name.first), tuple(name.von), tuple(name.last), tuple(name.jr))
        if parts is None:
            others = True
        elif any(parts):
            given, particle, family, suffix = parts
            people.append(PersonName(given=given, particle=particle, family=family or given, suffix=suffix))
    return people, others


_NamePart = tuple[str, ...]  # one part of a split name, as words


@lru_cache(maxsize=1 << 16)
def _name_parts(first: _NamePart, von: _NamePart, last: _NamePart, jr: _NamePart) -> tuple[str, str, str, str] | None:
    """A split name's parts as displayed, or None for BibTeX's "others" (cached: a list names the
    same authors again and again)."""
    whole = " ".join(" ".join(part) for part in (first, von, last, jr) if part)  # NameParts.merge_first_name_first
    if _clean(whole).casefold() == "others":
        return None
    return _clean(" ".join(first)), _clean(" ".join(von)), _clean(" ".join(last)), _clean(" ".join(jr))


# Fields kept as written (links, read without LaTeX decoding) and fields left out of a kept entry.
_LINK_VALUE_FIELDS = frozenset(("url", "doi", "eprint", "archiveprefix", "eprinttype", "primaryclass"))
_LEFT_OUT_FIELDS = frozenset(("author", "abstract", "file", "title", "year"))
_NOTE_FIELDS = frozenset(("note", "notes", "howpublished"))


@cache
def _note_decoder() -> _Decoder:
    return _Decoder(math_mode="text")


def _kept_fields(
    entry: Entry, by_key: dict[str, Field], raw: dict[str, str], title: str | None, year: int | None
) -> dict[str, str]:
    """The entry's fields as plain text for citing it back (see `BibEntry`): decoded title and year first."""
    fields: dict[str, str] = {}
    if title:
        fields["title"] = title
    if year is not None:
        fields["year"] = str(year)
    for field in entry.fields:
        key = field.key
        if key in _LEFT_OUT_FIELDS or key in fields or not isinstance(field.value, str):
            continue
        if key in _LINK_VALUE_FIELDS:
            value = " ".join(_unescape(raw.get(key, field.value)).split())
        elif key in _NOTE_FIELDS:  # read raw (see _DecodeTextFields): decode the text around the links
            key = "note" if key == "notes" else key
            value = _clean(_note_decoder().latex_to_text(_LINK_MACRO_ANY.sub(" ", raw.get(field.key, field.value))))
        else:
            value = _text(by_key, key) or ""
        if value and key not in fields:
            fields[key] = value
    return fields


def _year(fields: dict[str, Field], key: str, source: Provenance, findings: Findings) -> int | None:
    value = _text(fields, "year")
    if value is None:
        return None
    if _YEAR.fullmatch(value):
        return int(value)
    findings.warn(
        source.file,
        source.line,
        f"year {value!r} of entry {key!r} is not a four-digit year",
        "write the year of publication, e.g. year = {2024}",
        code="bib.year",
    )
    return None


def _unescape(text: str) -> str:
    return _LATEX_ESCAPE.sub(r"\1", text) if "\\" in text else text


def _link_texts(raw: dict[str, str]) -> dict[str, str]:
    """The raw values that may name a link or an id (not title, author...), unescaped: what both
    `_identifiers` and `_urls` read, in the entry's order."""
    return {key: _unescape(value) for key, value in raw.items() if key not in _NOT_LINK_FIELDS}


def _identifiers(raw: dict[str, str], links: dict[str, str]) -> tuple[list[str], list[str]]:
    """arXiv ids and DOIs named by the entry (`raw`, and `links` its `_link_texts`), most explicit source
    first, without repeats.

    An arXiv DataCite DOI (10.48550/arXiv.*) names an arXiv id, not a DOI of its own.
    """
    arxiv: list[str] = []
    dois: list[str] = []
    archive = (raw.get("archiveprefix") or raw.get("eprinttype") or "").strip().casefold()
    eprint = parse_arxiv_id(links.get("eprint", ""))
    if eprint and (archive == "arxiv" or (not archive and "/" not in eprint)):
        arxiv.append(eprint)
    if doi := normalize_doi(links.get("doi", "")):
        dois.append(doi)
    ordered = [links[k] for k in ("doi", "url") if k in links] + [v for k, v in links.items() if k not in _DOI_URL]
    for text in ordered:
        named = {"doi" if "." in m else "arxiv" for m in _NAMES_AN_ID.findall(text)}  # which searches can find any
        if "arxiv" in named:
            arxiv += arxiv_ids_in_text(text)
        if "doi" in named:
            dois += dois_in_text(text)
    as_arxiv = [arxiv_id_from_doi(d) for d in dois]
    arxiv += (i for i in as_arxiv if i)
    dois = [d for d, i in zip(dois, as_arxiv, strict=True) if not i]
    return list(dict.fromkeys(arxiv)), list(dict.fromkeys(dois))


_DOI_URL = frozenset(("doi", "url"))


def _checked_links(urls: list[str], source: Provenance, findings: Findings) -> list[str]:
    """The links that are links (schema.identifiers.link_problem); each other one is a finding."""
    kept = []
    for url in urls:
        problem = link_problem(url)
        if problem is None:
            kept.append(url)
        else:
            findings.warn(source.file, source.line, problem[1], problem[2], code=problem[0])
    return kept


def _urls(links: dict[str, str]) -> list[str]:
    """The url field, then the targets of `\\href` and `\\url` anywhere in the entry (`_link_texts`), each once."""
    urls: list[str] = []
    url_field = links.get("url", "")
    urls += _LINK_MACRO.findall(url_field) or url_field.split()
    for key, value in links.items():
        if key != "url":
            urls += _LINK_MACRO.findall(value)
    return list(dict.fromkeys(u.strip() for u in urls if u.strip()))
