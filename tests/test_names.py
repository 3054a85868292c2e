"""The one forgiving resolver (`NameIndex.lookup`) on a small invented vocabulary: a table of what a
user types and what it must mean, or the names it must offer instead of a guess."""

from __future__ import annotations

import pytest

from headkg.schema.names import NameIndex

# The survey's methods and benchmarks, plus a head vocabulary with aliases (spelling, slug).
NAMES = {
    "naive-activation-patching": "Naïve Activation Patching",
    "mean-ablation": "Mean Ablation",
    "zero-ablation": "Zero Ablation",
    "probing": "Probing",
    "scoring": "Scoring",
    "needle-in-a-haystack": "Needle-in-a-Haystack",
    "truthfulqa": "TruthfulQA",
    "sst-sst2": "SST/SST2",
    "fv-caplitalize": "FV-Caplitalize",
    "toymoodstory": "ToyMoodStory",
    "toymoviereview": "ToyMovieReview",
    "name-mover-head": "Name Mover Head",
    "backup-name-mover-head": "Backup Name Mover Head",
    "retrieval-head": "Retrieval Head",
}
SPELLINGS = [(name, slug) for slug, name in NAMES.items()] + [("retrieval heads", "retrieval-head")]
INDEX = NameIndex(SPELLINGS, NAMES)


@pytest.mark.parametrize(
    ("typed", "slug", "how"),
    [
        ("Naïve Activation Patching", "naive-activation-patching", "exact"),
        ("naive activation-patching", "naive-activation-patching", "exact"),  # accents, case, hyphens
        ("activation patching", "naive-activation-patching", "words"),  # a word subset
        ("patching", "naive-activation-patching", "words"),
        ("activaton patching", "naive-activation-patching", "typo"),  # partial and misspelt
        ("probings", "probing", "exact"),  # plural
        ("Mean ablations", "mean-ablation", "exact"),
        ("scorng", "scoring", "typo"),  # misspelt
        ("haystack", "needle-in-a-haystack", "words"),
        ("needle in a haystack", "needle-in-a-haystack", "exact"),
        ("truthful qa", "truthfulqa", "typo"),
        ("sst2", "sst-sst2", "words"),
        ("capitalize", "fv-caplitalize", "typo"),  # the survey's own misspelling
        ("retrieval", "retrieval-head", "exact"),  # a trailing "head" never matters
        ("Retreival Heads", "retrieval-head", "typo"),
        ("backup mover", "backup-name-mover-head", "words"),
    ],
)
def test_one_best_match_wins(typed: str, slug: str, how: str) -> None:
    found = INDEX.lookup(typed)
    assert (found.slug, found.how) == (slug, how)
    assert found.candidates == []


@pytest.mark.parametrize(
    ("typed", "offered"),
    [
        ("ablation", {"Mean Ablation", "Zero Ablation"}),  # a tie: both hold the word
        ("ablations", {"Mean Ablation", "Zero Ablation"}),
        ("name mover heads", None),  # exact: no tie although "Backup Name Mover" holds its words
        ("mover", {"Name Mover Head", "Backup Name Mover Head"}),
    ],
)
def test_a_tie_offers_the_tied_names(typed: str, offered: set[str] | None) -> None:
    found = INDEX.lookup(typed)
    if offered is None:
        assert found.slug == "name-mover-head"
        return
    assert found.slug is None and found.how == "ambiguous"
    assert {c.name for c in found.candidates} == offered


@pytest.mark.parametrize(("typed", "close"), [("toy story", "ToyMoodStory"), ("retrieval induction", "Retrieval Head")])
def test_nothing_clear_offers_the_closest(typed: str, close: str) -> None:
    found = INDEX.lookup(typed)
    assert found.slug is None and found.how == "unknown"
    assert close in [c.name for c in found.candidates]


def test_a_small_vocabulary_is_offered_whole() -> None:
    stages = NameIndex([("KR", "KR"), ("Knowledge Recalling", "KR"), ("LR", "LR")], {"KR": "KR", "LR": "LR"})
    assert [c.name for c in stages.lookup("zzz").candidates] == ["KR", "LR"]
    assert stages.lookup("recalling").slug == "KR"


def test_the_lists_own_names_resolve_strictly() -> None:
    """`resolve` (ingest) never takes a word subset: a list's new name must not vanish into another."""
    assert INDEX.resolve("activation patching") is None
    assert INDEX.resolve("Retreival Heads") == "retrieval-head"
