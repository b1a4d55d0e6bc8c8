"""What we ship for other repositories: the composite action, the example workflows, the GitLab CI example and
the pre-commit hook. Each is parsed and held to what matters: the trigger, minimal permissions, inputs that
exist, no input spliced into a script, flags the CLI really has, a hook entry that is a real command."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import git_init, write_tree

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
NIGHTLY = ROOT / "examples" / "workflows" / "nightly.yml"
PULL_REQUEST = ROOT / "examples" / "workflows" / "pull-request.yml"
GITLAB = ROOT / "examples" / "gitlab-ci.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    return {on: None} if isinstance(on, str) else dict(on)


@cache
def _help(command: str) -> str:
    return subprocess.run([sys.executable, "-m", "auditor", command, "--help"], capture_output=True, text=True, timeout=60,
                          check=True).stdout


def _flags_exist(command_line: str) -> list[str]:
    """The --flags of an `auditor audit ...` line that `auditor audit --help` does not know."""
    words = command_line.split()
    command = words[words.index("audit") if "audit" in words else 1]
    return [w.split("=")[0] for w in words if w.startswith("--") and w.split("=")[0] not in _help(command)]


def _action_uses(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for job in workflow["jobs"].values() for s in job["steps"] if str(s.get("uses", "")).startswith("auditor/auditor@")]


# -- the action ------------------------------------------------------------------------------------------
def test_action_is_a_composite_that_installs_itself_not_the_target() -> None:
    action = _load(ACTION)
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}" and '"$ACTION_PATH"' in install["run"]
    scripts = [s["run"] for s in steps if "run" in s]
    assert all("${{" not in script for script in scripts), "inputs reach scripts as env vars, never spliced in"
    referenced = set(re.findall(r"inputs\.([a-z0-9-]+)", ACTION.read_text(encoding="utf-8")))
    assert referenced <= set(action["inputs"]), referenced - set(action["inputs"])
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@"))
    assert "inputs.upload-sarif == 'true'" in upload["if"]
    assert action["inputs"]["upload-sarif"]["default"] == "false"
    assert {"score", "grade", "gate", "exit-code"} <= set(action["outputs"])


def test_action_passes_only_flags_the_cli_has() -> None:
    audit = next(s for s in _load(ACTION)["runs"]["steps"] if s.get("id") == "audit")
    flags = set(re.findall(r"(--[a-z][a-z-]+)", audit["run"]))
    assert {"--format", "--output", "--post", "--history", "--fail-on-regression", "--annotations"} <= flags
    assert [f for f in flags if f not in _help("audit")] == []
    # every input the step reads is passed in as an env var
    for name in re.findall(r"\$INPUT_([A-Z_]+)", audit["run"]):
        assert f"INPUT_{name}" in audit["env"], name


def test_action_audit_step_runs_as_written(tmp_path: Path) -> None:
    """The step's bash, run for real with a venv stand-in on PATH: arguments arrive as one would type them."""
    audit = next(s for s in _load(ACTION)["runs"]["steps"] if s.get("id") == "audit")
    root = write_tree(tmp_path / "ws", {"app.py": "def f():\n    try:\n        g()\n    except:\n        pass\n"})
    venv = tmp_path / "runner" / "auditor-venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "auditor").write_text(f"#!/bin/sh\nexec {sys.executable} -m auditor \"$@\"\n")
    (venv / "auditor").chmod(0o755)
    (venv / "python").symlink_to(sys.executable)
    env = {"PATH": "/usr/bin:/bin", "RUNNER_TEMP": str(tmp_path / "runner"), "GITHUB_OUTPUT": str(tmp_path / "out.txt"),
           **{k: "" for k in audit["env"]}}
    env.update({"INPUT_PATH": ".", "INPUT_FORMATS": "json,sarif", "INPUT_OUTPUT": "auditor-report", "INPUT_FAIL_ON": "high",
                "INPUT_ANNOTATIONS": "github", "INPUT_ANNOTATIONS_MIN_SEVERITY": "medium",
                "INPUT_HISTORY": str(tmp_path / "cache" / "auditor" / "history.db"), "INPUT_FAIL_ON_REGRESSION": "false"})
    done = subprocess.run(["bash", "-e", "-c", audit["run"]], cwd=root, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    outputs = dict(line.split("=", 1) for line in (tmp_path / "out.txt").read_text().splitlines())
    assert outputs["exit-code"] == "1" and outputs["gate"] == "failed" and outputs["grade"]
    assert "::error file=app.py,line=4," in done.stdout
    assert (root / "auditor-report" / "report.sarif").is_file() and (tmp_path / "cache" / "auditor" / "history.db").is_file()


# -- the workflows ---------------------------------------------------------------------------------------
def test_pull_request_workflow_is_safe_for_forks() -> None:
    text = PULL_REQUEST.read_text(encoding="utf-8")
    workflow = _load(PULL_REQUEST)
    assert set(_triggers(workflow)) == {"pull_request"}
    assert "pull_request_target" not in re.sub(r"#.*", "", text)
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write", "statuses": "write"}
    for job in workflow["jobs"].values():
        assert "permissions" not in job
        checkout = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout@"))
        assert checkout["with"]["persist-credentials"] is False
        for step in job["steps"]:
            assert "run" not in step, "no step of the pull request workflow runs a command (no target code executed)"
    [step] = _action_uses(workflow)
    assert step["with"]["post"] == "github" and step["with"]["annotations"] == "github"


def test_nightly_workflow_keeps_history_reports_and_sarif() -> None:
    workflow = _load(NIGHTLY)
    triggers = _triggers(workflow)
    assert "schedule" in triggers and triggers["schedule"][0]["cron"]
    assert set(workflow["permissions"]) <= {"contents", "security-events", "actions"}
    assert workflow["permissions"]["contents"] == "read" and workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["audit"]["steps"]
    [audit] = _action_uses(workflow)
    restore = next(s for s in steps if str(s.get("uses", "")).startswith("actions/cache/restore@"))
    save = next(s for s in steps if str(s.get("uses", "")).startswith("actions/cache/save@"))
    assert restore["with"]["path"] == save["with"]["path"] == audit["with"]["history"]
    assert save["if"] == "always()" and restore["with"]["restore-keys"]
    assert audit["with"]["upload-sarif"] == "true" and "sarif" in audit["with"]["formats"]
    artifact = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    assert artifact["if"] == "always()" and artifact["with"]["path"].startswith("auditor-report")


@pytest.mark.parametrize("path", [NIGHTLY, PULL_REQUEST], ids=["nightly", "pull-request"])
def test_workflows_use_only_inputs_the_action_has(path: Path) -> None:
    inputs = set(_load(ACTION)["inputs"])
    for step in _action_uses(_load(path)):
        assert set(step["with"]) <= inputs, set(step["with"]) - inputs
        formats = step["with"].get("formats", "")
        from auditor.registry import load_registry

        assert set(formats.split(",")) <= set(load_registry().reporters)


def test_gitlab_example() -> None:
    ci = _load(GITLAB)
    base = ci[".auditor"]
    assert base["artifacts"]["reports"] == {"codequality": "auditor-report/report.gitlab.json",
                                            "junit": "auditor-report/report.junit.xml"}
    assert base["artifacts"]["when"] == "always"
    assert any("pip install" in line and "git+https://" in line for line in base["before_script"])
    mr = ci["auditor:merge-request"]
    assert mr["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    commands = [line for job in ("auditor:merge-request", "auditor:nightly") for line in ci[job]["script"] if "auditor audit" in line]
    assert any("--post gitlab" in c for c in commands) and any("--history" in c for c in commands)
    for command in commands:
        assert _flags_exist(command) == [], command
    nightly = ci["auditor:nightly"]
    assert nightly["cache"]["paths"] == [".auditor-history/"] and ".auditor-history/history.db" in nightly["script"][-1]


# -- pre-commit ------------------------------------------------------------------------------------------
def test_pre_commit_hook_runs_a_real_command(tmp_path: Path) -> None:
    [hook] = _load(HOOKS)
    assert hook["id"] == "auditor" and hook["pass_filenames"] is False and hook["language"] == "python"
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    program, command, *args = hook["entry"].split()
    assert scripts[program] == "auditor.cli:main" and command == "audit"
    assert _flags_exist(hook["entry"]) == []
    root = git_init(write_tree(tmp_path / "repo", {"app.py": "def f():\n    try:\n        g()\n    except:\n        pass\n"}))
    done = subprocess.run([sys.executable, "-m", "auditor", command, *args, "--fail-on", "high"], cwd=root,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 1 and done.stdout.startswith("auditor: score ")
    assert sorted(p.name for p in root.iterdir()) == [".git", "app.py"]  # --format none: nothing written
