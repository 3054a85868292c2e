"""The table parser: small fixtures (good and malformed), a renamed real table, the real tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from headkg.ingest.tables import TABLES, parse_tables
from headkg.schema.findings import Findings
from headkg.schema.sightings import BenchmarkSighting, HeadFeatureSighting, MethodSighting

FIXTURES = Path(__file__).parent / "data" / "tex" / "tables"

Parsed = tuple[list[HeadFeatureSighting], list[MethodSighting], list[BenchmarkSighting], Findings]


def parse(root: Path) -> Parsed:
    findings = Findings()
    features, methods, benchmarks = parse_tables(root, findings)
    return features, methods, benchmarks, findings


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> Parsed:
    root = tmp_path_factory.mktemp("checkout")
    shutil.copytree(FIXTURES, root / TABLES)
    return parse(root)


@pytest.fixture(scope="module")
def real(snapshot: Path) -> Parsed:
    """The real tables of ../shared/awesome-attention-heads (conftest's `snapshot`)."""
    return parse(snapshot)


def test_fixture_features(fixtures: Parsed) -> None:
    assert [
        (r.name, r.stage, r.input_feature, r.output_feature, r.layer_distribution, str(r.source)) for r in fixtures[0]
    ] == [
        (
            "Memory Head",
            "KR",
            "User context & Intermediate results",
            "Relevant parametric knowledge injected",
            "Shallow / Middle",
            "source/tables/recall_heads.tex:11",
        ),
        (
            "Negative Head",
            "KR",
            "Binary decision task context",
            "Bias toward negative expressions",
            "Middle",
            "source/tables/recall_heads.tex:13",
        ),
    ]


def test_fixture_methods(fixtures: Parsed) -> None:
    assert [(r.family, r.type, r.name, r.core_operation, r.bib_keys, r.source.line) for r in fixtures[1]] == [
        (
            "Modeling-Required",
            "Training-Required",
            "Probing",
            "Train a classifier to tell heads with different functions apart",
            ["ITI_23", "NL-ITI_24", "Succ_24"],
            7,
        ),
        ("Modeling-Required", "Training-Required", "Naïve Training", "Train", ["A"], 8),
        # the row on line 9 has too few cells; the \multirow on line 10 starts a new type and,
        # although it says 1 row, carries into the empty cell below (authors miscount n)
        ("Modeling-Required", "Training-Free", "Scoring", "Score heads", ["KC_24", "RH_24"], 10),
        ("Modeling-Required", "Training-Free", "Others", "New methods", ["ACDC"], 13),
        # methods_free.tex: no label, the caption names the family; line 5 has no type (a finding)
        ("Modeling-Free", "", "Typeless Method", "Something", ["T"], 5),
        ("Modeling-Free", "Modification-Based", "Directional Addition", "Adding information", ["S", "N"], 6),
    ]


def test_fixture_benchmarks(fixtures: Parsed) -> None:
    assert [
        (r.name, r.category, r.type, r.main_task, r.origin, r.release, r.url, r.bib_keys, r.source.line)
        for r in fixtures[2]
    ] == [
        (
            "IOI",
            "Mechanism Exploration",
            "Word-level reasoning",
            "Infer the indirect object",
            "UCB",
            "2022.11",
            None,
            ["IOI_23_ICLR_Redwood"],
            7,
        ),
        (
            "Needle-in-a-Haystack",
            "Mechanism Exploration",
            "Long context retrieval",
            "Retrieve content",
            "Github",
            None,
            "https://github.com/gkamradt/LLMTest_NeedleInAHaystack",
            [],
            8,
        ),
    ]


def test_fixture_findings(fixtures: Parsed) -> None:
    # viewpoints.tex has a bad row too, but a table of unknown kind is skipped without a word
    expected = [
        ("source/tables/benchmarks.tex", 9, "row has 6 cells, the header has 5"),
        ("source/tables/methods.tex", 9, "row has 2 cells, the header has 4"),
        ("source/tables/methods_free.tex", 5, "method row without a type"),
        ("source/tables/stageless.tex", 3, "cannot tell the stage"),
        ("source/tables/unended.tex", 3, r"\begin{tabular} is never ended"),
    ]
    findings = fixtures[3]
    assert [(f.file, f.line) for f in findings] == [(file, line) for file, line, _ in expected]
    for finding, (_, _, message) in zip(findings, expected, strict=True):
        assert message in finding.message
        assert finding.hint


def test_missing_folder_gives_nothing(tmp_path: Path, snapshot_2024: Path) -> None:
    for root in (tmp_path, snapshot_2024):  # the 2024-08-31 snapshot has no source/ yet
        features, methods, benchmarks, findings = parse(root)
        assert (features, methods, benchmarks, list(findings)) == ([], [], [], [])


@pytest.mark.parametrize(
    ("name", "kind", "count"),
    [
        ("KR_head.tex", 0, 4),
        ("EP_head.tex", 0, 5),
        ("ModelingFree.tex", 1, 5),
        ("ModelingRequired.tex", 1, 4),
        ("CommonEval.tex", 2, 10),
        ("MechanEval.tex", 2, 11),
        ("Viewpoints.tex", 0, 0),
    ],
)
def test_real_table_renamed_still_parses(snapshot: Path, tmp_path: Path, name: str, kind: int, count: int) -> None:
    (tmp_path / TABLES).mkdir(parents=True)
    shutil.copy(snapshot / TABLES / name, tmp_path / TABLES / "renamed.tex")
    parsed = parse(tmp_path)
    assert len(parsed[kind]) == count
    assert sum(len(rows) for rows in parsed[:3]) == count
    assert list(parsed[3]) == []


def test_real_tables_counts_and_no_findings(real: Parsed) -> None:
    features, methods, benchmarks, findings = real
    assert list(findings) == []
    assert [sum(r.stage == s for r in features) for s in ("KR", "EP")] == [4, 5]
    # ModelingFree has 5 rows: its \multirow{6} spans 3 rows that are 2 lines tall each
    assert [sum(r.family == f for r in methods) for f in ("Modeling-Free", "Modeling-Required")] == [5, 4]
    assert [sum(r.category == c for r in benchmarks) for c in ("Common Evaluation", "Mechanism Exploration")] == [
        10,
        11,
    ]
    assert len(features) + len(methods) + len(benchmarks) == 9 + 9 + 21


def test_real_rows(real: Parsed) -> None:
    features, methods, benchmarks, _ = real
    by_name = {r.name: r for r in methods}
    mean = by_name["Mean Ablation"]
    assert (mean.type, str(mean.source)) == ("Replacement-Based", "source/tables/ModelingFree.tex:12")
    assert mean.bib_keys == [
        "CopySupression_23_arXiv_Google",
        "IOI_23_ICLR_Redwood",
        "HeadCooperation_24_arXiv_UoM",
        "Greater_23_NIPS_UoA",
    ]
    assert by_name["Naïve Activation Patching"].type == "Replacement-Based"
    assert by_name["Probing"].core_operation == (
        "Train a classifier to distinguish heads with different functions using activation values"
    )
    assert len(by_name["Probing"].bib_keys) == 6
    needle = next(r for r in benchmarks if r.url)
    assert (needle.name, needle.url, needle.bib_keys, needle.release) == (
        "Needle-in-a-Haystack",
        "https://github.com/gkamradt/LLMTest_NeedleInAHaystack",
        [],
        "2023.11",
    )
    lre = next(r for r in benchmarks if r.name == "LRE")
    assert (lre.category, lre.type, lre.origin, lre.release, lre.bib_keys) == (
        "Mechanism Exploration",
        "Knowledge recalling",
        "MIT",
        "2023.09",
        ["LRE_MIT"],
    )
    memory = features[[r.name for r in features].index("Memory Head")]
    assert (memory.stage, memory.input_feature, str(memory.source)) == (
        "KR",
        "User context & Intermediate results",
        "source/tables/KR_head.tex:13",
    )
