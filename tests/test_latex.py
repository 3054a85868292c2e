"""The LaTeX helpers, as tables of input -> expected output."""

from __future__ import annotations

import pytest

from headkg.ingest.latex import (
    LineIndex,
    blank_comments,
    cited_keys,
    find_commands,
    hrefs,
    latex_to_text,
    split_top_level,
    tokenize,
)


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        (r"Na\"ive Activation Patching", "Naïve Activation Patching"),
        ("Naïve Activation Patching", "Naïve Activation Patching"),
        (r"\'{e}t\`e \c{c}", "étè ç"),
        (r"User context \& Intermediate results", "User context & Intermediate results"),
        (r"Bias toward~negative", "Bias toward negative"),
        (r"\textbf{Head Name}", "Head Name"),
        (
            r"\revise{Key Attention Heads in Expression Preparation (EP).}",
            "Key Attention Heads in Expression Preparation (EP).",
        ),
        (r"{Subject} {Head}", "Subject Head"),
        (r"first line \\ second line", "first line second line"),
        (r"different func-\\ tions using", "different functions using"),
        (r"Train a classifier func-\\tions", "Train a classifier functions"),
        (
            r"\begin{tabular}[c]{@{}l@{}}The component's state is replaced \\ by the mean\end{tabular}",
            "The component's state is replaced by the mean",
        ),
        (r"\multicolumn{1}{c}{\textbf{Input Feature}}", "Input Feature"),
        (r"\multirow{6}{*}{Replacement-Based}", "Replacement-Based"),
        (
            r"\href{https://github.com/gkamradt/LLMTest_NeedleInAHaystack}{Needle-in-a-Haystack}",
            "Needle-in-a-Haystack",
        ),
        (r"MMLU~\citep{MMLU_UCB}", "MMLU"),
        (r"\citet{a}, \citet[p.~2]{b}", ","),
        ("  spaced \n\n  out\t ", "spaced out"),
        ("", ""),
    ],
)
def test_latex_to_text(fragment: str, expected: str) -> None:
    assert latex_to_text(fragment) == expected


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        (
            r"\citep{InductionHeads_22_TCT_Anthropic,PreviousHead_23_AIForum_Google}",
            ["InductionHeads_22_TCT_Anthropic", "PreviousHead_23_AIForum_Google"],
        ),
        (r"\citet{NL-ITI_24_arXiv-Samsung}", ["NL-ITI_24_arXiv-Samsung"]),
        (r"\cite{a} and \cite{ b , c }", ["a", "b", "c"]),
        (r"\citep[see][p.~3]{a}\citet*{b}", ["a", "b"]),
        (r"\citet{a}, \citet{b}, \citet{a}", ["a", "b"]),
        (r"\citep{}", []),
        (r"no citation \ref{fig:x}", []),
    ],
)
def test_cited_keys(fragment: str, expected: list[str]) -> None:
    assert cited_keys(fragment) == expected


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        (r"\href{https://x.org/a}{Needle}", [("https://x.org/a", "Needle")]),
        (
            r"\textbf{\href{ https://x.org/a\_b\%20 }{Na\"ive {Name}}}",
            [("https://x.org/a_b%20", "Naïve Name")],
        ),
        (r"\href{u1}{A} and \href{u2}{B}", [("u1", "A"), ("u2", "B")]),
        (r"\href{only-url}", []),
        ("plain", []),
    ],
)
def test_hrefs(fragment: str, expected: list[tuple[str, str]]) -> None:
    assert hrefs(fragment) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a % note\nb", "a       \nb"),
        (r"50\% kept % gone", r"50\% kept       "),
        ("\\\\% after a line break", "\\\\" + " " * 20),
        ("[% 中括号之间不要换行\nx", "[" + " " * 11 + "\nx"),
    ],
)
def test_blank_comments_keeps_offsets(text: str, expected: str) -> None:
    assert blank_comments(text) == expected
    assert len(blank_comments(text)) == len(text)


@pytest.mark.parametrize(
    ("text", "separator", "expected"),
    [
        (r"a & b \\ c & d", "\\\\", [r"a & b ", " c & d"]),
        (r"a & b \\ c & d", "&", ["a ", r" b \\ c ", " d"]),
        (r"x & {y & z} & \& w", "&", ["x ", " {y & z} ", r" \& w"]),
        (
            r"A & \begin{tabular}{l}p \\ q & r\end{tabular} \\ B",
            "\\\\",
            [r"A & \begin{tabular}{l}p \\ q & r\end{tabular} ", " B"],
        ),
        ("no separator", "&", ["no separator"]),
    ],
)
def test_split_top_level(text: str, separator: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in split_top_level(text, separator)] == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"\textbf{a{b}}c", [("macro", "textbf"), ("group", "a{b}"), ("text", "c")]),
        (r"\\\&x", [("macro", "\\"), ("macro", "&"), ("text", "x")]),
        (r"a}b", [("text", "a"), ("stray", "}"), ("text", "b")]),
        (r"{a{b}", [("stray", "{"), ("text", "a"), ("group", "b")]),
        (r"{\}}", [("group", r"\}")]),
    ],
)
def test_tokenize(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(token.kind, token.text) for token in tokenize(text)] == expected


def test_find_commands_looks_inside_groups_and_keeps_offsets() -> None:
    text = "x\n\\resizebox{1}{\\label{tab:KR_Head}}"
    [command] = find_commands(text, frozenset({"label"}), 1)
    assert command.args[0].text == "tab:KR_Head"
    assert text[command.start : command.end] == r"\label{tab:KR_Head}"
    assert LineIndex(text).line(command.start) == 2


@pytest.mark.parametrize(("offset", "line"), [(0, 1), (2, 1), (3, 2), (4, 3), (6, 3)])
def test_line_index(offset: int, line: int) -> None:
    assert LineIndex("ab\n\ncd").line(offset) == line
