"""The list's own vocabulary: `.headkg/vocabulary.yaml` in the list's repository adds head types and
spellings to headkg's curated ones (data/heads.yaml), or overrides them, so the list grows its
vocabulary by its own pull requests.

    heads:
      - name: Counting Head          # a head type headkg does not know
        aliases: [Count Head]
        stage: LR                    # KR, ICI, LR or EP
        sub_category: Task-Specific Reasoning
      - name: Induction Head         # one it knows: more spellings, a stage
        aliases: [Inductive Head]
    aliases:                         # more spellings of head types, by name
      Retrieval Head: [Retrieval-Augmented Head]

An entry whose name (or `slug`) is a known head type's overrides it: its display name,
aliases, stage, sub-category and description may change, never its slug, so shared links keep
working. Every problem with the file is a finding with its line; the rest of the file still counts.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from headkg.ingest.vocabulary import LIST_VOCABULARY, CuratedHead, Vocabulary
from headkg.schema.findings import Findings
from headkg.schema.names import head_key, slugify

HEAD_FIELDS = ("name", "slug", "aliases", "stage", "sub_category", "description")
HINT = f"see the example at the top of {LIST_VOCABULARY} (headkg vocabulary init writes one)"


def load_list_vocabulary(root: Path, base: Vocabulary | None = None) -> tuple[Vocabulary, Findings]:
    """headkg's curated vocabulary (`base`) with the checkout's `.headkg/vocabulary.yaml` applied,
    and the problems met in that file (none when the list has no such file)."""
    vocabulary = base or Vocabulary.load()
    findings = Findings()
    path = root / LIST_VOCABULARY
    if not path.is_file():
        if path.exists() or path.is_symlink():
            findings.error(LIST_VOCABULARY, None, "is not a readable file", HINT, code="vocabulary.unreadable")
        return vocabulary, findings
    try:
        text = path.read_text(encoding="utf-8")
        root_node = yaml.compose(text)
    except (OSError, UnicodeDecodeError) as exc:
        findings.error(LIST_VOCABULARY, None, f"cannot read the file: {exc}", HINT, code="vocabulary.unreadable")
        return vocabulary, findings
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        findings.error(LIST_VOCABULARY, line, f"not valid YAML: {problem}", HINT, code="vocabulary.yaml")
        return vocabulary, findings
    return _Applier(vocabulary, findings).apply(root_node), findings


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _text(node: Node) -> str | None:
    """A scalar's text, or None for anything else (a list, a mapping)."""
    return " ".join(str(node.value).split()) if isinstance(node, ScalarNode) and str(node.value).strip() else None


