"""The GitHub Actions workflows shipped for the list's repository: valid YAML, real commands."""

from __future__ import annotations

import re
import shlex
from importlib import resources
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from headkg.api.cli import app

WORKFLOWS = Path(str(resources.files("headkg.api.workflows") / "list-pull-request.yml")).parent
runner = CliRunner()
COMMAND = re.compile(
    r"\bheadkg (build|serve|papers|heads|export|check|diff|add|discover)\b([^|;&>]*?)(?:\s\d)?(?=$|[|;&>])"
)


def workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def headkg_calls(name: str) -> list[list[str]]:
    """Every `headkg ...` command line of the workflow's run steps, split like a shell would."""
    calls = []
    for job in workflow(name)["jobs"].values():
        for step in job["steps"]:
            for line in step.get("run", "").splitlines():
                for match in COMMAND.finditer(line):
                    calls.append([match.group(1), *shlex.split(match.group(2))])
    return calls


@pytest.mark.parametrize("name", ["list-pull-request.yml", "add-paper-from-issue.yml", "discover-papers.yml"])
def test_workflow_commands_exist_with_their_options(name: str) -> None:
    calls = headkg_calls(name)
    assert calls
    for words in calls:
        command = words[0]
        help_text = runner.invoke(app, [command, "--help"]).stdout
        for option in (w for w in words if w.startswith("--")):
            assert option in help_text, f"{name}: headkg {command} has no option {option}"


def test_pull_request_workflow_checks_against_the_base_and_diffs() -> None:
    flow = workflow("list-pull-request.yml")
    assert "pull_request" in flow[True] if True in flow else "pull_request" in flow["on"]
    calls = headkg_calls("list-pull-request.yml")
    assert [w[0] for w in calls] == ["build", "check", "diff"]
    build, check, _ = calls
    assert check[:3] == ["check", ".", "--base"] and "--db" in check
    assert build[build.index("--db") + 1] == check[check.index("--db") + 1]  # the store built from the base
    steps = flow["jobs"]["check"]["steps"]
    (cache,) = [s for s in steps if s.get("uses", "").startswith("actions/cache")]
    assert cache["with"]["path"] == check[check.index("--db") + 1] and "BASE_SHA" in cache["with"]["key"]


def test_issue_workflow_runs_on_the_add_new_paper_label() -> None:
    flow = workflow("add-paper-from-issue.yml")
    assert flow["jobs"]["add"]["if"] == "github.event.label.name == 'add-new-paper'"
    assert ["add", "--source", ".", "--from-issue"] == headkg_calls("add-paper-from-issue.yml")[0][:4]


def test_discover_workflow_runs_weekly_and_by_hand_and_opens_one_pull_request() -> None:
    flow = workflow("discover-papers.yml")
    triggers = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads the key `on` as True
    assert "workflow_dispatch" in triggers
    (schedule,) = triggers["schedule"]
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert (day, month) == ("*", "*") and weekday.isdigit()  # once a week
    steps = flow["jobs"]["discover"]["steps"]
    assert any('pip install "$HEADKG_PIP_SPEC"' in step.get("run", "") for step in steps)
    calls = headkg_calls("discover-papers.yml")
    assert [w[:3] for w in calls if w[0] == "discover"] == [["discover", "--source", "."]] * 2
    assert any("--write" in w and "markdown" in w for w in calls)
    (pull,) = [s for s in steps if "create-pull-request" in s.get("uses", "")]
    assert pull["with"]["body-path"].endswith("body.md")
