"""SQLAlchemy 2 tables of the store. Lists that are only ever read whole (authors, urls,
sources...) are JSON columns on their row, so a page of papers is one query; everything that
is filtered on (heads, stages, methods, benchmarks, models, years) is a real indexed column."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA_VERSION = "7"


class Base(DeclarativeBase):
    pass


class MetaRow(Base):
    """Facts about the build: schema version, source, input fingerprints."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class StageRow(Base):
    __tablename__ = "stages"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class ModelRow(Base):
    __tablename__ = "model_families"
    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    aliases: Mapped[list] = mapped_column(JSON, default=list)


class HeadRow(Base):
    __tablename__ = "head_types"
    slug: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    stage_code: Mapped[str | None] = mapped_column(ForeignKey("stages.code"), index=True)
    sub_category: Mapped[str | None] = mapped_column(String(300))
    qualifier: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    curated: Mapped[bool] = mapped_column(Boolean, default=True)
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    model_families: Mapped[list] = mapped_column(JSON, default=list)
    input_feature: Mapped[str | None] = mapped_column(Text)
    output_feature: Mapped[str | None] = mapped_column(Text)
    layer_distribution: Mapped[str | None] = mapped_column(Text)
    features_source: Mapped[str | None] = mapped_column(String(500))
    sources: Mapped[list] = mapped_column(JSON, default=list)


class HeadAliasRow(Base):
    """Every spelling of a head type by its normalised key: the index behind `--head NAME`."""

    __tablename__ = "head_aliases"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    head_slug: Mapped[str] = mapped_column(ForeignKey("head_types.slug"), index=True)
    spelling: Mapped[str] = mapped_column(String(300))


class PaperRow(Base):
    __tablename__ = "papers"
    # PostgreSQL: room on each page, so that moving a paper's lines (a row added above it) updates it
    # in place (a HOT update, no index touched): half the time of shifting 100,000 papers
    __table_args__ = {"postgresql_with": {"fillfactor": 60}}
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    # The words `q` searches (title, authors, summary, venue, arXiv id, DOI), tokenised once by
    # db/fulltext.py; the full-text index (SQLite FTS5, PostgreSQL tsvector) is built from it.
    search_text: Mapped[str] = mapped_column(Text)
    search_key: Mapped[int] = mapped_column(BigInteger, unique=True)  # the paper's row in the FTS5 index
    authors: Mapped[list] = mapped_column(JSON, default=list)
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    venue: Mapped[str | None] = mapped_column(String(500))
    arxiv_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    doi: Mapped[str | None] = mapped_column(String(300), index=True)
    urls: Mapped[list] = mapped_column(JSON, default=list)
    bib_keys: Mapped[list] = mapped_column(JSON, default=list)
    topics: Mapped[list] = mapped_column(JSON, default=list)
    summary: Mapped[str | None] = mapped_column(Text)
    heads: Mapped[list] = mapped_column(JSON, default=list)
    sources: Mapped[list] = mapped_column(JSON, default=list)
    bib: Mapped[dict | None] = mapped_column(
        JSON(none_as_null=True)
    )  # the survey's bib entry (schema.bib.BibEntry), for citing
    fingerprint: Mapped[str] = mapped_column(String(64), default="")  # hash of the record, for diffs


class PaperAliasRow(Base):
    """Another id a paper answers to: a former id this store gave it, or another form of its id
    (arXiv, DOI, title hash). Never equal to a current paper id; see db/aliases.py."""

    __tablename__ = "paper_id_aliases"
    alias: Mapped[str] = mapped_column(String(200), primary_key=True)
    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.id"), index=True)
    reason: Mapped[str] = mapped_column(String(16))  # former-id, arxiv, doi or title


class TopicRow(Base):
    """A topic of the survey's bibliography: the name of one of its bib files (`AttnHead`, `Survey`...)."""

    __tablename__ = "topics"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)


class PaperTopicRow(Base):
    __tablename__ = "paper_topics"
    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.id"), primary_key=True)
    topic: Mapped[str] = mapped_column(ForeignKey("topics.name"), primary_key=True)

    __table_args__ = (Index("ix_paper_topics_topic", "topic", "paper_id"),)


