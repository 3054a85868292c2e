"""The list's README as the store keeps it (each section's rows and the text around them), written
back by `headkg render` (ingest/readme_render.py has the rule)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from headkg.db import models as m
from headkg.ingest.cache import cached_section
from headkg.ingest.readme_render import render_section
from headkg.ingest.sections import SectionMap
from headkg.schema.exceptions import StoreError


def readme_text(*, session: Session) -> Iterator[str]:
    """The README, section by section in file order (a list of 100,000 papers is never whole in memory)."""
    meta = dict(session.execute(select(m.MetaRow.key, m.MetaRow.value)).all())
    sections = SectionMap.from_json(meta.get("readme_sections"))
    if not sections.spans:
        raise StoreError("the store keeps no README (built from the bundled snapshot?); build it from the list")
    newline = meta.get("readme_newline", "\n")
    if meta.get("readme_bom"):
        yield "\ufeff"
    for key, _span in sorted(sections.spans.items(), key=lambda item: item[1]):
        payload = session.execute(select(m.ParseCacheRow.payload).where(m.ParseCacheRow.key == key)).scalar()
        if payload is None:
            raise StoreError("the store misses a README section; rebuild it with `headkg build --full`")
        frame, sightings = cached_section(payload)
        if frame is None:
            raise StoreError("the store was built by an older headkg; rebuild it with `headkg build --full`")
        text = render_section(frame, sightings)
        yield text.replace("\n", newline) if newline != "\n" else text
