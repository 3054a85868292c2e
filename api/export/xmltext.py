"""XML written as text, for the streaming exports (GEXF, GraphML): escaping and a buffered UTF-8 writer.

Building an lxml element per node and serialising it costs twenty times more than formatting the
same markup (measured: 8.8 s against 0.33 s for 160,000 paper nodes), and `etree.xmlfile` repeats
the namespace declarations on every element written. So the writers format markup themselves, with
two rules that keep it well-formed: every value goes through `escape`, and every string value comes
cleaned by the graph's attribute rules (api/export/graph.py: no control character, no lone
surrogate, whitespace collapsed), so what is escaped is always legal XML 1.0 text.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import BinaryIO


def escape(text: str) -> str:
    """`text` safe inside a double-quoted attribute or an element: &, <, > and " as entities.

    >>> escape('Heads & <Tails> "quoted"')
    'Heads &amp; &lt;Tails&gt; &quot;quoted&quot;'
    """
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    return text


@contextmanager
def text_writer(out: BinaryIO) -> Iterator[Callable[[str], object]]:
    """A `write(str)` that encodes to UTF-8 into `out` through a buffer; `out` stays open."""
    text = io.TextIOWrapper(out, encoding="utf-8", errors="strict", newline="\n", write_through=False)
    try:
        yield text.write
    finally:
        text.flush()
        text.detach()
