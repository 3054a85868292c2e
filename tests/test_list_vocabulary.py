"""The list owns its vocabulary: `.headkg/vocabulary.yaml` in a copy of the real list adds and
overrides head types for build, check, add, diff and discover; a bad file is a finding, never a crash."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from readme_rows import insert_at_top, row
from typer.testing import CliRunner

from headkg.api.cli import app
from headkg.db.store import HeadKG
from headkg.ingest.issue import PaperSubmission
from headkg.ingest.list_vocabulary import load_list_vocabulary
from headkg.ingest.pipeline import graph_from_checkout
from headkg.ingest.vocabulary import LIST_VOCABULARY

runner = CliRunner()
COUNTING = "heads:\n  - name: Counting Head\n    aliases: [Count Head]\n    stage: LR\n    sub_category: Arithmetic\n"


@pytest.fixture
def checkout(snapshot: Path, tmp_path: Path) -> Path:
    root = tmp_path / "list"
    shutil.copytree(snapshot, root)
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return root


def vocabulary_file(root: Path, text: str) -> Path:
    path = root / LIST_VOCABULARY
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def counting_row(root: Path, badge: str = "Counting_Head") -> int:
    return insert_at_top(root, row(date="2025-02-20", title="How Heads Count", badges=[badge], arxiv="2502.99999"))


def check_json(root: Path) -> tuple[int, list[dict]]:
    result = runner.invoke(app, ["check", str(root), "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


def test_a_declared_head_type_builds_with_its_stage_and_passes_check(checkout: Path, tmp_path: Path) -> None:
    counting_row(checkout)
    code, findings = check_json(checkout)
    (unknown,) = [f for f in findings if "Counting Head" in f["message"]]
    assert unknown["code"] == "head.unknown" and LIST_VOCABULARY in unknown["hint"]
    vocabulary_file(checkout, COUNTING)
    code, findings = check_json(checkout)
    assert code == 1  # the list's five old errors
    assert not [f for f in findings if "Count" in f["message"] or f["file"] == LIST_VOCABULARY]
    store = HeadKG(tmp_path / "store.sqlite")
    store.build(str(checkout))
    head = store.head("counting-head")
    assert (head.name, head.stage, head.sub_category) == ("Counting Head", "LR", "Arithmetic")
    assert [p.title for p in store.papers(head="Count Head").items] == ["How Heads Count"]


def test_an_override_keeps_the_slug_and_changes_name_and_spellings(checkout: Path) -> None:
    vocabulary_file(
        checkout,
        "heads:\n  - name: Induction Heads (Olsson)\n    slug: induction-head\n    aliases: [Inductive Head]\n"
        "aliases:\n  Retrieval Head: [Retriever Head]\n",
    )
    counting_row(checkout, "Inductive_Head")
    insert_at_top(checkout, row(date="2025-02-19", title="Retrievers", badges=["Retriever_Head"], arxiv="2502.99998"))
    graph = graph_from_checkout(checkout)
    heads = {h.slug: h for h in graph.heads}
    assert heads["induction-head"].name == "Induction Heads (Olsson)"
    assert {"Inductive Head", "Induction Head"} <= set(heads["induction-head"].aliases)
    linked = {(p.title, link.head_slug) for p in graph.papers for link in graph.paper_heads if link.paper_id == p.id}
    assert {("How Heads Count", "induction-head"), ("Retrievers", "retrieval-head")} <= linked
    assert not [f for f in graph.findings if f.file == LIST_VOCABULARY or "Inductive" in f.message]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("heads:\n  - name: A Head\n    stage: [LR\n", 4, "not valid YAML"),
        ("heads:\n  - name: Counting Head\n    stag: LR\n", 3, "unknown field 'stag'"),
        ("heads:\n  - name: Counting Head\n    stage: XX\n", 3, "unknown stage 'XX'"),
        ("heads:\n  - aliases: [X]\n", 2, "needs a `name:`"),
        ("heads:\n  - name: Counting Head\n    aliases: [Induction Head]\n", 3, "already names 'Induction Head'"),
        ("aliases:\n  No Such Head: [X]\n", 2, "no head type is named"),
        ("heads: 3\n", 1, "must be a list"),
        ("- just a list\n", 1, "must be a mapping"),
        ("heads:\n  - name: Counting Head\n    slug: no-such-slug\n", 3, "no head type has slug"),
    ],
)
def test_a_malformed_file_is_a_finding_with_its_line(checkout: Path, text: str, line: int, words: str) -> None:
    vocabulary_file(checkout, text)
    code, findings = check_json(checkout)
    assert code == 1
    (finding,) = [f for f in findings if f["file"] == LIST_VOCABULARY]
    assert (finding["severity"], finding["line"]) == ("error", line)
    assert words in finding["message"]
    build = runner.invoke(app, ["build", "--source", str(checkout), "--db", str(checkout / "s.sqlite"), "-q"])
    assert build.exit_code == 0 and "Traceback" not in build.output


def test_the_rest_of_a_file_counts_despite_a_bad_entry(checkout: Path) -> None:
    vocabulary_file(checkout, COUNTING + "  - name: Broken Head\n    stage: NOPE\n")
    vocabulary, findings = load_list_vocabulary(checkout)
    assert vocabulary.head_index.exact("Count Head") == "counting-head"
    assert [f.line for f in findings] == [7]


def test_a_changed_vocabulary_file_rebuilds_the_store(checkout: Path, tmp_path: Path) -> None:
    store = HeadKG(tmp_path / "store.sqlite")
    counting_row(checkout)
    store.build(str(checkout))
    assert store.build(str(checkout)).changes == ["no input changed since the last build: the store is up to date"]
    vocabulary_file(checkout, COUNTING)
    assert store.build(str(checkout)).written
    assert store.head("counting-head").stage == "LR"


def test_vocabulary_init_lists_the_head_types_headkg_does_not_know(checkout: Path) -> None:
    counting_row(checkout)
    result = runner.invoke(app, ["vocabulary", "init", str(checkout)])
    assert result.exit_code == 0, result.output
    assert "Counting Head" in result.stdout
    text = (checkout / LIST_VOCABULARY).read_text(encoding="utf-8")
    assert "  - name: Counting Head\n" in text
    vocabulary, findings = load_list_vocabulary(checkout)
    assert not findings and vocabulary.head_index.exact("Counting Head") == "counting-head"
    assert not [f for f in check_json(checkout)[1] if "Counting" in f["message"]]
    again = runner.invoke(app, ["vocabulary", "init", str(checkout)])
    assert again.exit_code == 2 and "--force" in again.stderr


def test_add_and_diff_read_the_list_vocabulary(checkout: Path, tmp_path: Path) -> None:
    vocabulary_file(checkout, COUNTING)
    submission = PaperSubmission(
        title="How Heads Count", date="2025-02-20", url="https://arxiv.org/abs/2502.99999", heads=["Count Head"]
    )
    result = HeadKG.add(checkout, submission, dry_run=True)
    assert result.heads == ["Counting Head"]  # the list's own spelling of the alias
    assert not [w for w in result.warnings if w.code.startswith("head.")]
    before = tmp_path / "before"
    shutil.copytree(checkout, before)
    counting_row(checkout)
    diff = HeadKG.diff(str(before), str(checkout))
    assert [p.title for p in diff.added] == ["How Heads Count"]
    assert diff.heads_added == ["Counting Head"]


def test_the_readme_example_is_a_valid_vocabulary_file(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    example = readme.split("**The list's own vocabulary.**", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    vocabulary_file(tmp_path, example)
    vocabulary, findings = load_list_vocabulary(tmp_path)
    assert list(findings) == []
    assert vocabulary.head_by_slug["counting-head"].stage == "LR"
    assert vocabulary.head_by_slug["induction-head"].name == "Induction Heads"
    assert vocabulary.head_index.exact("Inductive Head") == "induction-head"
    assert vocabulary.head_index.exact("Retrieval-Augmented Head") == "retrieval-head"
