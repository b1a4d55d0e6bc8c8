"""Configuration loading and validation: every mistake is one line naming the file and the key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.config import Config, ConfigError
from auditor.model import Severity

FULL = """
[tool.auditor]
skip = ["openapi/*"]
exclude = ["legacy/**"]
check_timeout = 30
[tool.auditor.thresholds]
coverage = 70
[tool.auditor.weights]
security = 3
[tool.auditor.severity]
"errors/bare-except" = "medium"
[tool.auditor.gate]
fail_under = 85
fail_on = "high"
"""


def test_pyproject_table(make_repo: Callable[..., Path]) -> None:
    cfg = Config.load(make_repo({"pyproject.toml": FULL}))
    assert cfg.skip == ("openapi/*",)
    assert cfg.exclude == ("legacy/**",)
    assert cfg.threshold("coverage") == 70 and cfg.threshold("typing") == 90
    assert cfg.weights["security"] == 3 and cfg.weights["testing"] == 1
    assert cfg.severity == {"errors/bare-except": Severity.MEDIUM}
    assert (cfg.gate.fail_under, cfg.gate.fail_on) == (85, Severity.HIGH)
    assert cfg.check_timeout == 30


def test_dotfile_wins_and_explicit_file(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    root = make_repo({"pyproject.toml": FULL, ".auditor.toml": "[gate]\nfail_on = 'none'\n"})
    assert Config.load(root).gate.fail_on is None
    explicit = tmp_path / "ci.toml"
    explicit.write_text("[thresholds]\ncoverage = 55\n")
    assert Config.load(root, explicit).threshold("coverage") == 55


def test_pyproject_without_our_table_gives_defaults(make_repo: Callable[..., Path]) -> None:
    assert Config.load(make_repo({"pyproject.toml": "[project]\nname='x'\n"})) == Config()
    # A target's broken pyproject that never mentions us is the target's problem, not a config error.
    assert Config.load(make_repo({"pyproject.toml": "[project\nname="})) == Config()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.auditor]\nfail_undr = 3\n", "unknown key 'fail_undr'"),
        ("[tool.auditor.thresholds]\ncoverage = 'high'\n", "'thresholds.coverage' must be a number"),
        ("[tool.auditor.thresholds]\ncoverage = 180\n", "'thresholds.coverage' must be between 0 and 100"),
        ("[tool.auditor.thresholds]\nspeed = 1\n", "unknown key 'thresholds.speed'"),
        ("[tool.auditor.severity]\n'errors/x' = 'severe'\n", "'severity.errors/x': unknown severity 'severe'"),
        ("[tool.auditor.gate]\nfail_on = 3\n", "'gate.fail_on' must be a string"),
        ("[tool.auditor.gate]\nmax = 3\n", "unknown key 'gate.max'"),
        ("[tool.auditor]\nskip = 'a'\nonly = [1]\n", "'only' must be a list of strings"),
        ("[tool.auditor]\nexclude = [\n", "invalid TOML"),
        ("[tool.auditor]\noptions = 3\n", "'options' must be a table"),
    ],
)
def test_errors_name_file_and_key(make_repo: Callable[..., Path], text: str, message: str) -> None:
    root = make_repo({"pyproject.toml": text})
    with pytest.raises(ConfigError) as err:
        Config.load(root)
    assert message in str(err.value)
    assert str(err.value).startswith(str(root / "pyproject.toml"))
    assert "\n" not in str(err.value)


def test_check_options(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"pyproject.toml": "[tool.auditor.options.'api/latency']\np95_ms = 250\n"})
    cfg = Config.load(root)
    assert cfg.options == {"api/latency": {"p95_ms": 250}}
    cfg.check_options({"api/latency": {"p95_ms": 100.0}})  # a whole number is a number
    with pytest.raises(ConfigError, match=r"unknown key 'options\.\"api/latency\"\.p95_ms'"):
        cfg.check_options({"api/latency": {}})


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        Config.load(tmp_path, tmp_path / "nope.toml")
