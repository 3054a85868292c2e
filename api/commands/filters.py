"""The paper filters as CLI options, shared by every command that takes a query (`papers`,
`compare`, `analyze`, `plot`), the listing options (`--format`, `--json`, `--limit`, `--offset`),
and the one way to print a rendered answer."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from headkg.api.console import echo, reported_errors
from headkg.api.render import renderer_for
from headkg.schema.exceptions import InvalidRequestError
from headkg.schema.views import PaperFilter

MODEL_HELP = (
    "Papers whose head types the survey has seen in this model family (gpt, llama, ...): the taxonomy "
    "attaches families to head types, not to papers. Repeat for all of several."
)

Head = Annotated[
    list[str] | None,
    typer.Option(
        help="A head type: any alias, any case, plural, small typo or some of its words. Repeat for papers "
        "reporting all of them (--any-head: any of them)."
    ),
]
AnyHead = Annotated[bool, typer.Option("--any-head", help="With several --head: papers reporting any of them.")]
Stage = Annotated[
    list[str] | None, typer.Option(help="Stage code or name (KR, ICI, LR, EP); repeat for all of several.")
]
Method = Annotated[
    list[str] | None, typer.Option(help="A method of the survey's tables (or some of its words); repeatable.")
]
Benchmark = Annotated[
    list[str] | None, typer.Option(help="A benchmark of the survey's tables (or some of its words); repeatable.")
]
Model = Annotated[list[str] | None, typer.Option(help=MODEL_HELP)]
Topic = Annotated[list[str] | None, typer.Option(help="A topic of the survey's bibliography (a bib file's name).")]
WithHeads = Annotated[
    bool | None,
    typer.Option(
        "--with-heads/--background",
        help="Only papers that report a head type, or only the others (the survey's background references).",
        show_default=False,
    ),
]
YearFrom = Annotated[int | None, typer.Option(help="First year to include.")]
YearTo = Annotated[int | None, typer.Option(help="Last year to include.")]
Words = Annotated[
    str | None,
    typer.Option(
        "--q",
        help="Words that must all occur in title, authors, summary, venue or identifiers (the last also as a "
        "prefix), ranked by relevance unless --sort is given; an arXiv id, DOI or paper id finds that paper.",
    ),
]

# Every filter option with its default, in the order `--help` lists them: declared once, given to each
# query command by `with_paper_filters`.
FILTER_OPTIONS: dict[str, tuple[Any, Any]] = {
    "head": (Head, None),
    "any_head": (AnyHead, False),
    "stage": (Stage, None),
    "method": (Method, None),
    "benchmark": (Benchmark, None),
    "model": (Model, None),
    "topic": (Topic, None),
    "with_heads": (WithHeads, None),
    "year_from": (YearFrom, None),
    "year_to": (YearTo, None),
    "q": (Words, None),
}

Command = TypeVar("Command", bound=Callable[..., Any])
# The default of a command's `filters` parameter: `with_paper_filters` always passes the real one.
FROM_OPTIONS = PaperFilter()

Format = Annotated[
    str | None,
    typer.Option("--format", help="table, json, csv or tsv (default: a table on a terminal, TSV when piped)."),
]
AsJson = Annotated[bool, typer.Option("--json", help="The same as --format json.")]
Limit = Annotated[int | None, typer.Option(min=0, help="At most this many (default: all).")]
Offset = Annotated[int, typer.Option(min=0, help="Skip this many first.")]


def paper_filter(
    *,
    head: list[str] | None = None,
    any_head: bool = False,
    stage: list[str] | None = None,
    method: list[str] | None = None,
    benchmark: list[str] | None = None,
    model: list[str] | None = None,
    topic: list[str] | None = None,
    with_heads: bool | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    q: str | None = None,
    ids: list[str] | None = None,
) -> PaperFilter:
    """The filters the options ask for."""
    return PaperFilter(
        head=head,
        head_mode="any" if any_head else "all",
        stage=stage,
        method=method,
        benchmark=benchmark,
        model=model,
        topic=topic,
        has_heads=with_heads,
        year_from=year_from,
        year_to=year_to,
        q=q,
        ids=ids or None,
    )


def with_paper_filters(*, leave_out: tuple[str, ...] = ()) -> Callable[[Command], Command]:
    """Give a command the filter options of `papers` (but `leave_out`) in place of its parameter
    `filters: PaperFilter`, and call it with the `PaperFilter` they ask for: every query command
    takes the same options with the same help, written once."""
    names = [name for name in FILTER_OPTIONS if name not in leave_out]
    options = [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=kind, default=default)
        for name, (kind, default) in FILTER_OPTIONS.items()
        if name in names
    ]

    def decorate(command: Command) -> Command:
        signature = inspect.signature(command, eval_str=True)
        parameters: list[inspect.Parameter] = []
        for parameter in signature.parameters.values():
            parameters.extend(options if parameter.name == "filters" else [parameter])

        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> Any:
            chosen = {name: kwargs.pop(name) for name in names if name in kwargs}
            with reported_errors():
                filters = paper_filter(**chosen)
            return command(*args, filters=filters, **kwargs)

        run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        return run  # type: ignore[return-value]

    return decorate


def output_format(fmt: str | None, as_json: bool = False) -> str:
    """The format to print in: `--json`, else `--format`, else a table on a terminal and TSV (every
    value in full, one row a line) when the output goes to a pipe or a file."""
    if as_json:
        if fmt and fmt.strip().lower() != "json":
            raise InvalidRequestError(f"--json and --format {fmt} ask for two formats; give one")
        return "json"
    if fmt:
        return fmt.strip().lower()
    return "table" if sys.stdout.isatty() else "tsv"


def write_rendered(fmt: str, value: Any) -> None:
    """`value` in the registry's format `fmt`, on stdout; a binary format is refused (use -o)."""
    renderer = renderer_for(fmt, value)
    if renderer.binary:
        raise InvalidRequestError(f"{fmt} is not text; write it to a file instead")
    data = renderer.render(value)
    echo(data.decode(), nl=False)