class BibKeyRow(Base):
    __tablename__ = "paper_bib_keys"
    key_folded: Mapped[str] = mapped_column(String(300), primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.id"), index=True)


class AuthorRow(Base):
    __tablename__ = "authors"
    slug: Mapped[str] = mapped_column(String(300), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))


class PaperAuthorRow(Base):
    __tablename__ = "paper_authors"
    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.id"), primary_key=True)
    author_slug: Mapped[str] = mapped_column(ForeignKey("authors.slug"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)
    file: Mapped[str] = mapped_column(String(500))
    line: Mapped[int] = mapped_column(Integer)


class PaperHeadRow(Base):
    """A paper found a head type, as one source line says."""

    __tablename__ = "paper_heads"
    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.id"), primary_key=True)
    head_slug: Mapped[str] = mapped_column(ForeignKey("head_types.slug"), primary_key=True)
    file: Mapped[str] = mapped_column(String(500), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_written: Mapped[str] = mapped_column(String(300))
    qualifier: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("ix_paper_heads_head", "head_slug", "paper_id"),)


class HeadModelRow(Base):
    __tablename__ = "head_models"
    head_slug: Mapped[str] = mapped_column(ForeignKey("head_types.slug"), primary_key=True)
    model_slug: Mapped[str] = mapped_column(ForeignKey("model_families.slug"), primary_key=True, index=True)
    file: Mapped[str] = mapped_column(String(500))
    line: Mapped[int] = mapped_column(Integer)


class MethodRow(Base):
    __tablename__ = "methods"
    slug: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    family: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(200))
    core_operation: Mapped[str] = mapped_column(Text, default="")
    file: Mapped[str] = mapped_column(String(500))
    line: Mapped[int] = mapped_column(Integer)


class PaperMethodRow(Base):
    __tablename__ = "paper_methods"
    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.id"), primary_key=True)
    method_slug: Mapped[str] = mapped_column(ForeignKey("methods.slug"), primary_key=True, index=True)
    file: Mapped[str] = mapped_column(String(500))
    line: Mapped[int] = mapped_column(Integer)


class BenchmarkRow(Base):
    __tablename__ = "benchmarks"
    slug: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(200))
    main_task: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(300), default="")
    release: Mapped[str | None] = mapped_column(String(32))
    url: Mapped[str | None] = mapped_column(Text)
    file: Mapped[str] = mapped_column(String(500))
    line: Mapped[int] = mapped_column(Integer)


class PaperBenchmarkRow(Base):
    __tablename__ = "paper_benchmarks"
    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.id"), primary_key=True)
    benchmark_slug: Mapped[str] = mapped_column(ForeignKey("benchmarks.slug"), primary_key=True, index=True)
    file: Mapped[str] = mapped_column(String(500))
    line: Mapped[int] = mapped_column(Integer)


class FindingRow(Base):
    """The warnings of the build that made this store, so `serve` and `check` can show them."""

    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    severity: Mapped[str] = mapped_column(String(16))
    file: Mapped[str] = mapped_column(String(500))
    line: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
    hint: Mapped[str] = mapped_column(Text, default="")
    code: Mapped[str] = mapped_column(String(64), default="")
    subject: Mapped[str] = mapped_column(Text, default="")  # what it is about (`check --base` matches by it)


class ParseCacheRow(Base):
    """Parsed sightings of an input chunk by content hash: unchanged files are not parsed again."""

    __tablename__ = "parse_cache"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)


# Tables in the order rows must be deleted (children first); inserts go in reverse.
DELETE_ORDER = [
    ParseCacheRow,
    FindingRow,
    PaperBenchmarkRow,
    PaperMethodRow,
    PaperTopicRow,
    HeadModelRow,
    PaperHeadRow,
    PaperAuthorRow,
    BibKeyRow,
    PaperAliasRow,
    HeadAliasRow,
    BenchmarkRow,
    MethodRow,
    AuthorRow,
    PaperRow,
    TopicRow,
    HeadRow,
    ModelRow,
    StageRow,
    MetaRow,
]
