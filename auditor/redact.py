"""Redaction of secrets in any text the auditor may echo (snippets, messages, terminal output).

Every snippet taken from a target passes through `redact` before it reaches a finding, so no output
format can leak a credential the target committed. A redacted value keeps its first four characters
(only when it is long enough that four characters give nothing away) and its length, so a reader can
still tell which value is meant.

Every pattern is linear on hostile input: quantifiers that could backtrack across a long run are
bounded (a regular expression holds the GIL, so a catastrophic one would stall the whole audit,
timeouts included). `redact` is idempotent, and a masked value keeps the line count of the text, so
line numbers computed on the original still point at the same lines.
"""

from __future__ import annotations

import functools
import re

__all__ = ["INVISIBLE", "SECRET_PATTERNS", "mask", "redact", "shown_text", "stored_text"]

# Token formats with a recognisable shape. Each pattern's group "v" (or "v2") is the secret value.
SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("private-key", re.compile(r"(?P<v>-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]{0,40}PRIVATE KEY-----|$))")),
    # A line of a PEM body (or another base64 key) quoted without its BEGIN line, e.g. a snippet that starts
    # inside the key: 56-80 base64 characters mixing digits, upper and lower case (a hex digest does not).
    ("pem-body", re.compile(
        r"(?<![A-Za-z0-9+/])(?=[A-Za-z0-9+/]{0,80}[0-9])(?=[A-Za-z0-9+/]{0,80}[a-z])(?=[A-Za-z0-9+/]{0,80}[A-Z])"
        r"(?P<v>[A-Za-z0-9+/]{56,80}={0,2})(?![A-Za-z0-9+/])"
    )),
    ("aws-access-key", re.compile(r"\b(?P<v>(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16})\b")),
    ("github-token", re.compile(r"\b(?P<v>(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{40,255}))")),
    ("gitlab-token", re.compile(r"\b(?P<v>glpat-[A-Za-z0-9_-]{20,255})")),
    ("slack-token", re.compile(r"\b(?P<v>xox[abposr]-[A-Za-z0-9-]{10,255})")),
    ("slack-webhook", re.compile(r"(?P<v>https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,255})")),
    ("stripe-key", re.compile(r"\b(?P<v>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,255})")),
    ("google-api-key", re.compile(r"\b(?P<v>AIza[0-9A-Za-z_-]{35})")),
    ("jwt", re.compile(r"\b(?P<v>eyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{8,4096})")),
    # SQL that sets a password: `ALTER ROLE app PASSWORD 'x'`, `CREATE USER u WITH ENCRYPTED PASSWORD 'x'`,
    # MySQL/Oracle `IDENTIFIED BY 'x'` (or unquoted), `IDENTIFIED WITH plugin BY 'x'`, `SET PASSWORD = PASSWORD('x')`.
    ("sql-password", re.compile(
        r"""(?ix)
        (?:\bpassword[ \t]{0,20}(?:\([ \t]{0,20})?|\bidentified(?:[ \t]{1,20}with[ \t]{1,20}[\w$]{1,64})?[ \t]{1,20}by
           (?:[ \t]{1,20}password)?[ \t]{1,20})
        (?:'(?P<v>[^'\n]{1,512})'|"(?P<v2>[^"\n]{1,512})")
        """
    )),
    ("sql-identified-by", re.compile(
        r"(?i)\bidentified[ \t]{1,20}by[ \t]{1,20}(?!password\b|values\b|externally\b|globally\b)(?P<v>[^\s'\";,)]{1,512})"
    )),
    ("url-credentials", re.compile(r"(?i)(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,30}://[^\s:/@'\"]{0,256}:(?P<v>[^\s@/'\"]{1,256})@")),
    (
        "assigned-secret",
        re.compile(
            r"""(?ix)
            (?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key
               |client[_-]?secret|auth[_-]?key|credentials?|signing[_-]?key|encryption[_-]?key|jwt[_-]?key)
            [A-Za-z0-9_-]{0,40}["']?[ \t]{0,20}(?::=|=|:|=>)[ \t]{0,20}
            (?:[rbuf]?["'`](?P<v>[^"'`\s]{4,512})["'`]|(?P<v2>[^\s"'`,;#)]{6,512}))
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

# What `mask` writes: a value that already looks like this is not masked again.
_MASKED = re.compile(r"[^\s\[]{0,4}\[redacted \d+ chars\]")


def mask(value: str) -> str:
    """`hunter2` -> `[redacted 7 chars]`; a long value keeps its first four characters.

    A value spanning lines (a private key) keeps its line breaks after the mask, so the masked text has
    as many lines as the original.
    """
    n = len(value)
    prefix = value[:4] if n >= 16 else ""
    if any(c.isspace() or c == "[" for c in prefix):
        prefix = ""  # the mask must read as one token, or redacting it again would mask the mask
    breaks = value.count("\n")
    return f"{prefix}[redacted {n} chars]" + "\n" * breaks


def _replace(match: re.Match[str]) -> str:
    text = match.group(0)
    for name in ("v", "v2"):
        if name in match.re.groupindex and match.group(name) is not None:
            start, end = match.span(name)
            value = match.group(name)
            if _NOT_SECRET.match(value) or _MASKED.match(match.string, start):
                return text
            offset = match.start(0)
            return text[: start - offset] + mask(value) + text[end - offset :]
    return text


def redact(text: str) -> str:
    """Return `text` with every recognised secret value masked."""
    if not text:
        return text
    if len(text) <= _MEMO_MAX_CHARS:
        return _redact_short(text)
    return _redact(text)


def _redact(text: str) -> str:
    for _name, pattern in SECRET_PATTERNS:
        text = pattern.sub(_replace, text)
    return text


# A report shows the same short texts again and again (paths, titles, messages: on Django 52,000 redactions of 3,100
# distinct strings, 0.4 s of writing the reports): each is redacted once per process. Bounded: at most
# _MEMO_ENTRIES texts of at most _MEMO_MAX_CHARS characters.
_MEMO_MAX_CHARS = 2048
_MEMO_ENTRIES = 16384
_redact_short = functools.lru_cache(maxsize=_MEMO_ENTRIES)(_redact)


# What a human must see, not obey: C0 and C1 controls (ESC, BEL, CR...), DEL, bidirectional overrides, embeddings
# and isolates ("Trojan Source"), the Arabic letter mark, zero-width characters (U+200B-U+200F, LRM and RLM
# among them), word joiners and invisible operators (U+2060-U+2064), line/paragraph separators and the BOM.
INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_INVISIBLE_ONE_LINE = re.compile(INVISIBLE.pattern[:-1] + "\n]")


def _visible(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown_text(text: str, *, multiline: bool = False) -> str:
    """Text taken from the target, for a human (terminal, HTML, Markdown): secrets masked, and every control,
    bidi and zero-width character replaced by a visible escape (`\\x1b`, `\\u202e`). Only `multiline` text (a
    snippet) keeps its line breaks; tabs are kept."""
    if not text:
        return text
    if len(text) <= _MEMO_MAX_CHARS:
        return _shown_short(text, multiline)
    return _shown(text, multiline)


def _shown(text: str, multiline: bool) -> str:
    pattern = INVISIBLE if multiline else _INVISIBLE_ONE_LINE
    return pattern.sub(_visible, redact(text))


_shown_short = functools.lru_cache(maxsize=_MEMO_ENTRIES)(_shown)


def stored_text(text: str) -> str:
    """Text taken from the target, for the JSON report: secrets masked (JSON escapes controls itself)."""
    return redact(text)
