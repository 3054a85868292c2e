"""Reading the list's shields.io badges and the links they decorate.

The list states a paper's head types and venue only as badge images, so the text has to be
recovered from the badge URL (e.g. ``badge/S--Inhibition_Head-blue`` is "S-Inhibition Head"),
while the paper's identifiers come from the link targets (`schema.identifiers`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

SHIELDS_HOSTS = frozenset({"img.shields.io", "shields.io", "raster.shields.io"})

# shields.io's own route for static badges: label (optional), message, colour; "--" is a literal
# dash inside a part, a single "-" separates parts, and the colour cannot hold a dot.
_STATIC_PATH = re.compile(
    r"(?P<label>(?:[^-]|--)*?)-?(?P<message>(?:[^-]|--)*)-(?P<color>(?:[^-.]|--)+)(?:\.(?:svg|png|json))?"
)

# Words a badge's message (or an image's alt text) uses for the link to the paper itself,
# as opposed to code, data, a project page or a demo.
PAPER_WORDS = frozenset({"paper", "poster", "oral", "spotlight", "post", "article", "preprint", "pdf"})


@dataclass(frozen=True)
class Badge:
    """The text of a shields.io badge: ``label`` (may be empty), ``message`` and ``color``."""

    label: str
    message: str
    color: str

    @property
    def text(self) -> str:
        """What the badge shows, label then message, e.g. "Retrieval Head" or "ICLR Paper"."""
        return " ".join(part for part in (self.label, self.message) if part)


def _unescape_part(part: str) -> str:
    """Undo shields.io's escaping: ``__`` is "_", a lone ``_`` is a space, ``--`` is "-"."""
    out: list[str] = []
    i = 0
    while i < len(part):
        pair = part[i : i + 2]
        if pair in ("__", "--"):
            out.append(pair[0])
            i += 2
        elif part[i] == "_":
            out.append(" ")
            i += 1
        else:
            out.append(part[i])
            i += 1
    return "".join(out)


def _percent_decode(part: str) -> str:
    """Percent-decode strictly, so that an invalid UTF-8 sequence is an error, not mojibake."""
    return unquote(part, encoding="utf-8", errors="strict")


@lru_cache(maxsize=8192)  # the same few badges, on every row of a large list
def decode_badge(url: str) -> Badge | None:
    """Decode a shields.io static badge URL; None when it is not one or cannot be decoded.

    >>> decode_badge("https://img.shields.io/badge/S--Inhibition_Head-blue").message
    'S-Inhibition Head'
    >>> decode_badge("https://img.shields.io/badge/ICLR-Paper-%23D2691E").label
    'ICLR'
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.hostname not in SHIELDS_HOSTS:
        return None
    try:
        if parts.path.startswith("/badge/"):
            match = _STATIC_PATH.fullmatch(parts.path[len("/badge/") :])
            if match is None:
                return None
            label, message, color = (
                _unescape_part(_percent_decode(match[name])) for name in ("label", "message", "color")
            )
        elif parts.path.rstrip("/") == "/static/v1":
            query = parse_qs(parts.query, keep_blank_values=True, encoding="utf-8", errors="strict")
            label = query.get("label", [""])[0]
            message = query.get("message", [""])[0]
            color = query.get("color", [""])[0]
        else:
            return None
    except UnicodeDecodeError:
        return None
    label, message = " ".join(label.split()), " ".join(message.split())
    if not message:
        return None
    return Badge(label=label, message=message, color=color)


def is_paper_badge(badge: Badge | None, alt: str = "") -> bool:
    """Whether a Links-column badge points at the paper itself (not code, data or a demo).

    The message says so ("arXiv-Paper", "ICLR-Poster", "Blog-Post"); the image's alt text
    ("Paper Badge", ``[![Paper](...)]``) is the fallback when the badge does not decode.
    """
    words: list[str] = []
    if badge is not None:
        words.append(badge.message)
    words.append(alt)
    for text in words:
        first = text.split()[0].casefold() if text.split() else ""
        if first in PAPER_WORDS:
            return True
    return False


def venue_from_badge(badge: Badge | None) -> str | None:
    """The venue a paper badge names in its label, e.g. "ICLR", "arXiv", "ACL Findings", "Blog"."""
    if badge is None or not badge.label:
        return None
    return badge.label
