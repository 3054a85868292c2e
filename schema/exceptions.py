"""Every error headkg raises on purpose, under one base class, so entry points can catch them together."""

from __future__ import annotations

from headkg.schema.findings import Finding


class HeadKGError(Exception):
    """Base class: an expected failure with a message fit for the user (no traceback)."""


class SourceError(HeadKGError):
    """The list's checkout cannot be found, cloned or read."""


class StoreError(HeadKGError):
    """The store cannot be opened, written or is missing."""


class BuildRefusedError(HeadKGError):
    """A build stopped before writing because it would have destroyed data (a README without its paper
    table, too many papers gone); `findings` are the input's problems, which usually say why."""

    def __init__(self, message: str, findings: list[Finding] | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


class NotFoundError(HeadKGError):
    """A paper, head type or stage asked for by id or name does not exist."""

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.suggestions = suggestions or []


class InvalidRequestError(HeadKGError):
    """A query parameter has a value the store cannot answer (unknown sort key, bad range...)."""


class SettingsError(HeadKGError):
    """An environment setting (HEADKG_...) has a value headkg cannot use."""


class ArxivError(HeadKGError):
    """The arXiv API could not give what was asked (base of the two kinds below)."""


class ArxivUnavailableError(ArxivError):
    """arXiv cannot be reached, keeps refusing (HTTP 429/5xx after the retries) or redirects elsewhere."""


class ArxivFeedError(ArxivError):
    """arXiv answered, but not with a usable Atom feed: malformed XML, an API error entry, HTTP 4xx."""
