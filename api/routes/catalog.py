"""/methods, /benchmarks, /models, /stats: the survey's other vocabularies and the store's counts."""

from __future__ import annotations

from fastapi import APIRouter

from headkg.api.deps import KG
from headkg.schema.views import BenchmarkSummary, MethodSummary, ModelSummary, Stats

router = APIRouter(tags=["catalog"])


@router.get("/methods", response_model=list[MethodSummary])
def list_methods(kg: KG) -> list[MethodSummary]:
    """The survey's methods for finding heads, with the papers that use each."""
    return kg.methods()


@router.get("/benchmarks", response_model=list[BenchmarkSummary])
def list_benchmarks(kg: KG) -> list[BenchmarkSummary]:
    """The survey's benchmarks, with the papers that evaluate on each."""
    return kg.benchmarks()


@router.get("/models", response_model=list[ModelSummary])
def list_models(kg: KG) -> list[ModelSummary]:
    """Model families, with the head types the survey saw in each."""
    return kg.models()


@router.get("/stats", response_model=Stats)
def get_stats(kg: KG) -> Stats:
    """Counts of papers, head types and links, per year, per stage and per head type."""
    return kg.stats()
