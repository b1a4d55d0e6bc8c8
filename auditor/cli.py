"""The command line: parses options, calls the library, writes reports, maps the verdict to an exit code.

This is the only module that knows about argv, exit codes, the terminal and logging. Every fatal error
funnels through `_fail`, which prints one line and exits; no traceback reaches the user unless
`AUDITOR_DEBUG=1` is set.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from auditor import __version__
from auditor.config import Config, ConfigError, parse_fail_on
from auditor.context import AuditOptions
from auditor.engine import AuditError, Scorecard, UsageError, audit
from auditor.live import DEFAULT_MAX_EXAMPLES, DEFAULT_TIMEOUT, LiveRequest
from auditor.model import Severity, Status
from auditor.registry import load_registry

__all__ = ["main"]

EXIT_OK, EXIT_GATE, EXIT_USAGE, EXIT_ERROR = 0, 1, 2, 3
DEFAULT_FORMATS = ("html", "md", "json")

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
    live: LiveRequest | None = None


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
@click.option("--quiet", "-q", is_flag=True, default=False, help="No progress indicator, and only the verdict line.")
@click.option("--jobs", "-j", type=click.IntRange(0, 64), default=0, show_default=True,
              help="Check families run in this many processes at once (0: one per core, at most 4).")
@click.option("--api-url", metavar="URL", default=None,
              help="TALKS TO A SERVICE: exercise the API already running at URL with schemathesis.")
@click.option("--api-app", metavar="MODULE:ATTR", default=None,
              help="EXECUTES THE TARGET'S CODE: import its ASGI/WSGI app (e.g. app.main:app) in a subprocess and exercise it.")
@click.option("--api-command", metavar="CMD", default=None,
              help="EXECUTES THE TARGET'S CODE: start the service with CMD ({port} is replaced by a free port on "
                   "127.0.0.1), exercise it, stop it.")
@click.option("--api-spec", metavar="FILE|URL", default=None,
              help="The OpenAPI spec to test against (default: the committed spec, else the one the service serves).")
@click.option("--api-max-examples", type=click.IntRange(1, 10_000), default=DEFAULT_MAX_EXAMPLES, show_default=True,
              help="Generated requests per operation, for valid and for invalid inputs each.")
@click.option("--api-timeout", type=click.FloatRange(1, 86_400), default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds for the whole live API phase, start-up included.")
@click.option("--api-p95-ms", type=click.FloatRange(0, 600_000, min_open=True), default=None,
              help="p95 latency budget per operation in milliseconds (default: the api/latency option p95_ms, 100).")
def audit_command(path: str, formats: tuple[str, ...], output: str, config_file: str | None,
                  only: tuple[str, ...], skip: tuple[str, ...], fail_under: float | None, fail_on: str | None,
                  run_tests: bool, quiet: bool, jobs: int, api_url: str | None, api_app: str | None,
                  api_command: str | None, api_spec: str | None, api_max_examples: int, api_timeout: float,
                  api_p95_ms: float | None) -> None:
    """Audit the repository at PATH (default: the current directory) and write its reports."""
    try:
        live = _live_request(api_url, api_app, api_command, api_spec, api_max_examples, api_timeout, api_p95_ms)
    except UsageError as exc:
        _fail(str(exc), EXIT_USAGE)
    request = AuditRequest(path, _split(formats) or DEFAULT_FORMATS, Path(output), config_file,
                           _split(only), _split(skip), fail_under, fail_on, run_tests, quiet, jobs, live)
    try:
        sys.exit(_audit(request))
    except (ConfigError, UsageError) as exc:
        _fail(str(exc), EXIT_USAGE)
    except AuditError as exc:
        _fail(str(exc), EXIT_ERROR)
    except KeyboardInterrupt:
        _fail("interrupted", EXIT_ERROR)
    except Exception as exc:
        if os.environ.get("AUDITOR_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (set AUDITOR_DEBUG=1 for details)", EXIT_ERROR)


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
    mode, target = modes[0]
    try:
        return LiveRequest(mode, target, spec=spec, max_examples=max_examples, timeout=timeout, p95_ms=p95_ms)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _audit(req: AuditRequest) -> int:
    registry = load_registry()
    unknown = [f for f in req.formats if f not in registry.reporters]
    if unknown:
        raise UsageError(f"unknown format {unknown[0]!r} (available: {', '.join(sorted(registry.reporters))})")
    if req.fail_under is not None and not 0 <= req.fail_under <= 100:
        raise UsageError("--fail-under must be between 0 and 100")
    if not Path(req.path).exists():
        raise AuditError(f"path does not exist: {req.path}")
    config = Config.load(req.path, req.config_file)
    gate = config.gate
    if req.fail_under is not None:
        gate = type(gate)(fail_under=req.fail_under, fail_on=gate.fail_on)
    if req.fail_on is not None:
        try:
            gate = type(gate)(fail_under=gate.fail_under, fail_on=parse_fail_on(req.fail_on))
        except ValueError as exc:
            raise UsageError(f"--fail-on: {exc}") from None
    config = config.with_overrides(only=req.only or None, skip=req.skip or None, gate=gate)
    progress = _Progress(enabled=not req.quiet)
    try:
        options = AuditOptions(run_tests=req.run_tests, jobs=req.jobs, live=req.live)
        card = audit(req.path, config, options, registry=registry, progress=progress)
    finally:
        progress.close()
    written = _write_reports(card, req, registry.reporters)
    click.echo(_summary(card, written, quiet=req.quiet))
    return EXIT_OK if card.gate.passed else EXIT_GATE


def _write_reports(card: Scorecard, req: AuditRequest, reporters: dict[str, Any]) -> list[Path]:
    from reports.base import write_atomic

    written = []
    for fmt in req.formats:
        reporter = reporters[fmt]()
        target = req.output / f"report.{reporter.extension}"
        text = reporter.render(card)
        try:
            write_atomic(target, text)
        except OSError as exc:
            raise AuditError(f"cannot write {target}: {exc.strerror or exc}") from None
        written.append(target)
    return written


def _summary(card: Scorecard, written: list[Path], *, quiet: bool) -> str:
    from reports.base import terminal_safe

    verdict = "PASSED" if card.gate.passed else "FAILED"
    score = "n/a" if card.score is None else f"{card.score:.1f}"
    line = f"auditor: score {score}/100, grade {card.grade}, gate {verdict}"
    if quiet:
        return line + ("" if card.gate.passed else " (" + "; ".join(card.gate.reasons) + ")")
    git = card.repo.git
    where = f" ({git.branch or 'detached'} @ {git.commit[:10]})" if git and git.commit else ""
    out = [f"auditor {__version__}: {terminal_safe(str(card.target))}{where}", ""]
    out.append(f"  Score {score} / 100    Grade {card.grade}    Gate {verdict}")
    for reason in card.gate.reasons:
        out.append(f"    - {reason}")
    out.append("")
    for p in card.projects:
        prefix = f"  [{terminal_safe(p.project.label)}] " if len(card.projects) > 1 else "  "
        cats = "   ".join(f"{c.name} {c.score:.0f}" for c in p.categories)
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
        out.append(f"  {r.status.value}: {r.check.id}: {terminal_safe(r.reason)}")
    worst = [f for f in card.findings if f.severity is not Severity.INFO][:5]
    if worst:
        out.append("")
        out.append("  Worst findings:")
        for f in worst:
            loc = f"{f.path}:{f.line}" if f.path and f.line else (f.path or "")
            out.append(f"    {f.severity.value.upper():8} {f.check_id:28} {terminal_safe(loc)}")
            out.append(f"             {terminal_safe(f.message)[:150]}")
    if card.problems:
        out.append(f"  {len(card.problems)} file(s) could not be parsed (listed in the reports)")
    if written:
        out.append("")
        out.append("  Reports: " + ", ".join(str(p) for p in written))
    return "\n".join(out)


@main.command("checks")
@click.option("--json", "as_json", is_flag=True, help="Print the declarations as JSON.")
@click.option("--markdown", "as_markdown", is_flag=True, help="Print the reference page (docs/checks.md).")
def checks_command(as_json: bool, as_markdown: bool) -> None:
    """List every available check without running any."""
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
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    main()
