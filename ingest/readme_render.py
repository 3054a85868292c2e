"""The README written back from what the list says: every paper row from its facts and its layout
(`ingest.row_template`), the text around the rows as it was (`headkg render`).

A build keeps each README section in the store as its rows' sightings and the text around them
(`chunk_frame`); `render_readme` puts the sections back together. render(parse(README)) is the
README, byte for byte, when the parser read every fact of every row.
"""

from __future__ import annotations

from headkg.ingest.row_template import content_of, render_row
from headkg.schema.sightings import PaperSighting


def chunk_frame(chunk: str, pad: int, sightings: list[PaperSighting]) -> list[str]:
    """The chunk's text around its rows that have a layout, one piece more than such rows. A row
    without layout (it would not reproduce) stays in the text around the others. `pad` is how many
    characters the text the rows' offsets count in has before the chunk."""
    pieces: list[str] = []
    at = 0
    for sighting in laid_out(sightings):
        assert sighting.layout is not None
        start, end = sighting.layout.start - pad, sighting.layout.end - pad
        pieces.append(chunk[at:start])
        at = end
    pieces.append(chunk[at:])
    return pieces


def laid_out(sightings: list[PaperSighting]) -> list[PaperSighting]:
    """The README rows with a layout, in the order they stand."""
    return [s for s in sightings if s.kind == "readme" and s.layout is not None]


def render_section(frame: list[str], sightings: list[PaperSighting]) -> str:
    """One README section: its frame with its rows written between the pieces."""
    rows = laid_out(sightings)
    if len(frame) != len(rows) + 1:
        raise ValueError(f"a README section of {len(rows)} rows needs {len(rows) + 1} pieces around them")
    out = [frame[0]]
    for sighting, piece in zip(rows, frame[1:], strict=True):
        assert sighting.layout is not None
        out += [render_row(sighting.layout, content_of(sighting)), piece]
    return "".join(out)


def render_readme(sections: list[tuple[list[str], list[PaperSighting]]], newline: str = "\n") -> str:
    """The README from its sections, in order."""
    text = "".join(render_section(frame, sightings) for frame, sightings in sections)
    return text.replace("\n", newline) if newline != "\n" else text
