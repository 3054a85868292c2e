"""`headkg heads`, `head NAME`, `stages`, `methods`, `benchmarks`, `models`, `stats`: the store's
vocabularies and counts, as the API's `/heads`, `/heads/{slug}`, `/stages`... answer them."""

from __future__ import annotations

from typing import Annotated

import typer

from headkg.api.commands import filters as f
from headkg.api.console import DbOption, reported_errors, store_for
from headkg.schema.listings import BenchmarkList, HeadList, MethodList, ModelList, StageList


def heads(
    stage: Annotated[
        str | None, typer.Option(help="Only the head types of this stage (KR, ICI, LR, EP, or its name).")
    ] = None,
    fmt: f.Format = None,
    as_json: f.AsJson = False,
    limit: f.Limit = None,
    offset: f.Offset = 0,
    db: DbOption = None,
) -> None:
    """Head types with stage, sub-category, model families, paper counts and the taxonomy line defining each."""
    with reported_errors():
        found = HeadList(store_for(db).heads(stage=stage)).page(limit, offset)
        f.write_rendered(f.output_format(fmt, as_json), found)


def head(
    name: Annotated[str, typer.Argument(help="Any spelling of a head type (alias, case, plural, small typo).")],
    fmt: f.Format = None,
    as_json: f.AsJson = False,
    db: DbOption = None,
) -> None:
    """One head type in full: stage, aliases, model families, features, the taxonomy line defining it,
    when it was first reported and every paper that found it."""
    with reported_errors():
        f.write_rendered(f.output_format(fmt, as_json), store_for(db).head(name))


def stages(
    fmt: f.Format = None, as_json: f.AsJson = False, limit: f.Limit = None, offset: f.Offset = 0, db: DbOption = None
) -> None:
    """The survey's four stages, with their head type and paper counts."""
    with reported_errors():
        f.write_rendered(f.output_format(fmt, as_json), StageList(store_for(db).stages()).page(limit, offset))


def methods(
    fmt: f.Format = None, as_json: f.AsJson = False, limit: f.Limit = None, offset: f.Offset = 0, db: DbOption = None
) -> None:
    """The survey's methods for finding heads, with the papers that use each."""
    with reported_errors():
        f.write_rendered(f.output_format(fmt, as_json), MethodList(store_for(db).methods()).page(limit, offset))


def benchmarks(
    fmt: f.Format = None, as_json: f.AsJson = False, limit: f.Limit = None, offset: f.Offset = 0, db: DbOption = None
) -> None:
    """The survey's benchmarks, with the papers that evaluate on each."""
    with reported_errors():
        found = BenchmarkList(store_for(db).benchmarks()).page(limit, offset)
        f.write_rendered(f.output_format(fmt, as_json), found)


def models(
    fmt: f.Format = None, as_json: f.AsJson = False, limit: f.Limit = None, offset: f.Offset = 0, db: DbOption = None
) -> None:
    """Model families, with the head types the survey's taxonomy saw in each."""
    with reported_errors():
        f.write_rendered(f.output_format(fmt, as_json), ModelList(store_for(db).models()).page(limit, offset))


def stats(fmt: f.Format = None, as_json: f.AsJson = False, db: DbOption = None) -> None:
    """The store's counts: papers, papers with heads, head types, paper–head pairs and the sightings
    behind them, papers per year, stage and head type."""
    with reported_errors():
        f.write_rendered(f.output_format(fmt, as_json), store_for(db).stats())
