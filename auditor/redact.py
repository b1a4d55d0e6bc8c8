"""Redaction of secrets in any text the auditor may echo (snippets, messages, terminal output).

Every snippet taken from a target passes through `redact` before it reaches a finding, so no output
format can leak a credential the target committed. A redacted value keeps its first four characters
(only when it is long enough that four characters give nothing away) and its length, so a reader can
still tell which value is meant.
"""

from __future__ import annotations

import re

__all__ = ["SECRET_PATTERNS", "mask", "redact"]

# Token formats with a recognisable shape. Each pattern's group "v" is the secret value.
SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("private-key", re.compile(r"(?P<v>-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$))")),
    ("aws-access-key", re.compile(r"\b(?P<v>(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16})\b")),
    ("github-token", re.compile(r"\b(?P<v>(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}))")),
    ("gitlab-token", re.compile(r"\b(?P<v>glpat-[A-Za-z0-9_-]{20,})")),
    ("slack-token", re.compile(r"\b(?P<v>xox[abposr]-[A-Za-z0-9-]{10,})")),
    ("stripe-key", re.compile(r"\b(?P<v>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,})")),
    ("google-api-key", re.compile(r"\b(?P<v>AIza[0-9A-Za-z_-]{35})")),
    ("jwt", re.compile(r"\b(?P<v>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})")),
    ("url-credentials", re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s:/@'\"]*:(?P<v>[^\s@/'\"]+)@")),
    (
        "assigned-secret",
        re.compile(
            r"""(?ix)
            (?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key
               |client[_-]?secret|auth[_-]?key|credentials?|signing[_-]?key|encryption[_-]?key|jwt[_-]?key)
            [A-Za-z0-9_-]*["']?\s*(?::=|=|:|=>)\s*
            (?:[rbuf]?["'`](?P<v>[^"'`\s]{4,})["'`]|(?P<v2>[^\s"'`,;#)]{6,}))
            """
        ),
    ),
)

_NOT_SECRET = re.compile(
    r"""(?ix)^(?:
        \$\{?[A-Za-z_][A-Za-z0-9_]*\}?          # ${ENV_VAR}
      | (?:os\.)?(?:environ|getenv|env)\b.*     # os.environ[...], getenv(...)
      | process\.env\..*
      | settings\..* | config\..* | self\..* | request\..*
      | (?:none|null|nil|true|false|undefined)
      | <[^>]*>                                  # <your-token-here>
      | (?:x+|\*+|\.+|changeme|placeholder|example|dummy|redacted)
    )$"""
)


def mask(value: str) -> str:
    """`hunter2` -> `[redacted 7 chars]`; a long value keeps its first four characters."""
    n = len(value)
    prefix = value[:4] if n >= 16 else ""
    return f"{prefix}[redacted {n} chars]"


def _replace(match: re.Match[str]) -> str:
    text = match.group(0)
    for name in ("v", "v2"):
        if name in match.re.groupindex and match.group(name) is not None:
            start, end = match.span(name)
            value = match.group(name)
            if _NOT_SECRET.match(value):
                return text
            offset = match.start(0)
            return text[: start - offset] + mask(value) + text[end - offset :]
    return text


def redact(text: str) -> str:
    """Return `text` with every recognised secret value masked."""
    if not text:
        return text
    for _name, pattern in SECRET_PATTERNS:
        text = pattern.sub(_replace, text)
    return text