class _Applier:
    """Applies the file's entries, one by one, to a copy of the curated head types."""

    def __init__(self, vocabulary: Vocabulary, findings: Findings) -> None:
        self.vocabulary = vocabulary
        self.findings = findings
        self.heads: dict[str, CuratedHead] = {h.slug: h for h in vocabulary.heads}
        self.owner: dict[str, str] = {head_key(s): h.slug for h in vocabulary.heads for s in (h.name, *h.aliases)}

    def error(self, node: Node, message: str, code: str = "vocabulary.invalid") -> None:
        self.findings.error(LIST_VOCABULARY, _line(node), message, HINT, code=code)

    def apply(self, root: Node | None) -> Vocabulary:
        if root is None:  # an empty file
            return self.vocabulary
        if not isinstance(root, MappingNode):
            self.error(root, "the file must be a mapping with `heads:` and/or `aliases:`")
            return self.vocabulary
        for key_node, value in root.value:
            key = _text(key_node)
            if key == "heads":
                self._heads(value)
            elif key == "aliases":
                self._aliases(value)
            else:
                self.error(key_node, f"unknown section {key!r}; the file has `heads:` and `aliases:`")
        heads = sorted(self.heads.values(), key=lambda h: h.slug)
        return dataclasses.replace(self.vocabulary, heads=heads)

    def _heads(self, node: Node) -> None:
        if not isinstance(node, SequenceNode):
            self.error(node, "`heads:` must be a list of head types (- name: ...)")
            return
        for entry in node.value:
            if not isinstance(entry, MappingNode):
                self.error(entry, "a head type must be a mapping with at least `name:`")
                continue
            self._head(entry)

    def _head(self, entry: MappingNode) -> None:
        fields: dict[str, Any] = {}
        for key_node, value in entry.value:
            key = _text(key_node)
            if key not in HEAD_FIELDS:
                self.error(key_node, f"unknown field {key!r}; a head type has {', '.join(HEAD_FIELDS)}")
            elif key == "aliases":
                fields[key] = self._spellings(value)
            elif _text(value) is None:
                self.error(value, f"`{key}` must be a text")
            else:
                fields[key] = (_text(value), value)
        if "name" not in fields:
            self.error(entry, "a head type needs a `name:`")
            return
        name, name_node = fields["name"]
        slug = self._target(fields, name)
        stage = self._stage(fields.get("stage"))
        current = self.heads.get(slug) or CuratedHead(slug=slug, name=name)
        kept = (current.name,) if current.name != name and current.name not in current.aliases else ()
        self.heads[slug] = dataclasses.replace(
            current,
            name=name,
            aliases=(*current.aliases, *kept),  # the former display name still finds the head type
            stage=stage or current.stage,
            sub_category=fields["sub_category"][0] if "sub_category" in fields else current.sub_category,
            description=fields["description"][0] if "description" in fields else current.description,
            origin=f"{LIST_VOCABULARY}:{_line(name_node)}",
        )
        self._claim(name, slug, name_node)
        for spelling, node in fields.get("aliases", []):
            self._add_alias(slug, spelling, node)

    def _target(self, fields: dict[str, Any], name: str) -> str:
        """The slug the entry is about: its `slug:`, the known head its name spells, or a new one."""
        if "slug" in fields:
            slug, node = fields["slug"]
            if slug in self.heads:
                return str(slug)
            self.error(node, f"no head type has slug {slug!r}; leave `slug:` out to add a new head type")
        owner = self.owner.get(head_key(name))
        if owner is not None:
            return owner
        slug = slugify(name)
        while slug in self.heads:
            slug += "-x"
        return slug

    def _stage(self, field: tuple[str, Node] | None) -> str | None:
        if field is None:
            return None
        value, node = field
        codes = {c.casefold(): c for c in self.vocabulary.stage_codes}
        names = {n.casefold(): c for c, n in self.vocabulary.stage_names.items()}
        stage = codes.get(value.casefold()) or names.get(value.casefold())
        if stage is None:
            self.error(node, f"unknown stage {value!r}; stages are {', '.join(self.vocabulary.stage_codes)}")
        return stage

    def _spellings(self, node: Node) -> list[tuple[str, Node]]:
        items = node.value if isinstance(node, SequenceNode) else [node]
        out = []
        for item in items:
            text = _text(item)
            if text is None:
                self.error(item, "an alias must be a text (aliases: [Name, Other Name])")
            else:
                out.append((text, item))
        return out

    def _aliases(self, node: Node) -> None:
        if not isinstance(node, MappingNode):
            self.error(node, "`aliases:` must map a head type's name to its other spellings")
            return
        for key_node, value in node.value:
            name = _text(key_node)
            slug = self.owner.get(head_key(name)) if name else None
            if slug is None:
                self.error(key_node, f"no head type is named {name!r}; add it under `heads:` first")
                continue
            for spelling, item in self._spellings(value):
                self._add_alias(slug, spelling, item)

    def _claim(self, spelling: str, slug: str, node: Node) -> bool:
        key = head_key(spelling)
        if not key:
            self.error(node, f"{spelling!r} is not a head name")
            return False
        owner = self.owner.get(key)
        if owner is not None and owner != slug:
            self.error(
                node,
                f"{spelling!r} already names '{self.heads[owner].name}'; a spelling names one head type",
                "vocabulary.conflict",
            )
            return False
        self.owner[key] = slug
        return True

    def _add_alias(self, slug: str, spelling: str, node: Node) -> None:
        head = self.heads[slug]
        if self._claim(spelling, slug, node) and spelling not in (head.name, *head.aliases):
            self.heads[slug] = dataclasses.replace(head, aliases=(*head.aliases, spelling))


def starter_text(unknown: list[tuple[str, str | None, str | None]]) -> str:
    """A starter `.headkg/vocabulary.yaml` declaring the head types (name, stage, sub-category) the
    list uses that headkg does not know, with the file's documentation as comments."""
    lines = [
        "# The list's own head types and spellings, read by headkg (build, check, add, diff, discover)",
        "# on top of its curated vocabulary. Each entry of `heads:` is a head type:",
        "#   - name: Counting Head        # the display name (its slug, counting-head, never changes)",
        "#     aliases: [Count Head]      # other spellings the list uses for it",
        "#     stage: LR                  # KR, ICI, LR or EP",
        "#     sub_category: Task-Specific Reasoning",
        "# An entry naming a head type headkg knows overrides it (name, aliases, stage, sub-category).",
        "# `aliases:` adds spellings to known head types:  Retrieval Head: [Retrieval-Augmented Head]",
    ]
    if not unknown:
        return "\n".join([*lines, "heads: []", ""])
    lines.append("heads:")
    for name, stage, sub_category in unknown:
        lines.append(f"  - name: {_yaml_text(name)}")
        lines.append(f"    stage: {_yaml_text(stage)}" if stage else "    # stage: KR, ICI, LR or EP")
        if sub_category:
            lines.append(f"    sub_category: {_yaml_text(sub_category)}")
    return "\n".join(lines) + "\n"


def _yaml_text(text: str) -> str:
    return yaml.safe_dump(text, default_style=None, width=1000).strip().removesuffix("\n...").strip()
