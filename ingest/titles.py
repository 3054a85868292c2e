"""Title normalisation for entity resolution: the same title however it is cased or accented."""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^a-z0-9]+")

# Words too common to tell two titles apart; used to pick blocking tokens.
STOPWORDS = frozenset(
    "a an and are as at by for from how in into is it of on or the their through to via what when "
    "which with language model models large llm llms transformer transformers attention head heads".split()
)


def normalize_title(title: str) -> str:
    """Casefolded ASCII words separated by single spaces, LaTeX braces and accents gone."""
    text = title.replace("{", "").replace("}", "")
    if not text.isascii():  # accents: decompose and drop the combining marks
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold()
    return _NOT_WORD.sub(" ", text).strip()


def title_tokens(normalized: str) -> set[str]:
    """Distinctive tokens of a normalised title, for blocking."""
    return {w for w in normalized.split() if w not in STOPWORDS and len(w) > 2}
