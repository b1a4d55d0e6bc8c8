"""--git-history: secrets committed and later removed, found in real git repositories made in temp dirs."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from analysis.git_history import HistoryScan, scan_history
from auditor.config import Config, ConfigError
from auditor.engine import Scorecard, audit
from tests.helpers import git, git_init, write_tree

# Realistic-looking, made-up values (no run of consecutive characters, no word such as TEST in them).
STRIPE = "sk_live_" + "9rQz4Lm2Xw7Tn6Vb1Yc3Hd5Fj8Gp0Se"
GITHUB = "ghp_" + "K3mZq8Lw2Xr5Tn9Vb4Yc7Hd1Fj6Gp0Se2Ua8"
PASSWORD = "Vq8-Pz3r-Lm91-Xt"
SECRETS = (STRIPE, GITHUB, PASSWORD)
CLEAN = "import os\n\nDB_URL = os.environ['DB_URL']\n"


def _commit(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def _leaky_repo(root: Path) -> dict[str, str]:
    """A repository whose second commit added a live key and a placeholder, and whose third removed the file."""
    write_tree(root, {"app/db.py": CLEAN, "pyproject.toml": "[project]\nname = 'x'\n"})
    git_init(root)
    write_tree(root, {"app/keys.py": f'STRIPE_KEY = "{STRIPE}"\nAPI_TOKEN = "changeme"\nWEBHOOK_SECRET = "<your-secret>"\n'})
    added = _commit(root, "add keys")
    (root / "app" / "keys.py").unlink()
    removed = _commit(root, "remove keys")
    return {"added": added, "removed": removed}


def _history_findings(card: Scorecard) -> list[object]:
    return [f for f in card.findings if f.check_id == "security/secret-in-history"]


def _history_facts(card: Scorecard) -> dict[str, object]:
    facts = card.projects[0].facts["security"]["history"]
    assert isinstance(facts, dict)
    return facts


def _on(config: Config | None = None, **caps: object) -> Config:
    return Config.from_mapping({"git_history": {"enabled": True, **caps}}) if config is None else config


def test_a_secret_added_then_removed_is_found_with_its_commit_and_path(tmp_path: Path) -> None:
    shas = _leaky_repo(tmp_path)
    scan = scan_history(tmp_path)
    assert scan.error is None and not scan.truncated
    assert scan.commits == 3
    assert [(h.commit, h.path, h.hit.kind, h.present) for h in scan.hits] == [
        (shas["added"], "app/keys.py", "stripe-live-key", False)]
    card = audit(tmp_path, _on(), )
    findings = _history_findings(card)
    assert len(findings) == 1
    f = findings[0]
    assert f.path == "app/keys.py" and f.line == 1  # type: ignore[attr-defined]
    assert f.severity.value == "critical"  # type: ignore[attr-defined]
    assert shas["added"][:10] in f.message and "app/keys.py" in f.message  # type: ignore[attr-defined]
    assert "removed later" in f.message and "rotate it" in f.message  # type: ignore[attr-defined]
    facts = _history_facts(card)
    assert facts["scanned"] is True and facts["found"] == 1 and facts["truncated"] is False
    assert facts["commits"] == 3 and isinstance(facts["blobs"], int) and facts["blobs"] >= 2
    assert facts["by_kind"] == {"stripe-live-key": 1}
    assert isinstance(facts["seconds"], float) and facts["seconds"] >= 0
    assert "history" in card.timings


def test_placeholders_and_environment_lookups_in_history_are_not_findings(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/db.py": CLEAN})
    git_init(tmp_path)
    write_tree(tmp_path, {
        "app/settings.py": 'API_KEY = "<your-api-key>"\nSECRET_KEY = "changeme"\nTOKEN = os.environ["TOKEN"]\n',
        ".env.example": "DATABASE_PASSWORD=changethis\nSTRIPE_KEY=${STRIPE_KEY}\n",
    })
    _commit(tmp_path, "placeholders")
    (tmp_path / "app" / "settings.py").unlink()
    (tmp_path / ".env.example").unlink()
    _commit(tmp_path, "drop them")
    scan = scan_history(tmp_path)
    assert scan.error is None and scan.commits == 3 and scan.blobs >= 3
    assert scan.hits == ()
    assert _history_findings(audit(tmp_path, _on())) == []


def test_a_removed_secret_in_a_test_file_is_low(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/db.py": CLEAN})
    git_init(tmp_path)
    write_tree(tmp_path, {"tests/test_login.py": f'PASSWORD = "{PASSWORD}"\n'})
    _commit(tmp_path, "a fixture")
    (tmp_path / "tests" / "test_login.py").unlink()
    _commit(tmp_path, "drop it")
    [f] = _history_findings(audit(tmp_path, _on()))
    assert f.severity.value == "low" and f.path == "tests/test_login.py"  # type: ignore[attr-defined]


def test_a_secret_still_present_names_its_introducing_commit_once(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/db.py": CLEAN})
    git_init(tmp_path)
    write_tree(tmp_path, {"app/keys.py": f'GITHUB = "{GITHUB}"\n'})
    introduced = _commit(tmp_path, "add a token")
    write_tree(tmp_path, {"app/keys.py": f'GITHUB = "{GITHUB}"\nOTHER = 1\n'})
    _commit(tmp_path, "touch the file again")
    scan = scan_history(tmp_path)
    assert [(h.commit, h.present) for h in scan.hits] == [(introduced, True)]
    card = audit(tmp_path, _on())
    assert _history_findings(card) == []  # the work-tree check reports it; no second finding for one value
    [current] = [f for f in card.findings if f.check_id == "security/hardcoded-secret"]
    assert f"since commit {introduced[:10]} (app/keys.py)" in current.message
    assert _history_facts(card)["still_present"] == 1


def test_the_commit_cap_truncates_and_says_so(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/db.py": CLEAN, "app/old.py": f'TOKEN = "{GITHUB}"\n'})
    git_init(tmp_path)  # the oldest commit holds a token, removed next
    (tmp_path / "app" / "old.py").unlink()
    _commit(tmp_path, "remove the token")
    for i in range(4):
        write_tree(tmp_path, {"app/db.py": CLEAN + f"N = {i}\n"})
        _commit(tmp_path, f"change {i}")
    scan = scan_history(tmp_path, max_commits=3)
    assert scan.commits == 3 and scan.truncated
    assert scan.reason is not None and "max_commits" in scan.reason
    assert scan.hits == ()  # the token's commit lies outside the window
    card = audit(tmp_path, _on(max_commits=3))
    facts = _history_facts(card)
    assert facts["truncated"] is True and facts["commits"] == 3 and facts["max_commits"] == 3
    assert any("git history scan is incomplete" in n for n in _notices(card))
    whole = scan_history(tmp_path, max_commits=6)
    assert not whole.truncated and whole.commits == 6 and [h.path for h in whole.hits] == ["app/old.py"]


def test_the_time_cap_stops_the_scan_and_says_so(tmp_path: Path) -> None:
    _leaky_repo(tmp_path)
    ticks = iter(range(10_000))

    def clock() -> float:  # every look at the clock is one second later: the scan runs out after 5
        return float(next(ticks))

    scan = scan_history(tmp_path, max_seconds=5, clock=clock)
    assert scan.truncated and scan.reason is not None and "max_seconds" in scan.reason
    assert scan.hits == ()


def test_a_hostile_git_config_and_attributes_run_nothing(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    root = tmp_path / "t"
    root.mkdir()
    write_tree(root, {".gitattributes": "*.py filter=evil diff=evil merge=evil\n* text eol=crlf\n"})
    shas = _leaky_repo(root)
    touch = f"touch {markers}/"
    for key, value in {
        "filter.evil.clean": touch + "clean; cat", "filter.evil.smudge": touch + "smudge; cat",
        "filter.evil.process": touch + "process", "filter.evil.required": "true",
        "diff.evil.textconv": touch + "textconv", "diff.evil.command": touch + "diff_command",
        "diff.external": touch + "diff_external", "merge.evil.driver": touch + "merge",
        "core.fsmonitor": touch + "fsmonitor", "core.pager": touch + "pager", "core.hooksPath": str(markers),
        "core.sshCommand": touch + "ssh", "alias.log": "!" + touch + "alias", "alias.cat-file": "!" + touch + "alias",
    }.items():
        git(root, "config", key, value)
    for hook in ("post-checkout", "post-index-change", "reference-transaction"):
        (root / ".git" / "hooks" / hook).write_text(f"#!/bin/sh\n{touch}hook_{hook}\n")
        (root / ".git" / "hooks" / hook).chmod(0o755)
    card = audit(root, _on())
    [f] = _history_findings(card)
    assert shas["added"][:10] in f.message
    assert sorted(p.name for p in markers.iterdir()) == []


def test_without_the_flag_nothing_of_history_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _leaky_repo(tmp_path)

    def refuse(*args: object, **kwargs: object) -> HistoryScan:
        raise AssertionError("the history was read without --git-history")

    monkeypatch.setattr("analysis.git_history.scan_history", refuse)
    card = audit(tmp_path, Config())
    assert _history_findings(card) == []
    assert _history_facts(card) == {"scanned": False}
    [result] = [r for r in card.results if r.id == "security/secret-in-history"]
    assert result.status.value == "not_applicable" and "--git-history" in result.reason
    assert "history" not in card.timings


def test_a_subfolder_target_sees_only_its_own_history(tmp_path: Path) -> None:
    write_tree(tmp_path, {"svc/app.py": CLEAN, "other/app.py": CLEAN})
    git_init(tmp_path)
    write_tree(tmp_path, {"other/keys.py": f'KEY = "{STRIPE}"\n', "svc/keys.py": f'TOKEN = "{GITHUB}"\n'})
    _commit(tmp_path, "keys")
    (tmp_path / "other" / "keys.py").unlink()
    (tmp_path / "svc" / "keys.py").unlink()
    _commit(tmp_path, "drop keys")
    scan = scan_history(tmp_path / "svc")
    assert [(h.path, h.hit.kind) for h in scan.hits] == [("keys.py", "github-token")]


def test_a_merged_branch_is_read(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/db.py": CLEAN})
    git_init(tmp_path)
    git(tmp_path, "checkout", "-q", "-b", "feature")
    write_tree(tmp_path, {"app/feature.py": f'TOKEN = "{GITHUB}"\n'})
    on_branch = _commit(tmp_path, "feature with a token")
    git(tmp_path, "checkout", "-q", "main")
    write_tree(tmp_path, {"app/db.py": CLEAN + "X = 1\n"})
    _commit(tmp_path, "main moves")
    git(tmp_path, "merge", "-q", "--no-ff", "-m", "merge feature", "feature")
    (tmp_path / "app" / "feature.py").unlink()
    _commit(tmp_path, "drop the token")
    scan = scan_history(tmp_path)
    assert scan.commits == 5
    assert [(h.commit, h.path) for h in scan.hits] == [(on_branch, "app/feature.py")]


def test_a_crashing_history_scan_is_its_own_error_not_the_audits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _leaky_repo(tmp_path)

    def crash(*args: object, **kwargs: object) -> HistoryScan:
        raise RuntimeError("boom")

    monkeypatch.setattr("analysis.git_history.scan_history", crash)
    card = audit(tmp_path, _on())
    [result] = [r for r in card.results if r.id == "security/secret-in-history"]
    assert result.status.value == "not_applicable" and "RuntimeError: boom" in result.reason
    assert _history_facts(card)["error"] == "internal error: RuntimeError: boom"
    assert any("git history was not scanned" in n for n in _notices(card))
    assert next(r for r in card.results if r.id == "security/hardcoded-secret").status.value == "passed"


def test_not_a_git_repository_is_not_applicable(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/db.py": CLEAN})
    card = audit(tmp_path, _on())
    [result] = [r for r in card.results if r.id == "security/secret-in-history"]
    assert result.status.value == "not_applicable" and "not a git work tree" in result.reason
    assert _history_facts(card)["scanned"] is False


def _notices(card: Scorecard) -> list[str]:
    from reports.base import notices

    return notices(card)


# -- configuration ---------------------------------------------------------------------------------------------

def test_git_history_config_forms() -> None:
    assert Config().git_history.enabled is False
    assert Config.from_mapping({"git_history": True}).git_history.enabled is True
    table = Config.from_mapping({"git_history": {"max_commits": 50, "max_seconds": 5}}).git_history
    assert (table.enabled, table.max_commits, table.max_seconds) == (True, 50, 5.0)
    off = Config.from_mapping({"git_history": {"enabled": False, "max_commits": 50}}).git_history
    assert off.enabled is False and off.max_commits == 50


@pytest.mark.parametrize(("value", "message"), [
    ("yes", "'git_history' must be true, false or a table"),
    ({"max_commit": 5}, "unknown key 'git_history.max_commit'"),
    ({"max_commits": 2.5}, "'git_history.max_commits' must be a whole number"),
    ({"max_seconds": 0}, "'git_history.max_seconds' must be between"),
    ({"enabled": "on"}, "'git_history.enabled' must be true or false"),
])
def test_bad_git_history_config_is_one_clear_error(value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")):
        Config.from_mapping({"git_history": value}, "cfg.toml")


def test_a_targets_own_caps_are_clamped(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.auditor.git_history]\nmax_commits = 10000000\nmax_seconds = 99999\n"})
    config = Config.load(tmp_path)
    assert config.git_history.enabled is True
    assert config.git_history.max_commits == 100_000 and config.git_history.max_seconds == 600.0
    assert any("git_history.max_seconds" in w for w in config.warnings)


# -- the CLI: the flag, and no secret in any output ------------------------------------------------------------

@pytest.fixture
def cli_run(tmp_path: Path) -> Iterator[tuple[Path, subprocess.CompletedProcess[str], dict[str, str]]]:
    root = tmp_path / "t"
    root.mkdir()
    shas = _leaky_repo(root)
    write_tree(root, {"app/extra.py": CLEAN})
    _commit(root, "extra")
    write_tree(root, {"app/login.py": f'ADMIN_PASSWORD = "{PASSWORD}"\n'})
    _commit(root, "password")
    (root / "app" / "login.py").unlink()
    _commit(root, "drop password")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "auditor", "audit", str(root), "--git-history", "-o", str(out),
                           "--format", "json,md,html,sarif,junit,gitlab"], capture_output=True, text=True, timeout=180)
    yield out, proc, shas


def test_the_cli_flag_reports_removed_secrets_and_never_their_values(
        cli_run: tuple[Path, subprocess.CompletedProcess[str], dict[str, str]]) -> None:
    out, proc, shas = cli_run
    assert proc.returncode in (0, 1), proc.stderr
    data = json.loads((out / "report.json").read_text())
    history = [f for c in data["checks"] if c["id"] == "security/secret-in-history" for f in c["findings"]]
    assert sorted(f["path"] for f in history) == ["app/keys.py", "app/login.py"]
    assert any(shas["added"][:10] in f["message"] for f in history)
    assert data["projects"][0]["facts"]["security"]["history"]["found"] == 2
    schema = Path(__file__).parent.parent / "reports" / "schema" / "report.schema.json"
    jsonschema.validate(data, json.loads(schema.read_text(encoding="utf-8")))
    texts = [proc.stdout, proc.stderr] + [p.read_text(errors="replace") for p in out.iterdir() if p.is_file()]
    for secret in SECRETS:
        for text in texts:
            assert secret not in text
            assert secret[4:16] not in text  # not even a piece beyond the first four characters
