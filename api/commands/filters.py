"""The paper filters as CLI options, shared by every command that takes a query (`compare`,
`analyze`, `plot`, `cite`...), and the one way to print a rendered answer."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from headkg.api.console import echo
from headkg.api.render import renderer_for
from headkg.schema.exceptions import InvalidRequestError

Head = Annotated[str | None, typer.Option(help="A head type: any alias, any case, plural or small typo.")]
Stage = Annotated[str | None, typer.Option(help="Stage code: KR, ICI, LR or EP.")]
Method = Annotated[str | None, typer.Option(help="A method of the survey's tables.")]
Benchmark = Annotated[str | None, typer.Option(help="A benchmark of the survey's tables.")]
Model = Annotated[
    str | None, typer.Option(help="A model family (gpt, llama, ...): papers whose head types the survey saw in it.")
]
YearFrom = Annotated[int | None, typer.Option(help="First year to include.")]
YearTo = Annotated[int | None, typer.Option(help="Last year to include.")]
Words = Annotated[str | None, typer.Option("--q", help="Words to find in titles and authors.")]


def write_rendered(fmt: str, value: Any) -> None:
    """`value` in the registry's format `fmt`, on stdout; a binary format is refused (use -o)."""
    renderer = renderer_for(fmt, value)
    if renderer.binary:
        raise InvalidRequestError(f"{fmt} is not text; write it to a file instead")
    data = renderer.render(value)
    echo(data.decode(), nl=False)
