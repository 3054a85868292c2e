"""The taxonomy-figure parser: name joins, small fixtures (good and malformed), the real figure."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from headkg.ingest.taxonomy import FIGURE, parse_taxonomy
from headkg.ingest.vocabulary import DEFAULT_DATA_DIR, Vocabulary
from headkg.schema.findings import Findings
from headkg.schema.sightings import TaxonomyHead

FIXTURES = Path(__file__).parent / "data" / "tex" / "taxonomy"

# One stage, one sub-category and the leaf under test on line 5.
LEAF_TEMPLATE = """\\begin{forest}
    [\\textbf{Root}
        [\\textbf{\\S \\nameref{subsec:ICI}}
            [\\ \\textbf{Overall Structure}
                [LEAF, modelnode-others]
            ]
        ]
    ]
\\end{forest}
"""


def checkout(tmp_path: Path, figure: str | Path) -> Path:
    """A checkout root whose taxonomy figure is `figure` (LaTeX text or a fixture file)."""
    target = tmp_path / FIGURE
    target.parent.mkdir(parents=True)
    if isinstance(figure, Path):
        shutil.copy(figure, target)
    else:
        target.write_text(figure, encoding="utf-8")
    return tmp_path


def summary(head: TaxonomyHead) -> tuple[str, str | None, list[str], list[str]]:
    return (head.name, head.qualifier, head.model_families, head.bib_keys)


@pytest.mark.parametrize(
    ("leaf", "expected"),
    [
        (
            r"\textbf{ \gpt{}Dup-}\\\textbf{ licate Head}~\citep{IOI}",
            [("Duplicate Head", None, ["gpt"], ["IOI"])],
        ),
        (
            r"\textbf{\gpt{}Vul-}\\\textbf{ nerable Head}~\citep{V}",
            [("Vulnerable Head", None, ["gpt"], ["V"])],
        ),
        (
            r"\textbf{\gpt{}Backup Name Mover}\\\textbf{ Head}~\citep{CS}",
            [("Backup Name Mover Head", None, ["gpt"], ["CS"])],
        ),
        (
            r"\textbf{\pythia{}\gpt{}\llama{}Successor}\\\textbf{ Head}{ (Ordinal)}~\citep{S}",
            [("Successor Head", "Ordinal", ["pythia", "gpt", "llama"], ["S"])],
        ),
        (
            r"\textbf{\gemma{}\mistral{}Negative }\\\textbf{ Head (BDT)}~\citep{N}",
            [("Negative Head", "BDT", ["gemma", "mistral"], ["N"])],
        ),
        (
            r"\textbf{\gemma{}Constant Head}{ (MCQA)}~\citep{C}{, }"
            r"\textbf{\gemma{}Single Letter Head}{ (MCQA)}~\citep{C}",
            [("Constant Head", "MCQA", ["gemma"], ["C"]), ("Single Letter Head", "MCQA", ["gemma"], ["C"])],
        ),
        (
            r"\textbf{\pythia{}Subject Head}{ \& }\textbf{\llama{}\pythia{}Relation Head}~\citep{FR,KC}",
            [
                ("Subject Head", None, ["pythia"], ["FR", "KC"]),
                ("Relation Head", None, ["llama", "pythia"], ["FR", "KC"]),
            ],
        ),
        (
            # a line break after the separator starts a new head, it does not continue one
            r"\textbf{\gpt{}Sentiment Summarizer}~\citep{S}{, }"
            r"\\\textbf{ \internlm{}Semantic Induction Head}~\citep{I}",
            [
                ("Sentiment Summarizer", None, ["gpt"], ["S"]),
                ("Semantic Induction Head", None, ["internlm"], ["I"]),
            ],
        ),
        (
            r"\textbf{\yi{}\mistral{}\llama{}\qwen{}Retrieval head}~\citep{R}",
            [("Retrieval head", None, ["yi", "mistral", "llama", "qwen"], ["R"])],
        ),
        (
            r"\textbf{\toy Associative Memories}~\citep{a}\citep{b}",
            [("Associative Memories", None, ["toy"], ["a", "b"])],
        ),
        (r"\textbf{Rare \& Odd Head}~\citep{r}", [("Rare & Odd Head", None, [], ["r"])]),
    ],
)
def test_leaf_heads(tmp_path: Path, leaf: str, expected: list[tuple[str, str | None, list[str], list[str]]]) -> None:
    findings = Findings()
    heads = parse_taxonomy(checkout(tmp_path, LEAF_TEMPLATE.replace("LEAF", leaf)), findings)
    assert [summary(head) for head in heads] == expected
    assert {(head.stage, head.sub_category, head.source.line) for head in heads} == {("ICI", "Overall Structure", 5)}
    assert list(findings) == []


def test_small_fixture(tmp_path: Path) -> None:
    findings = Findings()
    heads = parse_taxonomy(checkout(tmp_path, FIXTURES / "small.tex"), findings)
    assert [
        (h.name, h.qualifier, h.stage, h.sub_category, h.model_families, h.bib_keys, h.source.line) for h in heads
    ] == [
        ("Associative Memories", None, "KR", "General Tasks", ["toy"], ["Mem_a", "Mem_b"], 11),
        ("Negative Head", "BDT", "KR", "General Tasks", ["llama", "gpt"], ["Neg"], 11),
        ("Duplicate Head", None, "ICI", "Overall & Structure", ["gpt"], ["IOI"], 19),
        ("Semantic Induction Head", None, "ICI", "Overall & Structure", ["internlm"], ["Sem"], 20),
        ("Subject Head", None, "ICI", "Overall & Structure", ["pythia"], ["FR", "KC"], 20),
        ("Relation Head", None, "ICI", "Overall & Structure", ["llama"], ["FR", "KC"], 20),
        ("Backup Name Mover Head", "Term", "ICI", "Overall & Structure", ["gpt"], ["CS"], 20),
    ]
    assert {head.source.file for head in heads} == {"source/figures/head_taxonomy.tex"}
    assert list(findings) == []


@pytest.mark.parametrize(
    ("fixture", "expected_findings", "expected_heads"),
    [
        (
            "unknown_icon.tex",
            [(5, r"unknown icon macro \falcon{}")],
            [("Summary Reader", ["gpt"]), ("Induction Head", ["llama"])],
        ),
        ("unknown_stage.tex", [(3, "unknown stage label 'subsec:XY'")], [("Mixed Head", ["pythia"])]),
        (
            "no_citation.tex",
            [(5, "head 'Amplification Head' has no citation")],
            [("Amplification Head", ["gemma"]), ("Correct Head", ["llama"])],
        ),
        (
            "unclosed_bracket.tex",
            [(2, "'[' of the taxonomy tree is never closed")],
            [("Amplification Head", ["gemma"])],
        ),
        (
            "extra_bracket.tex",
            [(13, "']' closes no node of the taxonomy tree")],
            [("Memory Head", ["llama"]), ("Mixed Head", ["pythia"])],
        ),
        (
            "unbalanced_brace.tex",
            [(5, "unbalanced brace '{' in the taxonomy tree")],
            [("Faithfulness Head", ["llama", "gpt"])],
        ),
        ("no_forest.tex", [(None, r"no \begin{forest}")], []),
    ],
)
def test_malformed_fixtures(
    tmp_path: Path,
    fixture: str,
    expected_findings: list[tuple[int | None, str]],
    expected_heads: list[tuple[str, list[str]]],
) -> None:
    findings = Findings()
    heads = parse_taxonomy(checkout(tmp_path, FIXTURES / fixture), findings)
    assert [(f.file, f.line) for f in findings] == [(FIGURE, line) for line, _ in expected_findings]
    for finding, (_, message) in zip(findings, expected_findings, strict=True):
        assert message in finding.message
        assert finding.hint
    assert [(head.name, head.model_families) for head in heads] == expected_heads


def test_stages_and_icons_come_from_the_vocabulary(tmp_path: Path) -> None:
    """A new stage or model family needs only its YAML entry in data/: the parser has no list of its own."""
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    with (data / "stages.yaml").open("a", encoding="utf-8") as out:
        out.write("- code: XY\n  name: Extra Stage\n")
    with (data / "model_families.yaml").open("a", encoding="utf-8") as out:
        out.write("- slug: falcon\n  name: Falcon series\n")
    vocabulary = Vocabulary.load(data)
    for fixture, expected in [
        ("unknown_stage.tex", [("Lost Head", "XY", ["gpt"]), ("Mixed Head", "EP", ["pythia"])]),
        ("unknown_icon.tex", [("Summary Reader", "LR", ["gpt"]), ("Induction Head", "LR", ["falcon", "llama"])]),
    ]:
        findings = Findings()
        heads = parse_taxonomy(checkout(tmp_path / fixture, FIXTURES / fixture), findings, vocabulary)
        assert [(h.name, h.stage, h.model_families) for h in heads] == expected
        assert list(findings) == []


def test_missing_figure_is_no_finding(tmp_path: Path) -> None:
    findings = Findings()
    assert parse_taxonomy(tmp_path, findings) == []
    assert list(findings) == []


def test_snapshot_without_figure_gives_nothing(snapshot_2024: Path) -> None:
    findings = Findings()
    assert parse_taxonomy(snapshot_2024, findings) == []
    assert list(findings) == []


@pytest.fixture(scope="module")
def real_heads(snapshot: Path) -> tuple[list[TaxonomyHead], Findings]:
    """The real figure of ../shared/awesome-attention-heads (conftest's `snapshot`)."""
    findings = Findings()
    return parse_taxonomy(snapshot, findings), findings


def test_real_figure_has_every_head_and_no_finding(real_heads: tuple[list[TaxonomyHead], Findings]) -> None:
    heads, findings = real_heads
    assert list(findings) == []
    # 39 citations; "Subject Head{ \& }Relation Head" share one, so 40 heads
    assert len(heads) == 40
    assert [sum(h.stage == stage for h in heads) for stage in ("KR", "ICI", "LR", "EP")] == [5, 19, 11, 5]
    for head in heads:
        assert head.name and head.sub_category and head.model_families and head.bib_keys, head
    names = [head.name for head in heads]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(
    ("name", "qualifier", "stage", "families", "key_count", "line"),
    [
        ("Memory Head", None, "KR", ["llama", "pythia", "gpt"], 1, 151),
        ("Negative Head", "BDT", "KR", ["gemma", "mistral", "llama", "qwen", "gpt"], 1, 155),
        ("Retrieval head", None, "ICI", ["yi", "mistral", "llama", "qwen"], 1, 162),
        ("Duplicate Head", None, "ICI", ["gpt"], 1, 162),
        ("Backup Name Mover Head", None, "ICI", ["gpt"], 1, 166),
        ("Negative Name Mover Head", None, "ICI", ["gpt"], 1, 166),
        ("Subject Head", None, "ICI", ["pythia"], 2, 170),
        ("Relation Head", None, "ICI", ["llama", "pythia", "gpt"], 2, 170),
        ("Induction Head", None, "LR", ["yi", "mistral", "llama", "qwen", "gpt"], 7, 178),
        ("Vulnerable Head", None, "LR", ["gpt"], 1, 184),
        ("Successor Head", "Ordinal", "LR", ["pythia", "gpt", "llama"], 1, 190),
        ("Inhibition Head", "Term", "LR", ["gpt"], 2, 190),
        ("Mixed Head", None, "EP", ["pythia"], 1, 199),
    ],
)
def test_real_figure_heads(
    real_heads: tuple[list[TaxonomyHead], Findings],
    name: str,
    qualifier: str | None,
    stage: str,
    families: list[str],
    key_count: int,
    line: int,
) -> None:
    [head] = [head for head in real_heads[0] if head.name == name]
    assert (head.qualifier, head.stage, head.model_families, len(head.bib_keys)) == (
        qualifier,
        stage,
        families,
        key_count,
    )
    assert str(head.source) == f"source/figures/head_taxonomy.tex:{line}"
