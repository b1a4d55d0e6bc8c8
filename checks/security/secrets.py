"""security/hardcoded-secret: credentials committed to the repository, from the analysis layer's secret hits.

The hits (analysis/secrets.py) say what and where; this module judges how bad each one is, and writes the
finding so that the value never appears in it: the value's columns are masked in the snippet before the
snippet is redacted as every snippet is.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from analysis.model import (
    SECRET_DEFAULT,
    SECRET_ENV_FILE,
    SECRET_EXAMPLE_FILE,
    SECRET_EXPIRED,
    SECRET_LIVE,
    SECRET_LOCAL,
    SECRET_READ_ONLY,
    SECRET_TEST_KEY,
    SECRET_TOOLING,
    FileModel,
    SecretHit,
)
from auditor.context import Context
from auditor.model import Check, Confidence, Effort, Finding, Severity
from auditor.redact import mask, redact

__all__ = ["HardcodedSecret", "SecretVerdict", "judge_secret", "judge_secret_at", "secret_facts", "secret_hits",
           "secret_name"]

KIND_NAMES = {
    "aws-access-key-id": "AWS access key id", "aws-secret-key": "AWS secret access key", "github-token": "GitHub token",
    "gitlab-token": "GitLab token", "slack-token": "Slack token", "slack-webhook": "Slack webhook URL",
    "stripe-live-key": "Stripe live key", "stripe-test-key": "Stripe test-mode key", "google-api-key": "Google API key",
    "sendgrid-key": "SendGrid API key", "twilio-key": "Twilio API key", "mailgun-key": "Mailgun API key",
    "npm-token": "npm token", "pypi-token": "PyPI token", "openai-key": "OpenAI API key",
    "telegram-bot-token": "Telegram bot token", "azure-storage-key": "Azure storage account key",
    "private-key": "private key", "jwt": "JSON Web Token", "url-credentials": "password in a connection string",
    "assigned-secret": "hardcoded secret", "fallback-secret": "hardcoded fallback for a secret",
}
_LOW_ROLES = frozenset({"test", "example", "docs", "migration"})
# Configuration and data under test folders (fixtures, e2e compose files, saved pages) is test material too.
_TEST_PATH = re.compile(r"(?i)(^|/)(tests?|__tests__|e2e|testdata|test-data|fixtures?|spec|specs|mocks?|__mocks__)/")


# Firebase's generated client configs: their `api_key` is an app identifier compiled into every install.
_FIREBASE_CLIENT_CONFIGS = frozenset({"google-services.json", "GoogleService-Info.plist"})


@dataclass(frozen=True, slots=True)
class SecretVerdict:
    severity: Severity
    confidence: Confidence
    message: str


def judge_secret(model: FileModel, hit: SecretHit) -> SecretVerdict | None:
    """How bad one hit is; None when it is not worth a finding (a test user's password `password`)."""
    # in_test_code: a test module inside a source file (Rust `#[cfg(test)] mod tests`)
    return judge_secret_at(model.path, model.role, model.language, hit, in_tests=model.in_test_code(hit.line))


def secret_name(hit: SecretHit) -> str:
    """What a hit is, in words, with the name it was assigned to (never its value)."""
    what = KIND_NAMES.get(hit.kind, hit.kind)
    return what + (f" `{hit.key}`" if hit.key and hit.kind in ("assigned-secret", "fallback-secret") else "")


def judge_secret_at(path: str, role: str, language: str, hit: SecretHit, *, in_tests: bool = False) -> SecretVerdict | None:
    """`judge_secret` for a file known by its path, role and language only (a blob of the git history)."""
    what = KIND_NAMES.get(hit.kind, hit.kind)
    name = f" `{hit.key}`" if hit.key and hit.kind in ("assigned-secret", "fallback-secret") else ""
    where = "a .env file" if hit.flags & SECRET_ENV_FILE else "the repository"
    size = f"{hit.length} characters"
    low_role = role in _LOW_ROLES or bool(_TEST_PATH.search(path)) or in_tests
    example = bool(hit.flags & SECRET_EXAMPLE_FILE)
    if hit.kind == "google-api-key" and path.rsplit("/", 1)[-1] in _FIREBASE_CLIENT_CONFIGS:
        return SecretVerdict(Severity.LOW, Confidence.MEDIUM,
                             f"{what} in Firebase's client configuration ({path.rsplit('/', 1)[-1]}): it identifies the app "
                             "and ships inside it, so it is public by design; restrict it to the app and its APIs in the "
                             "Google Cloud console")
    if hit.flags & SECRET_READ_ONLY:
        return SecretVerdict(Severity.LOW, Confidence.MEDIUM,
                             f"read-only {what}{name} committed to {where} ({size}): Nx Cloud's read token lets anyone "
                             "read the remote build cache (no writes); keep read-write tokens in the CI's secrets")
    if hit.flags & SECRET_LIVE:
        return SecretVerdict(Severity.CRITICAL, Confidence.HIGH if not example else Confidence.MEDIUM,
                             f"{what} committed to {where} ({size}): revoke it and load it from the environment")
    if hit.flags & SECRET_EXPIRED:
        return SecretVerdict(Severity.LOW, Confidence.MEDIUM,
                             f"expired {what}{name} committed to {where} ({size}): its own expiry (a JWT's `exp`, a signed "
                             "URL's `e=`/`Expires=`) lies in the past, so it no longer grants access; commit none that are live")
    if hit.kind == "fallback-secret":
        if low_role:
            return None
        severity = Severity.MEDIUM if not hit.flags & SECRET_DEFAULT else Severity.LOW
        return SecretVerdict(severity, Confidence.HIGH,
                             f"{what}{name}: when the variable is unset the service runs with a value everyone can read "
                             "in the repository; fail at start-up instead")
    if hit.flags & SECRET_DEFAULT:
        if low_role or example or (hit.kind == "assigned-secret" and not hit.flags & SECRET_ENV_FILE \
                and language in ("python", "typescript", "javascript", "go", "java", "rust")):
            return None  # `password = "password"` for a test user, a default in example code
        return SecretVerdict(Severity.LOW, Confidence.MEDIUM,
                             f"default credential{name} committed to {where} ({what}): fine for a local stack, "
                             "never for a deployed one")
    if hit.kind == "url-credentials" and hit.flags & SECRET_LOCAL:
        return SecretVerdict(Severity.LOW, Confidence.MEDIUM,
                             f"{what} for a local service committed to {where} ({hit.key} URL)")
    if example:
        return SecretVerdict(Severity.LOW, Confidence.LOW,
                             f"{what}{name} in an example file looks real ({size}): use a placeholder")
    if low_role:
        role = "test" if in_tests else role
        return SecretVerdict(Severity.LOW, Confidence.LOW,
                             f"{what}{name} in {role} code ({size}): fine if it is a fixture, a leak if not")
    if hit.flags & SECRET_TEST_KEY:
        return SecretVerdict(Severity.MEDIUM, Confidence.HIGH, f"{what} committed to {where} ({size})")
    if hit.kind == "jwt":
        return SecretVerdict(Severity.HIGH, Confidence.MEDIUM, f"{what} committed to {where} ({size})")
    if hit.kind == "aws-access-key-id":
        return SecretVerdict(Severity.HIGH, Confidence.HIGH,
                             f"{what} committed to {where}: with its secret key it grants access to the account")
    if hit.kind == "assigned-secret" and hit.flags & SECRET_TOOLING:
        return SecretVerdict(Severity.MEDIUM, Confidence.MEDIUM,
                             f"{what}{name} committed in CI or container configuration ({size}): a leak if it is shared "
                             "with a deployment, harmless if only a throw-away test run uses it; use the CI's secret store")
    if hit.kind == "assigned-secret":
        confidence = Confidence.HIGH if hit.flags & SECRET_ENV_FILE or hit.entropy >= 3.5 else Confidence.MEDIUM
        return SecretVerdict(Severity.HIGH, confidence, f"{what}{name} committed to {where} ({size})")
    return SecretVerdict(Severity.HIGH, Confidence.HIGH, f"{what} committed to {where} ({size})")


def secret_hits(ctx: Context) -> Iterator[tuple[FileModel, SecretHit, SecretVerdict]]:
    for model in ctx.analysis.files():
        for hit in model.secrets:
            verdict = judge_secret(model, hit)
            if verdict is not None:
                yield model, hit, verdict


def masked_snippet(ctx: Context, path: str, hit: SecretHit) -> str:
    """The hit's line with the value's columns masked, then redacted like every snippet."""
    lines = ctx.sources.lines(path)
    if not 0 < hit.line <= len(lines):
        return ""
    line = lines[hit.line - 1]
    start, end = hit.start, hit.end
    if hit.line == 1 and line.startswith("\ufeff"):
        start, end = start - 1, end - 1
    if 0 <= start < end <= len(line):
        line = line[:start] + mask(line[start:end]) + line[end:]
    else:  # the text moved under us: mask everything after the name rather than risk showing the value
        cut = max(0, min(len(line), start))
        line = line[:cut] + mask(line[cut:])
    line = line.strip()
    return redact(line[:200] + ("…" if len(line) > 200 else ""))


class HardcodedSecret(Check):
    id = "security/hardcoded-secret"
    title = "No credentials are committed to the repository"
    category = "security"
    severity = Severity.HIGH
    tags = ("CWE-798", "CWE-259")
    rationale = (
        "A key, token or password in the repository is readable by everyone who can read the code, for as long as the "
        "history exists. Live provider keys (cloud, VCS, chat, payment, mail) are critical; other credentials high. "
        "Placeholders (`changeme`, `<your-key>`, `${VAR}`), environment look-ups, hashes, UUIDs and lock-file digests "
        "are not flagged; default credentials for a local stack and a test user's password are low or left out. A "
        "hardcoded fallback (`os.environ.get(\"SECRET_KEY\", \"dev-secret\")`) is medium: the service silently runs with "
        "a public value when the variable is missing."
    )
    remediation = (
        "Revoke the credential at its provider: once committed it must be treated as leaked.",
        "Load it from the environment or a secret manager (`os.environ[\"API_KEY\"]`, `process.env.API_KEY`), and fail at "
        "start-up when it is missing instead of falling back to a literal.",
        "Commit an `.env.example` with placeholders, add `.env` to `.gitignore`, and purge the value from history "
        "(git filter-repo) if the repository is public.",
    )
    effort = Effort.SMALL
    help_url = "https://cwe.mitre.org/data/definitions/798.html"

    def run(self, ctx: Context) -> Iterator[Finding]:
        for model, hit, verdict in secret_hits(ctx):
            message = verdict.message
            since = ctx.history.introduced(hit.kind, hit.fingerprint) if ctx.history is not None else None
            if since is not None and since.present:  # --git-history: how long it has been readable
                message += f"; in the git history since commit {since.short} ({since.path})"
            yield self.finding(ctx, message, model.path, hit.line, severity=verdict.severity,
                               confidence=verdict.confidence, snippet=masked_snippet(ctx, model.path, hit),
                               key=f"{hit.kind}:{hit.key}")


def secret_facts(ctx: Context) -> dict[str, object]:
    """Counts of secrets by kind (never a value), and how many files hold one."""
    kinds: Counter[str] = Counter()
    files: set[str] = set()
    severities: Counter[str] = Counter()
    for model, hit, verdict in secret_hits(ctx):
        kinds[hit.kind] += 1
        files.add(model.path)
        severities[verdict.severity.value] += 1
    return {"total": sum(kinds.values()), "by_kind": dict(sorted(kinds.items())), "files": len(files),
            "by_severity": dict(sorted(severities.items()))}
