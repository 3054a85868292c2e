"""Head-name normalisation: every spelling in the list becomes one canonical head type.

Curated names and aliases come from data/heads.yaml. A name that matches none becomes a head
type of its own plus a warning with the closest curated suggestions; it is never merged
silently into a near-looking one.
"""

from __future__ import annotations

from headkg.ingest.vocabulary import LIST_VOCABULARY, Vocabulary
from headkg.schema.findings import Findings
from headkg.schema.graph import HeadFeatures, HeadType
from headkg.schema.names import NameIndex, head_key, slugify, split_qualifier
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import HeadFeatureSighting, TaxonomyHead

MISSPELT_SCORE = 88.0  # a new name this close to a curated one is more likely a typo than a new head


class HeadRegistry:
    """Collects the head types a build meets, keyed by canonical slug."""

    def __init__(self, vocabulary: Vocabulary, findings: Findings) -> None:
        self.vocabulary = vocabulary
        self.findings = findings
        self.heads: dict[str, HeadType] = {}
        self._unknown_slug_by_key: dict[str, str] = {}
        self._sources: dict[str, set[Provenance]] = {}
        self._spellings: dict[str, set[str]] = {}  # as written in the list, other than the canonical name

    def canonical(self, written: str, source: Provenance) -> tuple[str, str | None] | None:
        """(slug, qualifier) for a head name as written; registers the head type on first sight."""
        name, qualifier = split_qualifier(written)
        key = head_key(name)
        if not key:
            self.findings.warn(source.file, source.line, f"empty head name {written!r}", "write the head type's name")
            return None
        slug = self.vocabulary.head_index.exact(name)
        if slug is None:
            slug = self._unknown(name, key, source)
        else:
            self._ensure_curated(slug)
        self._spellings.setdefault(slug, set()).add(" ".join(name.split()))
        seen = self._sources.setdefault(slug, set())
        if source not in seen:  # a set: list membership on pydantic models is quadratic at scale
            seen.add(source)
            self.heads[slug].sources.append(source)
        return slug, qualifier

    def _ensure_curated(self, slug: str) -> None:
        if slug not in self.heads:
            curated = self.vocabulary.head_by_slug[slug]
            self.heads[slug] = HeadType(
                slug=slug,
                name=curated.name,
                aliases=list(curated.aliases),
                description=curated.description,
                stage=curated.stage,
                sub_category=curated.sub_category,
            )

    def _unknown(self, name: str, key: str, source: Provenance) -> str:
        suggestions = self.vocabulary.head_index.suggest(name)
        hint = (
            "did you mean " + ", ".join(f"'{s.name}' ({s.score:.0f})" for s in suggestions) + "? "
            if suggestions
            else ""
        ) + f"if it is a new head type, declare it in the list's {LIST_VOCABULARY}; if a new spelling, as an alias"
        close = bool(suggestions) and suggestions[0].score >= MISSPELT_SCORE
        message = (
            f"head name '{name}' is not a known head type but close to '{suggestions[0].name}'"
            if close
            else f"unknown head name '{name}'"
        )
        self.findings.warn(source.file, source.line, message, hint, code="head.misspelt" if close else "head.unknown")
        if key in self._unknown_slug_by_key:
            return self._unknown_slug_by_key[key]
        slug = slugify(name if name.casefold().endswith("head") else f"{name} head") or slugify(key)
        while slug in self.vocabulary.head_by_slug or (slug in self.heads and head_key(self.heads[slug].name) != key):
            slug += "-x"
        self._unknown_slug_by_key[key] = slug
        self.heads[slug] = HeadType(slug=slug, name=name, curated=False)
        return slug

    def place(self, entry: TaxonomyHead, slug: str) -> None:
        """Record where the survey's taxonomy puts a head: stage, sub-category, model families."""
        head = self.heads[slug]
        if head.stage and head.stage != entry.stage:
            self.findings.warn(
                entry.source.file,
                entry.source.line,
                f"'{head.name}' is placed in stage {entry.stage} here but in {head.stage} elsewhere",
                f"place each head type in one stage, or split it into two head types in {LIST_VOCABULARY}",
            )
            return
        head.stage = entry.stage
        head.sub_category = head.sub_category or entry.sub_category
        head.qualifier = head.qualifier or entry.qualifier
        for family in entry.model_families:
            if family not in head.model_families:
                head.model_families.append(family)

    def describe(self, row: HeadFeatureSighting) -> None:
        """Attach a KR/EP table row's input/output features and layer distribution."""
        found = self.canonical(row.name, row.source)
        if found is None:
            return
        head = self.heads[found[0]]
        head.features = HeadFeatures(
            input_feature=row.input_feature,
            output_feature=row.output_feature,
            layer_distribution=row.layer_distribution,
            source=row.source,
        )
        if head.stage is None:
            head.stage = row.stage
        elif head.stage != row.stage:
            self.findings.warn(
                row.source.file,
                row.source.line,
                f"'{head.name}' is in the {row.stage} table but the taxonomy places it in {head.stage}",
                "move the row to the table of the head's stage",
            )

    def index(self) -> NameIndex:
        """A name index over every head type of this build (curated and new), for lookups."""
        spellings = [(s, h.slug) for h in self.heads.values() for s in (h.name, *h.aliases)]
        return NameIndex(spellings, {h.slug: h.name for h in self.heads.values()})

    def sorted_heads(self) -> list[HeadType]:
        """The head types, each with its curated aliases then the other spellings the list used."""
        for head in self.heads.values():
            head.sources.sort(key=Provenance.sort_key)
            known = {head.name, *head.aliases}
            head.aliases += sorted(self._spellings.get(head.slug, set()) - known)
        return sorted(self.heads.values(), key=lambda h: h.slug)
