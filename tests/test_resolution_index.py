"""The resolution index says a record stands alone only when the resolver, run on the whole list with
and without it, gives the same papers and warnings for every other record; and it keeps its word
counts and block sizes as an index built from scratch has them. Checked against the resolver itself
on many random lists whose titles share words (small blocks, so that blocks do change)."""

from __future__ import annotations

import random

import pytest

from headkg.ingest import resolution_index, same_paper
from headkg.ingest.resolution_index import Resolution, ResolutionIndex, indexed
from headkg.ingest.resolve import cluster
from headkg.schema.findings import Findings
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import PaperSighting

WORDS = "alpha beta gamma delta epsilon zeta theta kappa lambda sigma omega".split()


def _sighting(rng: random.Random, line: int) -> PaperSighting:
    words = rng.sample(WORDS, rng.randint(2, 4))
    if rng.random() < 0.3:
        words.append(f"n{rng.randint(0, 30)}")  # a rarer word, shared now and then
    arxiv = f"2401.{rng.randint(0, 40):05d}" if rng.random() < 0.5 else None
    return PaperSighting(
        kind="readme", title=" ".join(words), arxiv_id=arxiv, source=Provenance(file="README.md", line=line)
    )


def _resolved(sightings: list[PaperSighting]) -> tuple[list[list[str]], list[str]]:
    findings = Findings()
    groups = cluster(sightings, findings)
    return sorted(sorted(str(s.source) for s in g) for g in groups), [f.message for f in findings]


def _exercise(seed: int) -> dict[tuple[str, bool], int]:
    """Changes to a random list, each held to the resolver when the index says it stands alone; how
    many changes of each kind it said stand alone or not."""
    rng = random.Random(seed)
    sightings = [_sighting(rng, 10 * k) for k in range(1, 25)]
    index = ResolutionIndex.of(indexed(s) for s in sightings)
    before, before_findings = _resolved(sightings)
    said: dict[tuple[str, bool], int] = {}
    for _ in range(6):
        new = _sighting(rng, 10 * rng.randint(0, 30) + 5)
        resolution = Resolution(index)
        alone = resolution.add(indexed(new))
        said[("add", alone)] = said.get(("add", alone), 0) + 1
        if alone:
            groups, findings = _resolved(sorted([*sightings, new], key=lambda s: s.source.line))
            assert groups == sorted([*before, [str(new.source)]]) and findings == before_findings
            assert resolution.index() == ResolutionIndex.of(indexed(s) for s in [*sightings, new])
        gone = rng.choice(sightings)
        resolution = Resolution(index)
        alone = resolution.remove(next(e for e in index.records if e.source == str(gone.source)))
        said[("remove", alone)] = said.get(("remove", alone), 0) + 1
        if alone:
            rest = [s for s in sightings if s is not gone]
            groups, findings = _resolved(rest)
            assert sorted([*groups, [str(gone.source)]]) == before and findings == before_findings
            assert resolution.index() == ResolutionIndex.of(indexed(s) for s in rest)
    return said


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of at most 6 titles, so that a change of word counts does move titles between them."""
    monkeypatch.setattr(same_paper, "MAX_BLOCK", 6)
    monkeypatch.setattr(resolution_index, "MAX_BLOCK", 6)


@pytest.mark.parametrize("seed", range(40))
def test_a_record_said_to_stand_alone_changes_nothing_else(small_blocks: None, seed: int) -> None:
    _exercise(seed)


def test_the_random_lists_give_both_answers_for_both_changes(small_blocks: None) -> None:
    """The property above is not vacuous: over the seeds, additions and removals are each said to
    stand alone, and not to, many times."""
    total: dict[tuple[str, bool], int] = {}
    for seed in range(40):
        for key, n in _exercise(seed).items():
            total[key] = total.get(key, 0) + n
    assert all(total.get((change, alone), 0) >= 10 for change in ("add", "remove") for alone in (True, False)), total


def test_records_that_share_an_identifier_or_a_close_title_do_not_stand_alone() -> None:
    line = iter(range(1, 100))

    def at(title: str, arxiv: str | None = None) -> PaperSighting:
        return PaperSighting(
            kind="readme", title=title, arxiv_id=arxiv, source=Provenance(file="README.md", line=next(line))
        )

    known = [at("Induction heads in the wild", "2401.00001"), at("Retrieval heads explained")]
    resolution = Resolution(ResolutionIndex.of(indexed(s) for s in known))
    assert not resolution.add(indexed(at("Something else entirely", "2401.00001")))  # the same arXiv id
    assert not resolution.add(indexed(at("Retrieval heads explained!")))  # the same normalised title
    assert not resolution.add(indexed(at("Retrieval heads explainer")))  # a look-alike
    assert resolution.add(indexed(at("Quokka behaviour under lamplight")))
