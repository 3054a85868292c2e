"""Plain text to LaTeX that compiles: one encoder for BibTeX values and LaTeX tables."""

from __future__ import annotations

import re
from functools import cache

from pylatexenc.latexencode import (  # type: ignore[import-untyped]
    RULE_DICT,
    UnicodeToLatexConversionRule,
    UnicodeToLatexEncoder,
)

# Straight quotes stay as typed: pylatexenc would turn " into a closing curly quote.
_AS_TYPED = UnicodeToLatexConversionRule(rule_type=RULE_DICT, rule={ord(c): c for c in "\"'`"})

_HAS_INNER_CAPITAL = re.compile(r"^\W*\w.*?[A-Z]")


@cache
def _encoder() -> UnicodeToLatexEncoder:
    # Escapes & % $ # _ { } ~ ^ \ too; accents become {\'a}; a character LaTeX cannot set (e.g. CJK)
    # becomes a visible <U+XXXX> instead of an error that stops the document.
    return UnicodeToLatexEncoder(
        conversion_rules=[_AS_TYPED, "defaults"],
        non_ascii_only=False,
        replacement_latex_protection="braces-all",
        unknown_char_policy="unihex",
    )


def latex_escape(text: str) -> str:
    """`text` as LaTeX source that prints it: "R&D 100%" -> "R{\\&}D 100{\\%}"."""
    return str(_encoder().unicode_to_latex(" ".join(text.split())))


def protect_case(latex: str) -> str:
    """Braces around words with a capital after their first letter ("{GPT}-2", "{LLMs}"), so that
    bibliography styles that lowercase titles keep them."""
    return " ".join("{" + word + "}" if _HAS_INNER_CAPITAL.search(word) else word for word in latex.split(" "))
