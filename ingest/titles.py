"""Title words for blocking in entity resolution (normalisation itself: schema/titles.py)."""

from __future__ import annotations

# Words too common to tell two titles apart; used to pick blocking tokens.
STOPWORDS = frozenset(
    "a an and are as at by for from how in into is it of on or the their through to via what when "
    "which with language model models large llm llms transformer transformers attention head heads".split()
)


def title_tokens(normalized: str) -> set[str]:
    """Distinctive tokens of a normalised title, for blocking."""
    return {w for w in normalized.split() if w not in STOPWORDS and len(w) > 2}
