"""/stages: the survey's four stages with their head types and papers."""

from __future__ import annotations

from fastapi import APIRouter

from headkg.api.deps import KG
from headkg.schema.views import StageDetail, StageSummary

router = APIRouter(tags=["stages"])


@router.get("/stages", response_model=list[StageSummary])
def list_stages(kg: KG) -> list[StageSummary]:
    """The four stages in the survey's order, with their head type and paper counts."""
    return kg.stages()


@router.get("/stages/{code}", response_model=StageDetail)
def get_stage(kg: KG, code: str) -> StageDetail:
    """A stage by code (KR, ICI, LR, EP) or name, any case, with its head types and papers."""
    return kg.stage(code)
