"""The requests whose answers on the real list must not change with the API's speed-up (issue 12),
and how their answers are captured into `tests/data/api_answers.json`.

The fixture was captured from main before the speed-up (`python -m tests.api_answers`, which builds
the snapshot in ../shared into a temporary SQLite store); test_api_answers.py compares the server's
answers today with it. Only `/heads/{slug}` changed on purpose (its first 50 papers, the total and a
link to `/papers?head=`), and that test says so.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parent / "data" / "api_answers.json"

URLS = [
    # /papers: no filter, paging, every sort
    "/papers",
    "/papers?limit=5&offset=10",
    "/papers?limit=50&sort=-date",
    "/papers?limit=500&sort=date",
    "/papers?limit=20&offset=150&sort=title",
    "/papers?limit=20&offset=3&sort=-title",
    "/papers?limit=7&offset=180&sort=-date",
    # every filter
    "/papers?head=induction-head&sort=-date&limit=50",
    "/papers?head=retrieval%20heads&limit=10",
    "/papers?head=Induction%20Heads&head=previous%20token&limit=10",
    "/papers?head=induction-head&head=retrieval-head&head_mode=any&limit=10&sort=-date",
    "/papers?stage=LR&year_from=2023&year_to=2024&sort=-date&limit=50",
    "/papers?stage=ICI&stage=KR&limit=10",
    "/papers?method=mean-ablation&limit=10",
    "/papers?benchmark=ioi&limit=10",
    "/papers?model=gpt&limit=10&sort=-date",
    "/papers?topic=AttnHead&has_heads=false&limit=10",
    "/papers?has_heads=true&year_to=2020&limit=10",
    "/papers?year_from=2025&year_to=2024",
    "/papers?id=arxiv-2404.15574&id=arxiv-2502.11806",
    # text search: by relevance, sorted, a prefix, an id typed in, combined
    "/papers?q=retrieval%20head&limit=10",
    "/papers?q=circuit&sort=-date&limit=50",
    "/papers?q=induc&limit=5",
    "/papers?q=arxiv-2404.15574",
    "/papers?q=attention&year_from=2024&head=retrieval-head&limit=5",
    "/papers?q=%27%3B%20DROP%20TABLE%20papers%3B%20--",
    # one paper
    "/papers/arxiv-2404.15574",
    "/papers/arxiv-2502.11806",
    "/papers/a-mechanistic-interpretation-of-syllogistic-reasoning-cf8118?x=1",
    # head types
    "/heads",
    "/heads?stage=KR",
    "/heads/induction-head",
    "/heads/retrieval-head",
    "/heads/Induction%20Heads",
    "/heads/accuracy-head",
    "/heads/resolve?name=Indcution%20Head",
    "/heads/resolve?name=induction",
    "/heads/resolve?name=mover",
    "/heads/induction-head/comparison",
    "/heads/retrieval-head/comparison?year_from=2024",
    # stages, vocabularies, counts, analyses
    "/stages",
    "/stages/KR",
    "/stages/latent%20reasoning",
    "/methods",
    "/benchmarks",
    "/models",
    "/stats",
    "/analysis/timeline",
    "/analysis/cooccurrence",
    "/analysis/gaps",
    "/analysis/growth?stage=LR",
    # errors: JSON 4xx with suggestions
    "/heads/no-such-head-type",
    "/heads/resolve?name=zzzzqqqq",
    "/papers?head=inducton%20hed&limit=5",
    "/papers?stage=XX",
    "/papers/arxiv-0000.00000",
    "/stages/nothing",
    "/papers?limit=0",
    "/papers?sort=nonsense",
    "/analysis/nothing",
]


def answer(response: Any) -> dict[str, Any]:
    """What a client sees of a response: its status, JSON body (None when empty) and, for a redirect, where to."""
    found = {"status": response.status_code, "body": response.json() if response.content else None}
    if 300 <= response.status_code < 400:
        found["location"] = response.headers["location"]
    return found


def answers(get: Any) -> list[dict[str, Any]]:
    """Each URL's answer, asked through `get(url) -> response` (a TestClient's get, redirects not followed)."""
    return [{"url": url, **answer(get(url))} for url in URLS]


def capture(source: Path, fixture: Path = FIXTURE) -> None:
    from fastapi.testclient import TestClient

    from headkg.api.app import create_app
    from headkg.db.store import HeadKG

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/store.sqlite"
        HeadKG(url).build(str(source))
        kg = HeadKG(url, read_only=True)
        with TestClient(create_app(kg)) as client:
            found = answers(lambda u: client.get(u, follow_redirects=False))
        kg.close()
    fixture.write_text(json.dumps(found, indent=1, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    capture(
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[2] / "shared" / "awesome-attention-heads"
    )
