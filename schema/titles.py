"""Title normalisation: the same title however it is cased, accented or punctuated.

The key the resolver compares titles by, and the text a title-based paper id is hashed from.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalize_title(title: str) -> str:
    """Casefolded ASCII words separated by single spaces, LaTeX braces and accents gone."""
    text = title.replace("{", "").replace("}", "")
    if not text.isascii():  # accents: decompose and drop the combining marks
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold()
    return _NOT_WORD.sub(" ", text).strip()
