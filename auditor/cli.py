"""The command line: parses options, calls the library, writes reports, maps the verdict to an exit code.

This is the only module that knows about argv, exit codes, the terminal and logging. Every fatal error
funnels through `_fail`, which prints one line and exits; no traceback reaches the user unless
`AUDITOR_DEBUG=1` is set.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from auditor import __version__
from auditor.errors import AuditError, UsageError

# Start-up: `auditor --version` and `auditor --help` import click and this module only. The engine (and through
# it the analysis layer, tree-sitter, radon, jinja2, the checks) is imported by the command that runs an audit,
# inside its function (tests/test_cli_startup.py).
if TYPE_CHECKING:
    from auditor.config import Config
    from auditor.context import AuditOptions
    from auditor.engine import Scorecard
    from auditor.live import LiveRequest

# auditor.live's defaults, repeated so that building the options does not import it (a test keeps them equal).
DEFAULT_MAX_EXAMPLES = 20
DEFAULT_TIMEOUT = 120.0

__all__ = ["main"]

EXIT_OK, EXIT_GATE, EXIT_USAGE, EXIT_ERROR = 0, 1, 2, 3
DEFAULT_FORMATS = ("html", "md", "json")
HISTORY_IN_REPORT = 30  # audits of the branch drawn in the HTML trend

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"auditor: error: {message}", err=True)
    sys.exit(code)


def _split(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


@dataclass(frozen=True, slots=True)
class AuditRequest:
    """Everything `auditor audit` was asked to do, parsed from argv once."""

    path: str
    formats: tuple[str, ...]
    output: Path
    config_file: str | None
    only: tuple[str, ...]
    skip: tuple[str, ...]
    fail_under: float | None
    fail_on: str | None
    run_tests: bool
    quiet: bool
    jobs: int = 0
    ci: Any = None  # publishers.ci.CiRequest: --post, --annotations and their options
    history: Path | None = None
    fail_on_regression: bool = False
    regression_severity: str | None = None
    max_drop: float | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    cache: bool = True
    cache_dir: str | None = None
    git_history: bool = False  # --git-history: also scan the commits reachable from HEAD for secrets
    change: Any = None  # auditor.change.ChangeRequest: `auditor pr` (the head against the merge base)
    fail_under_delta: float | None = None  # auditor pr: the largest score drop against the base the gate allows
    ref: str | None = None  # audit this tag or commit from git objects (--ref), not the work tree
    compare: str | None = None  # a previous JSON report to compare with (--compare)
    baseline: str | None = None  # a baseline file whose findings are hidden (--baseline)
    no_suppressions: bool = False  # inline suppressions are listed but hide nothing
    live: LiveRequest | None = None  # the live API phase (--api-url, --api-app, --api-command)
    python: str | None = None  # --python: the interpreter that runs the target's suite with --run-tests


class _Progress:
    """A one-line progress indicator on stderr, only for a terminal and only after the first second."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.start = time.monotonic()
        self.shown = False

    def __call__(self, what: str, done: int, total: int) -> None:
        if not self.enabled or time.monotonic() - self.start < 1.0:
            return
        self.shown = True
        width = 24
        filled = int(width * done / total) if total else 0
        sys.stderr.write(f"\r\x1b[2K[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {what[:40]}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="auditor", message="%(prog)s %(version)s")
def main() -> None:
    """Score a backend repository against backend quality standards."""
    logging.basicConfig(level=logging.DEBUG if os.environ.get("AUDITOR_DEBUG") else logging.WARNING,
                        format="auditor: %(message)s")


def ci_options(f: F) -> F:
    """The options of a CI run (`--post`, `--annotations`, ...); `auditor pr` reuses them with `parse_ci_options`."""
    options = [
        click.option("--post", type=click.Choice(["github", "gitlab"]), default=None,
                     help="Create or update the pull-request comment (and a commit status) on this forge."),
        click.option("--comment-id", default="", metavar="ID",
                     help="Keeps this job's comment apart from another auditor job's on the same pull request."),
        click.option("--pr", "pr_number", type=click.IntRange(1), default=None, metavar="N",
                     help="Pull/merge request number (default: from the CI environment)."),
        click.option("--repository", default=None, metavar="OWNER/NAME",
                     help="GitHub repository or GitLab project id/path (default: GITHUB_REPOSITORY / CI_PROJECT_ID)."),
        click.option("--forge-api-url", "api_url", default=None, metavar="URL",
                     help="The forge's REST API base (default: GITHUB_API_URL / CI_API_V4_URL)."),
        click.option("--token-env", default=None, metavar="VAR",
                     help="Environment variable holding the token (default: GITHUB_TOKEN / GITLAB_TOKEN)."),
        click.option("--sha", default=None, metavar="SHA", help="Head commit for the status and links (default: from the event)."),
        click.option("--no-status", is_flag=True, default=False, help="Do not set a commit status."),
        click.option("--annotations", type=click.Choice(["github"]), default=None,
                     help="Print GitHub workflow commands that annotate findings."),
        click.option("--annotations-min-severity", default="medium", show_default=True, metavar="SEVERITY",
                     help="Annotate findings at or above this severity."),
        click.option("--repository-url", default=None, metavar="URL",
                     help="Web URL of the repository, for links and SARIF provenance (default: from the CI environment)."),
        click.option("--report-url", default=None, metavar="URL",
                     help="Where the full report can be read (default: the CI run page)."),
        click.option("--forge-timeout", "api_timeout", type=click.FloatRange(1, 300), default=15.0, show_default=True,
                     help="Seconds to wait for each request to the forge's API."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def triage_options(f: F) -> F:
    """--baseline and --no-suppressions, shared by `auditor audit` and `auditor pr`."""
    f = click.option("--no-suppressions", is_flag=True, default=False,
                     help="List inline `auditor: ignore[...]` comments but let them hide nothing.")(f)
    return click.option("--baseline", type=click.Path(dir_okay=False), default=None, metavar="FILE",
                        help="Hide the findings this baseline holds (auditor baseline create); stale entries are "
                             "reported.")(f)


def parse_ci_options(post: str | None, comment_id: str, pr_number: int | None, repository: str | None,
                     api_url: str | None, token_env: str | None, sha: str | None, no_status: bool,
                     annotations: str | None, annotations_min_severity: str, repository_url: str | None,
                     report_url: str | None, api_timeout: float) -> Any:
    """The CI options as one value (raises UsageError on a bad one)."""
    from auditor.model import Severity
    from publishers.ci import CiRequest
    from reports.pr_comment import marker

    try:
        marker(comment_id)
        min_severity = Severity.parse(annotations_min_severity).value
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return CiRequest(post=post, comment_id=comment_id, pr=pr_number, repository=repository, api_url=api_url,
                     token_env=token_env, sha=sha, status=not no_status, annotations=annotations,
                     annotations_min_severity=min_severity, repository_url=repository_url, report_url=report_url,
                     timeout=api_timeout)


def _ci_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    names = inspect.signature(parse_ci_options).parameters
    return {k: kwargs.pop(k) for k in list(kwargs) if k in names}


def _guard(run: Callable[[], int]) -> NoReturn:
    """Run a command body, mapping every error to its one-line message and exit code."""
    from auditor.config import ConfigError
    from auditor.isolation import Terminated, terminate_on_signals
    from publishers.files import OutputError
    from publishers.history import HistoryError

    try:
        with terminate_on_signals():  # SIGTERM/SIGHUP unwind like Ctrl-C: children killed, temp folders removed
            code = run()
        sys.exit(code)
    except (ConfigError, UsageError) as exc:
        _fail(str(exc), EXIT_USAGE)
    except (AuditError, HistoryError, OutputError) as exc:
        _fail(str(exc), EXIT_ERROR)
    except KeyboardInterrupt:
        _fail("interrupted", EXIT_ERROR)
    except Terminated as exc:
        _fail(f"terminated by {exc}", EXIT_ERROR)
    except Exception as exc:
        if os.environ.get("AUDITOR_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (set AUDITOR_DEBUG=1 for details)", EXIT_ERROR)


@main.command("audit")
@click.argument("path", default=".", type=click.Path(file_okay=True, dir_okay=True))
@click.option("--format", "formats", multiple=True, metavar="LIST",
              help="Comma-separated report formats (default: html,md,json).")
@click.option("--output", "-o", default="auditor-report", type=click.Path(file_okay=False), show_default=True,
              help="Folder the reports are written to.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Configuration file (default: the target's .auditor.toml or [tool.auditor] in pyproject.toml).")
@click.option("--only", multiple=True, metavar="IDS", help="Run only these checks (ids, globs such as 'errors/*', or categories).")
@click.option("--skip", multiple=True, metavar="IDS", help="Do not run these checks.")
@click.option("--fail-under", type=float, default=None, help="Fail the gate when the score is below this (0-100).")
@click.option("--fail-on", default=None, metavar="SEVERITY",
              help="Fail the gate on any finding at or above this severity (critical, high, medium, low, info, none).")
@click.option("--run-tests", is_flag=True, default=False,
              help="EXECUTES THE TARGET'S CODE: run its test suite under coverage to measure coverage.")
@click.option("--python", "python", default=None, metavar="PATH",
              help="With --run-tests: the Python interpreter that runs the target's suite (it needs pytest and "
                   "coverage; default: the target's .venv, else the auditor's own).")
@click.option("--quiet", "-q", is_flag=True, default=False, help="No progress indicator, and only the verdict line.")
@click.option("--jobs", "-j", type=click.IntRange(0, 64), default=0, show_default=True,
              help="Check families run in this many processes at once (0: one per core, at most 4).")
@click.option("--history", "history", type=click.Path(dir_okay=False), default=None, metavar="DB",
              help="Append this audit to the SQLite history DB and compare it with the branch's previous audit.")
@click.option("--fail-on-regression", is_flag=True, default=False,
              help="Fail the gate on a regression against the previous audit in --history.")
@click.option("--regression-severity", default=None, metavar="SEVERITY",
              help="A new finding at or above this severity is a regression (critical, high, medium; default: high).")
@click.option("--max-drop", type=click.FloatRange(0, 100), default=None, metavar="POINTS",
              help="A score drop of more than this is a regression (default: 0.5).")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Cache of file models of unchanged files (default: $XDG_CACHE_HOME/auditor or ~/.cache/auditor).")
@click.option("--no-cache", is_flag=True, default=False, help="Neither read nor write the cache: analyse every file.")
@click.option("--git-history", is_flag=True, default=False,
              help="Also scan the commits reachable from HEAD for secrets committed and later removed (through git "
                   "only, capped by git_history.max_commits / max_seconds in the configuration).")
@click.option("--ref", default=None, metavar="REV",
              help="Audit this tag or commit from a temporary export of git objects; the work tree is not touched.")
@click.option("--compare", "compare_report", type=click.Path(dir_okay=False), default=None, metavar="REPORT",
              help="Compare with a previous JSON report: findings marked new or unchanged, the fixed ones listed.")
@triage_options
@click.option("--api-url", "live_url", metavar="URL", default=None,
              help="TALKS TO A SERVICE: exercise the API already running at URL with schemathesis.")
@click.option("--api-app", "live_app", metavar="MODULE:ATTR", default=None,
              help="EXECUTES THE TARGET'S CODE: import its ASGI/WSGI app (e.g. app.main:app) in a subprocess and exercise it.")
@click.option("--api-command", "live_command", metavar="CMD", default=None,
              help="EXECUTES THE TARGET'S CODE: start the service with CMD ({port} is replaced by a free port on "
                   "127.0.0.1), exercise it, stop it.")
@click.option("--api-spec", "live_spec", metavar="FILE|URL", default=None,
              help="The OpenAPI spec to test against (default: the committed spec, else the one the service serves).")
@click.option("--api-max-examples", "live_max_examples", type=click.IntRange(1, 10_000), default=DEFAULT_MAX_EXAMPLES,
              show_default=True,
              help="Generated requests per operation, for valid and for invalid inputs each.")
@click.option("--api-timeout", "live_timeout", type=click.FloatRange(1, 86_400), default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds for the whole live API phase, start-up included.")
@click.option("--api-p95-ms", "live_p95_ms", type=click.FloatRange(0, 600_000, min_open=True), default=None,
              help="p95 latency budget per operation in milliseconds (default: the api/latency option p95_ms, 100).")
@ci_options
def audit_command(path: str, formats: tuple[str, ...], output: str, config_file: str | None,
                  only: tuple[str, ...], skip: tuple[str, ...], fail_under: float | None, fail_on: str | None,
                  run_tests: bool, python: str | None, quiet: bool, jobs: int, history: str | None, fail_on_regression: bool,
                  regression_severity: str | None, max_drop: float | None, cache_dir: str | None, no_cache: bool,
                  git_history: bool, ref: str | None, compare_report: str | None, baseline: str | None,
                  no_suppressions: bool, live_url: str | None, live_app: str | None, live_command: str | None,
                  live_spec: str | None, live_max_examples: int, live_timeout: float, live_p95_ms: float | None,
                  **ci: Any) -> None:
    """Audit the repository at PATH (default: the current directory) and write its reports."""

    def run() -> int:
        live = _live_request(live_url, live_app, live_command, live_spec, live_max_examples, live_timeout, live_p95_ms)
        request = AuditRequest(path, _split(formats) or DEFAULT_FORMATS, Path(output), config_file,
                               _split(only), _split(skip), fail_under, fail_on, run_tests, quiet, jobs,
                               ci=parse_ci_options(**_ci_kwargs(ci)), history=Path(history) if history else None,
                               fail_on_regression=fail_on_regression, regression_severity=regression_severity,
                               max_drop=max_drop, cache=not no_cache, cache_dir=cache_dir, git_history=git_history, ref=ref,
                               compare=compare_report, baseline=baseline, no_suppressions=no_suppressions,
                               live=live, python=_python(python, run_tests))
        return _audit(request)

    _guard(run)


@main.command("pr")
@click.argument("path", default=".", type=click.Path(file_okay=False, dir_okay=True))
@click.option("--base", required=True, metavar="REF",
              help="The branch (or tag, commit) the change merges into; the merge base of REF and HEAD is audited.")
@click.option("--base-report", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="A JSON report of the base instead of auditing the merge base.")
@click.option("--config-from-base", is_flag=True, default=False,
              help="Read the configuration from the merge base, not from the change (a fork cannot switch checks off).")
@click.option("--fail-under-delta", type=click.FloatRange(0, 100), default=None, metavar="POINTS",
              help="Fail the gate when the score drops by more than this against the base.")
@click.option("--format", "formats", multiple=True, metavar="LIST",
              help="Comma-separated report formats (default: html,md,json).")
@click.option("--output", "-o", default="auditor-report", type=click.Path(file_okay=False), show_default=True,
              help="Folder the reports are written to.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Configuration file (default: the target's; see --config-from-base).")
@click.option("--only", multiple=True, metavar="IDS", help="Run only these checks (ids, globs or categories).")
@click.option("--skip", multiple=True, metavar="IDS", help="Do not run these checks.")
@click.option("--fail-under", type=float, default=None, help="Also fail the gate when the head's score is below this.")
@click.option("--fail-on", default=None, metavar="SEVERITY",
              help="Fail the gate on any NEW finding at or above this severity (critical, high, medium, low, info, none).")
@click.option("--quiet", "-q", is_flag=True, default=False, help="No progress indicator, and only the verdict line.")
@click.option("--jobs", "-j", type=click.IntRange(0, 64), default=0, show_default=True,
              help="Check families run in this many processes at once (0: one per core, at most 4).")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Cache of file models of unchanged files.")
@click.option("--no-cache", is_flag=True, default=False, help="Neither read nor write the cache: analyse every file.")
@triage_options
@ci_options
def pr_command(path: str, base: str, base_report: str | None, config_from_base: bool, fail_under_delta: float | None,
               formats: tuple[str, ...], output: str, config_file: str | None, only: tuple[str, ...],
               skip: tuple[str, ...], fail_under: float | None, fail_on: str | None, quiet: bool, jobs: int,
               cache_dir: str | None, no_cache: bool, baseline: str | None, no_suppressions: bool, **ci: Any) -> None:
    """Audit a change: HEAD against the merge base of --base and HEAD; only the findings it adds count."""
    from auditor.change import ChangeRequest

    def run() -> int:
        if config_from_base and config_file is not None:
            raise UsageError("--config-from-base and --config exclude each other: choose where the configuration comes from")
        request = AuditRequest(path, _split(formats) or DEFAULT_FORMATS, Path(output), config_file, _split(only),
                               _split(skip), fail_under, fail_on, False, quiet, jobs,
                               ci=parse_ci_options(**_ci_kwargs(ci)), cache=not no_cache, cache_dir=cache_dir,
                               change=ChangeRequest(base, base_report, config_from_base),
                               fail_under_delta=fail_under_delta, baseline=baseline, no_suppressions=no_suppressions)
        return _audit(request)

    _guard(run)


def _formats(formats: Sequence[str], reporters: dict[str, Any]) -> tuple[str, ...]:
    """The formats asked for; `none` alone writes no report file."""
    if tuple(formats) == ("none",):
        return ()
    unknown = [f for f in formats if f not in reporters]
    if unknown:
        raise UsageError(f"unknown format {unknown[0]!r} (available: {', '.join(sorted(reporters))}, or none)")
    return tuple(dict.fromkeys(formats))


def _gate_overrides(config: Config, req: AuditRequest) -> Config:
    from auditor.config import parse_fail_on, parse_regression_severity

    gate = config.gate
    if req.fail_under is not None:
        gate = replace(gate, fail_under=req.fail_under)
    try:
        if req.fail_on is not None:
            gate = replace(gate, fail_on=parse_fail_on(req.fail_on))
        if req.regression_severity is not None:
            gate = replace(gate, regression_severity=parse_regression_severity(req.regression_severity))
    except ValueError as exc:
        flag = "--fail-on" if req.fail_on is not None and "regression" not in str(exc) else "--regression-severity"
        raise UsageError(f"{flag}: {exc}") from None
    if req.max_drop is not None:
        gate = replace(gate, max_drop=req.max_drop)
    if req.fail_on_regression:
        gate = replace(gate, fail_on_regression=True)
    return config.with_overrides(gate=gate)


def _python(python: str | None, run_tests: bool) -> str | None:
    """The absolute path of the --python interpreter, checked before any work; a wrong one is a usage error."""
    if python is None:
        return None
    if not run_tests:
        raise UsageError("--python needs --run-tests")
    found = shutil.which(python) if os.sep not in python else python
    if found is None or not os.path.isfile(found) or not os.access(found, os.X_OK):
        raise UsageError(f"--python: not an executable file: {python}")
    return os.path.abspath(found)


def _live_request(url: str | None, app: str | None, command: str | None, spec: str | None, max_examples: int,
                  timeout: float, p95_ms: float | None) -> LiveRequest | None:
    """The live API phase the flags ask for, or None; a wrong combination is a usage error."""
    modes = [(name, value) for name, value in (("url", url), ("app", app), ("command", command)) if value is not None]
    if len(modes) > 1:
        raise UsageError("pass only one of --api-url, --api-app and --api-command")
    if not modes:
        given = [flag for flag, value in (("--api-spec", spec), ("--api-p95-ms", p95_ms)) if value is not None]
        if max_examples != DEFAULT_MAX_EXAMPLES:
            given.append("--api-max-examples")
        if timeout != DEFAULT_TIMEOUT:
            given.append("--api-timeout")
        if given:
            raise UsageError(f"{given[0]} needs --api-url, --api-app or --api-command")
        return None
    if spec is not None and not spec.lower().startswith(("http://", "https://")) and not Path(spec).is_file():
        raise UsageError(f"--api-spec: no such file: {spec}")
    from auditor.live import LiveRequest

    mode, target = modes[0]
    try:
        return LiveRequest(mode, target, spec=spec, max_examples=max_examples, timeout=timeout, p95_ms=p95_ms)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _audit(req: AuditRequest) -> int:
    from auditor.context import AuditOptions
    from auditor.registry import load_registry
    from publishers.files import check_output
    from publishers.history import History
    from reports.base import scorecard_to_dict

    registry = load_registry()
    formats = _formats(req.formats, registry.reporters)
    if req.fail_under is not None and not 0 <= req.fail_under <= 100:
        raise UsageError("--fail-under must be between 0 and 100")
    if not Path(req.path).exists():
        raise AuditError(f"path does not exist: {req.path}")
    if formats:
        check_output(req.output, req.path)  # before any work: an output folder we may not write is refused at once
    triage_rules = _triage_rules(req)
    early = _configure(req, None, "") if req.change is None and req.ref is None else None  # errors before any work
    history = History.open(req.history) if req.history else None  # fail before the audit, not after it
    for error in registry.errors:
        click.echo(f"auditor: warning: {error}", err=True)
    progress = _Progress(enabled=not req.quiet)
    options = AuditOptions(run_tests=req.run_tests, python=req.python, jobs=req.jobs, cache=req.cache,
                           cache_dir=req.cache_dir, live=req.live)
    try:
        card, _config = _produce(req, options, registry, progress, triage_rules, early)
    finally:
        progress.close()
    regression, trend = None, None
    if history is not None:
        card, regression, trend = _record(card, history)
    data = _with_ci_remote(scorecard_to_dict(card, regression=regression, history=trend), req.ci)
    written = _write_reports(data, card, formats, req.output, registry.reporters, req.ci)
    click.echo(_summary(card, written, quiet=req.quiet, data=data))
    _publish(data, req)
    return EXIT_OK if card.gate.passed else EXIT_GATE


def _configure(req: AuditRequest, tree: Path | None, source_name: str) -> Config:
    """The configuration: --config FILE, else the one `tree` holds (the merge base, a --ref's commit), else the
    target's; warnings printed, then the flags applied."""
    from auditor.change import load_config_from
    from auditor.config import Config

    if tree is not None and req.config_file is None:
        config = load_config_from(tree, source_name)
    else:
        config = Config.load(req.path, req.config_file)
    for warning in config.warnings:
        click.echo(f"auditor: warning: {terminal_safe(warning)}", err=True)
    config = _gate_overrides(config, req).with_overrides(only=req.only or None, skip=req.skip or None)
    if req.fail_under_delta is not None:
        config = config.with_overrides(gate=replace(config.gate, fail_under_delta=req.fail_under_delta))
    if req.git_history:
        config = config.with_overrides(git_history=replace(config.git_history, enabled=True))
    return config


def _triage_rules(req: AuditRequest) -> Any:
    from auditor.triage import Baseline, BaselineError, TriageRules

    if req.baseline is None and not req.no_suppressions:
        return None
    try:
        baseline = Baseline.load(req.baseline) if req.baseline is not None else None
    except BaselineError as exc:
        raise UsageError(f"--baseline: {exc}") from None
    return TriageRules(baseline=baseline, suppressions=not req.no_suppressions)


def _produce(req: AuditRequest, options: AuditOptions, registry: Any, progress: Any,
             triage_rules: Any, config: Config | None = None) -> tuple[Scorecard, Config]:
    """The scorecard asked for: of the work tree, of a --ref, or of a change against its base (auditor pr)."""
    from auditor.change import audit_change, audit_ref, change_gate
    from auditor.engine import audit

    if req.change is not None:
        def config_for(tree: Path | None) -> Config:
            return _configure(req, tree, f"{req.change.base} (merge base)")

        card, config = audit_change(req.path, req.change, config_for, options, registry=registry, progress=progress,
                                    triage=triage_rules)
        return change_gate(card, config, req.fail_under), config
    if req.ref is not None:
        chosen: list[Config] = []

        def config_of_ref(tree: Path | None) -> Config:
            chosen.append(_configure(req, tree, f"{req.ref}"))
            return chosen[-1]

        card = audit_ref(req.path, req.ref, config_of_ref, options, registry=registry, progress=progress,
                         triage=triage_rules)
        config = chosen[-1]
    else:
        config = config or _configure(req, None, "")
        card = audit(req.path, config, options, registry=registry, progress=progress, triage=triage_rules)
    if req.compare is not None:
        card = _compare_with_report(card, req.compare)
    return card, config


def _compare_with_report(card: Scorecard, path: str) -> Scorecard:
    """--compare: every finding marked new or unchanged against a previous report, the fixed ones listed; the
    gate stays the audit's own."""
    from auditor.change import read_report, renames_since
    from auditor.triage import compare

    previous = read_report(path, "--compare")
    old = previous.repo.git.commit if previous.repo.git else None
    new = card.repo.git.commit if card.repo.git else None
    return compare(card, previous, base_name=path, mode="previous-report", merge_base=old or "",
                   renames=renames_since(card.target, old, new))


def _record(card: Scorecard, history: Any) -> tuple[Scorecard, Any, list[dict[str, Any]]]:
    """Compare with the branch's previous audit (which may fail the gate), then append this one."""
    from auditor.scoring import evaluate_regression, gate_with_regression
    from reports.base import scorecard_to_dict

    try:
        git = card.repo.git
        branch = git.branch if git else None
        previous = history.previous(branch)
        regression = None
        if previous is not None:
            regression = evaluate_regression(card.score, card.findings, previous, card.config.gate)
            card = replace(card, gate=gate_with_regression(card.gate, regression, card.config.gate))
        history.append(scorecard_to_dict(card, regression=regression))
        trend = [row.to_json() for row in history.rows(HISTORY_IN_REPORT, branch=branch, only_branch=True)]
    finally:
        history.close()
    return card, regression, trend


def _with_ci_remote(data: dict[str, Any], ci: Any) -> dict[str, Any]:
    """`target.remote` from --repository-url or the CI environment when they name the repository."""
    from publishers.ci import CiRequest, with_ci_remote

    return with_ci_remote(data, ci or CiRequest(), os.environ)


def _template_cache(card: Scorecard | None) -> Any:
    """Where the HTML report's compiled template is kept: the audit's cache, unless it ran without one."""
    if card is None or not card.options.cache:
        return None
    from analysis.cache import ModelCache
    from auditor.auditcache import template_cache

    cache = ModelCache.open(Path(card.options.cache_dir) if card.options.cache_dir else None, target=card.target,
                            packs=False)
    return template_cache(cache) if cache is not None else None


def _reporter(cls: Any, ci: Any, templates: Any = None) -> Any:
    """A reporter instance; one that takes a `forge` (links, SARIF provenance) gets it from the CI context, one that
    takes `templates` (the HTML report) the cache of compiled templates."""
    try:
        params: Any = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        params = {}
    if "templates" in params and templates is not None:
        return cls(templates=templates)
    if "forge" not in params:
        return cls()
    from publishers.ci import CiRequest, forge_for

    kwargs: dict[str, Any] = {"forge": forge_for(ci or CiRequest(), os.environ)}
    if "comment_id" in params and ci is not None:
        kwargs["comment_id"] = ci.comment_id
    return cls(**kwargs)


def _write_reports(data: dict[str, Any], card: Scorecard | None, formats: Sequence[str], output: Path,
                   reporters: dict[str, Any], ci: Any = None) -> list[Path]:
    """Render every format first, then publish the set whole (publishers.files): the one writer of
    `auditor audit` and `auditor report`."""
    from publishers.files import publish
    from reports.base import render_report

    if not formats:
        return []
    templates = _template_cache(card)
    rendered: dict[str, str] = {}
    for fmt in formats:
        reporter = _reporter(reporters[fmt], ci, templates)
        try:
            rendered[f"report.{reporter.extension}"] = render_report(reporter, data, card)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return publish(output, rendered, target=card.target if card is not None else None)


def _publish(data: dict[str, Any], req: AuditRequest) -> None:
    """Comment, status, annotations, job summary: warnings on stderr, never a different exit code."""
    from publishers.ci import CiRequest, publish

    outcome = publish(data, req.ci or CiRequest(), os.environ, req.output)
    for line in outcome.stdout:
        click.echo(line)
    if outcome.posted and not req.quiet:
        click.echo(f"  Pull-request comment {outcome.posted}")
    for warning in outcome.warnings:
        click.echo(f"auditor: warning: {warning}", err=True)


def _summary(card: Scorecard, written: list[Path], *, quiet: bool, data: dict[str, Any] | None = None) -> str:
    regression = (data or {}).get("regression") or {}
    if quiet:
        extra = f" [regression: {'; '.join(regression['reasons'])}]" if regression.get("regressed") else ""
        return _summary_lines(card, written, quiet=True) + extra
    out = _summary_lines(card, written, quiet=False)
    lines: list[str] = []
    if regression:
        prev = regression["previous"]
        delta = regression["delta"]
        change = "n/a" if delta is None else f"{delta:+.2f}"
        since = f"{(prev['commit'] or '')[:10]} ({prev['date']})"
        lines.append(f"  Since the previous audit of this branch, {since}: score {change}")
        for reason in regression["reasons"]:
            lines.append(f"  REGRESSION: {terminal_safe(reason)}")
        for f in regression["new_findings"][:5]:
            loc = f"{f['path']}:{f['line']}" if f["path"] and f["line"] else (f["path"] or "")
            lines.append(f"    new {f['severity'].upper():8} {f['check_id']:28} {terminal_safe(loc)}")
    lines += _diff_lines(card)
    for error in card.plugin_errors:
        lines.append(f"  PLUGIN ERROR: {terminal_safe(error)} (its checks did not run; the score may be incomplete)")
    if not lines:
        return out
    head, sep, tail = out.partition("\n  Reports: ")
    return head.rstrip("\n") + "\n" + "\n".join(lines) + (f"\n\n  Reports: {tail}" if sep else "")


def _diff_lines(card: Scorecard) -> list[str]:
    """What a change did (auditor pr, --compare): counts, the score delta, the new findings first."""
    diff = card.diff
    if diff is None:
        return []
    if diff.mode == "full-audit-fallback":
        return [f"  NOT COMPARED with {terminal_safe(diff.base)}: {terminal_safe(diff.reason)}"]
    against = terminal_safe(diff.base) + (f" (merge base {diff.merge_base[:10]})" if diff.merge_base else "")
    delta = "n/a" if diff.score_delta is None else f"{diff.score_delta:+.2f}"
    lines = [f"  Against {against}: {diff.new} new, {diff.unchanged} unchanged, {len(diff.fixed)} fixed; score {delta}"]
    for f in [f for f in card.findings if f.change == "new"][:5]:
        loc = f"{f.path}:{f.line}" if f.path and f.line else (f.path or "")
        lines.append(f"    new {f.severity.value.upper():8} {terminal_safe(f.check_id):28} {terminal_safe(loc)}")
    return lines


def _summary_lines(card: Scorecard, written: list[Path], *, quiet: bool) -> str:
    from auditor.model import Severity, Status
    from reports.base import notices

    verdict = "PASSED" if card.gate.passed else "FAILED"
    score = "n/a" if card.score is None else f"{card.score:.1f}"
    line = f"auditor: score {score}/100, grade {card.grade}, gate {verdict}"
    if quiet:
        return line + ("" if card.gate.passed else " (" + "; ".join(terminal_safe(r) for r in card.gate.reasons) + ")")
    git = card.repo.git
    where = f" ({terminal_safe(git.branch or 'detached')} @ {terminal_safe(git.commit[:10])})" if git and git.commit else ""
    out = [f"auditor {__version__}: {terminal_safe(str(card.target))}{where}", ""]
    out.append(f"  Score {score} / 100    Grade {card.grade}    Gate {verdict}")
    for reason in card.gate.reasons:
        out.append(f"    - {terminal_safe(reason)}")
    for notice in notices(card):
        out.append(f"  note: {terminal_safe(notice)}")
    out.append("")
    for p in card.projects:
        prefix = f"  [{terminal_safe(p.project.label)}] " if len(card.projects) > 1 else "  "
        cats = "   ".join(f"{terminal_safe(c.name)} {c.score:.0f}" for c in p.categories)
        out.append(f"{prefix}{cats}")
    counts = card.severity_counts()
    out.append("  Findings: " + ", ".join(f"{n} {sev}" for sev, n in counts.items()))
    for p in card.projects:
        api = p.facts.get("api")
        if isinstance(api, dict) and "requests" in api:
            out.append(f"  Live API ({terminal_safe(str(api['mode']))}): {api['operations_tested']} of {api['operations']} "
                       f"operations, {api['requests']} requests in {api['duration_seconds']:.1f} s")
    statuses = [r for r in card.results if r.status in (Status.ERROR, Status.NOT_AVAILABLE)]
    for r in statuses:
        out.append(f"  {r.status.value}: {terminal_safe(r.check.id)}: {terminal_safe(r.reason)}")
    worst = [f for f in card.findings if f.severity is not Severity.INFO][:5]
    if worst:
        out.append("")
        out.append("  Worst findings:")
        for f in worst:
            loc = f"{f.path}:{f.line}" if f.path and f.line else (f.path or "")
            out.append(f"    {f.severity.value.upper():8} {terminal_safe(f.check_id):28} {terminal_safe(loc)}")
            out.append(f"             {terminal_safe(f.message)[:150]}")
    if card.problems:
        out.append(f"  {len(card.problems)} file(s) could not be parsed (listed in the reports)")
    if written:
        out.append("")
        out.append("  Reports: " + ", ".join(terminal_safe(str(p)) for p in written))
    return "\n".join(out)


@main.group("baseline")
def baseline_group() -> None:
    """Baselines: the known findings of a repository, hidden from later audits (--baseline FILE)."""


@baseline_group.command("create")
@click.argument("path", default=".", type=click.Path(file_okay=False, dir_okay=True))
@click.option("--output", "-o", "baseline_file", default="auditor-baseline.json", show_default=True,
              type=click.Path(dir_okay=False), help="The baseline file to write (replaced whole).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Configuration file (default: the target's).")
@click.option("--only", multiple=True, metavar="IDS", help="Run only these checks.")
@click.option("--skip", multiple=True, metavar="IDS", help="Do not run these checks.")
@click.option("--quiet", "-q", is_flag=True, default=False, help="No progress indicator.")
@click.option("--jobs", "-j", type=click.IntRange(0, 64), default=0, show_default=True,
              help="Check families run in this many processes at once (0: one per core, at most 4).")
def baseline_create_command(path: str, baseline_file: str, config_file: str | None, only: tuple[str, ...],
                            skip: tuple[str, ...], quiet: bool, jobs: int) -> None:
    """Audit PATH and write the fingerprints of its findings (with how many of each) to a baseline file."""

    def run() -> int:
        from auditor.context import AuditOptions
        from auditor.engine import audit
        from auditor.registry import load_registry
        from auditor.triage import Baseline

        if not Path(path).exists():
            raise AuditError(f"path does not exist: {path}")
        req = AuditRequest(path, (), Path("."), config_file, _split(only), _split(skip), None, None, False, quiet, jobs)
        config = _configure(req, None, "")
        registry = load_registry()
        progress = _Progress(enabled=not quiet)
        try:
            card = audit(path, config, AuditOptions(jobs=jobs), registry=registry, progress=progress)
        finally:
            progress.close()
        single = len(card.projects) == 1
        found = [("" if single else p.project.label, f) for p in card.projects for r in p.results for f in r.findings]
        git = card.repo.git
        baseline = Baseline.from_findings(found, commit=git.commit if git else None,
                                          created_at=card.started_at.isoformat(timespec="seconds"))
        _write_whole(Path(baseline_file), json.dumps(baseline.to_json(), indent=2, ensure_ascii=False) + "\n")
        click.echo(f"auditor: baseline of {len(found)} finding(s) ({len(baseline.entries)} fingerprints) written to "
                   f"{terminal_safe(baseline_file)}")
        return EXIT_OK

    _guard(run)


def _write_whole(path: Path, text: str) -> None:
    """Write a file the user named: whole or not at all (a temporary file renamed over it), the umask honoured."""
    import tempfile

    from publishers.files import OutputError

    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temp, 0o666 & ~mask)
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


@main.command("checks")
@click.option("--json", "as_json", is_flag=True, help="Print the declarations as JSON.")
@click.option("--markdown", "as_markdown", is_flag=True, help="Print the reference page (docs/checks.md).")
def checks_command(as_json: bool, as_markdown: bool) -> None:
    """List every available check without running any."""
    from auditor.registry import load_registry

    registry = load_registry()
    if as_json:
        import json

        click.echo(json.dumps([c.describe() for c in registry.checks], indent=2))
    elif as_markdown:
        click.echo(_checks_markdown(registry.checks), nl=False)
    else:
        rows = [(c.id, c.category, c.severity.value, ",".join(sorted(c.languages)) or "any", c.title)
                for c in registry.checks]
        headers = ("ID", "CATEGORY", "SEVERITY", "LANGUAGES")
        widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
        for row in [(*headers, "TITLE"), *rows]:
            click.echo("  ".join(col.ljust(widths[i]) if i < 4 else col for i, col in enumerate(row)).rstrip())
    for err in registry.errors:
        click.echo(f"auditor: warning: {err}", err=True)


MAX_REPORT_BYTES = 512 * 1024 * 1024


@main.command("report")
@click.argument("report_json", type=click.Path(dir_okay=False))
@click.option("--format", "formats", multiple=True, metavar="LIST",
              help="Comma-separated formats to render (default: html,md,json).")
@click.option("--output", "-o", default="auditor-report", type=click.Path(file_okay=False), show_default=True,
              help="Folder the reports are written to.")
@click.option("--repository-url", default=None, metavar="URL", help="Web URL of the repository, for links and SARIF provenance.")
@click.option("--report-url", default=None, metavar="URL", help="Where the full report can be read.")
@click.option("--comment-id", default="", metavar="ID", help="The pull-request comment's id (format pr-comment).")
def report_command(report_json: str, formats: tuple[str, ...], output: str, repository_url: str | None,
                   report_url: str | None, comment_id: str) -> None:
    """Re-render a saved report.json in other formats (the same writer as `audit`)."""

    def run() -> int:
        from auditor.registry import load_registry

        registry = load_registry()
        chosen = _formats(_split(formats) or DEFAULT_FORMATS, registry.reporters)
        ci = parse_ci_options(None, comment_id, None, None, None, None, None, True, None, "medium", repository_url,
                              report_url, 15.0)
        data = _load_report(Path(report_json))
        if repository_url:  # the saved report's own remote stands unless a flag names another
            data = _with_ci_remote(data, ci)
        try:
            written = _write_reports(data, None, chosen, Path(output), registry.reporters, ci)
        except (KeyError, TypeError, AttributeError, IndexError) as exc:
            raise UsageError(f"{report_json}: not a well-formed auditor report ({type(exc).__name__}: {exc})") from None
        click.echo("Reports: " + ", ".join(str(p) for p in written))
        return EXIT_OK

    _guard(run)


def _load_report(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_REPORT_BYTES + 1)
    except FileNotFoundError:
        raise AuditError(f"report not found: {path}") from None
    except OSError as exc:
        raise AuditError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_REPORT_BYTES:
        raise UsageError(f"{path}: larger than {MAX_REPORT_BYTES // (1024 * 1024)} MiB")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"{path}: not JSON ({str(exc).splitlines()[0][:120]})") from None
    if not isinstance(data, dict) or not str(data.get("schema_version", "")).startswith("1."):
        raise UsageError(f"{path}: not an auditor JSON report (schema_version 1.x expected)")
    missing = [k for k in ("tool", "target", "score", "grade", "gate", "checks", "projects", "severity_counts")
               if k not in data]
    if missing:
        raise UsageError(f"{path}: not a complete auditor report (missing {', '.join(missing)})")
    return data


@main.command("history")
@click.argument("db", type=click.Path(dir_okay=False))
@click.option("--limit", "-n", type=click.IntRange(1, 100_000), default=20, show_default=True, help="How many audits.")
@click.option("--branch", default=None, help="Only this branch's audits.")
@click.option("--json", "as_json", is_flag=True, help="Print the audits as JSON.")
def history_command(db: str, limit: int, branch: str | None, as_json: bool) -> None:
    """Print the trend of the audits recorded in the history DB, oldest first."""
    from publishers.history import History

    def run() -> int:
        if not Path(db).is_file():
            raise AuditError(f"history database not found: {db}")
        with History.open(db) as history:
            rows = history.rows(limit, branch=branch, only_branch=branch is not None)
        if as_json:
            click.echo(json.dumps([r.to_json() for r in rows], indent=2))
            return EXIT_OK
        click.echo(_history_table(rows))
        return EXIT_OK

    _guard(run)


def _history_table(rows: Sequence[Any]) -> str:
    from reports.base import terminal_safe

    if not rows:
        return "no audits recorded"
    table = [("DATE", "COMMIT", "BRANCH", "SCORE", "CHANGE", "GRADE", "GATE", "CRIT", "HIGH", "MED", "CATEGORIES")]
    last: float | None = None
    for r in rows:
        change = "" if r.score is None or last is None else f"{r.score - last:+.2f}"
        last = r.score if r.score is not None else last
        cats = ", ".join(f"{terminal_safe(k)} {v:.0f}" for k, v in r.categories.items() if v is not None)
        table.append((r.date.replace("T", " ")[:19], (r.commit or "-")[:10], terminal_safe(r.branch or "(detached)"),
                      "n/a" if r.score is None else f"{r.score:.1f}", change, r.grade, "passed" if r.gate_passed else "FAILED",
                      str(r.severity_counts["critical"]), str(r.severity_counts["high"]), str(r.severity_counts["medium"]), cats))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]) - 1)]
    return "\n".join("  ".join(col.ljust(widths[i]) for i, col in enumerate(row[:-1])) + "  " + row[-1] for row in table)


def _checks_markdown(checks: Sequence[type[Any]]) -> str:
    lines = [
        "# Checks",
        "",
        "Generated by `auditor checks --markdown`; a test keeps it in step with the code. Check ids are public",
        "names: new checks get new ids, and an id is never renamed or reused.",
        "",
        "| id | category | severity | languages | effort | title |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for c in checks:
        langs = ", ".join(sorted(c.languages)) or "any"
        lines.append(f"| [`{c.id}`](#{c.id.replace('/', '')}) | {c.category} | {c.severity.value} | {langs} "
                     f"| {c.effort.value} | {c.title} |")
    for c in checks:
        lines += ["", f"## {c.id}", "", f"**{c.title}** ({c.category}, {c.severity.value}"
                  f"{', services only' if c.backend_only else ''})", "", c.rationale, "", "Remediation:", ""]
        lines += [f"{i}. {step}" for i, step in enumerate(c.remediation, 1)]
        if c.options:
            values = ", ".join(f"`{name} = {json.dumps(value)}`" for name, value in c.options.items())
            lines += ["", f"Options (`[tool.auditor.options.\"{c.id}\"]`): {values}."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    main()


def terminal_safe(text: str) -> str:
    from reports.base import terminal_safe as safe

    return safe(text)
