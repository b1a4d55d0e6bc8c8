"""Secrets committed in files: provider-shaped keys and tokens, private keys, JWTs, credentials in connection
strings, and values assigned to password/secret/key/token names in code and configuration.

One keyword-gated pass over the bytes the worker read anyway: a file without any gate word costs one C-level
search, and only the lines around a gate hit are looked at. Every pattern is linear (bounded quantifiers, no
nested repetition), so a hostile file cannot stall the scan.

A hit never carries the secret itself, only where it is (line, column span), what kind it is, its length and
entropy, and a short hash to tell values apart (history, baselines): the model is cached on disk and crosses
process boundaries, and neither may hold a secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
import math
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath

from analysis.model import (
    SECRET_DEFAULT,
    SECRET_ENV_FILE,
    SECRET_EXAMPLE_FILE,
    SECRET_EXPIRED,
    SECRET_FALLBACK,
    SECRET_LIVE,
    SECRET_LOCAL,
    SECRET_READ_ONLY,
    SECRET_TEST_KEY,
    SECRET_TOOLING,
    SecretHit,
)

__all__ = ["PROVIDER_PATTERNS", "is_placeholder", "scan_secrets", "set_fingerprint_key"]

# kind, pattern (group "v" is the value), flags. Provider keys are recognisable on their own, anywhere.
PROVIDER_PATTERNS: tuple[tuple[str, re.Pattern[str], int], ...] = (
    ("aws-access-key-id", re.compile(r"(?<![A-Z0-9])(?P<v>(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16})(?![A-Z0-9])"), 0),
    ("github-token", re.compile(r"(?<![A-Za-z0-9_])(?P<v>gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{70,255})"),
     SECRET_LIVE),
    ("gitlab-token", re.compile(r"(?<![A-Za-z0-9_-])(?P<v>glpat-[A-Za-z0-9_-]{20,255})"), SECRET_LIVE),
    ("slack-token", re.compile(r"(?<![A-Za-z0-9-])(?P<v>xox[abposr]-[0-9]{6,20}-[A-Za-z0-9-]{8,255})"), SECRET_LIVE),
    ("slack-webhook", re.compile(
        r"(?P<v>https://hooks\.slack\.com/services/T[A-Za-z0-9_]{6,20}/B[A-Za-z0-9_]{6,20}/[A-Za-z0-9_]{16,64})"), SECRET_LIVE),
    ("stripe-live-key", re.compile(r"(?<![A-Za-z0-9_])(?P<v>(?:sk|rk)_live_[A-Za-z0-9]{16,255})"), SECRET_LIVE),
    ("stripe-test-key", re.compile(r"(?<![A-Za-z0-9_])(?P<v>(?:sk|rk)_test_[A-Za-z0-9]{16,255})"), SECRET_TEST_KEY),
    ("google-api-key", re.compile(r"(?<![A-Za-z0-9_-])(?P<v>AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])"), SECRET_LIVE),
    ("sendgrid-key", re.compile(r"(?<![A-Za-z0-9_.-])(?P<v>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])"), SECRET_LIVE),
    ("twilio-key", re.compile(r"(?<![A-Za-z0-9])(?P<v>SK[0-9a-f]{32})(?![A-Za-z0-9])"), 0),
    ("mailgun-key", re.compile(r"(?<![A-Za-z0-9-])(?P<v>key-[0-9a-f]{32})(?![A-Za-z0-9])"), 0),
    ("npm-token", re.compile(r"(?<![A-Za-z0-9_])(?P<v>npm_[A-Za-z0-9]{36})(?![A-Za-z0-9])"), SECRET_LIVE),
    ("pypi-token", re.compile(r"(?<![A-Za-z0-9_-])(?P<v>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,400})"), SECRET_LIVE),
    ("openai-key", re.compile(r"(?<![A-Za-z0-9_-])(?P<v>sk-(?:proj-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,})"), SECRET_LIVE),
    ("telegram-bot-token", re.compile(r"(?<![0-9])(?P<v>[0-9]{8,10}:AA[A-Za-z0-9_-]{33})(?![A-Za-z0-9_-])"), SECRET_LIVE),
    ("azure-storage-key", re.compile(r"AccountKey=(?P<v>[A-Za-z0-9+/]{86}==)"), SECRET_LIVE),
    ("private-key", re.compile(r"(?P<v>-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----)"), 0),
    ("jwt", re.compile(r"(?<![A-Za-z0-9_-])(?P<v>eyJ[A-Za-z0-9_-]{10,2000}\.eyJ[A-Za-z0-9_-]{10,4000}\.[A-Za-z0-9_-]{10,2000})"), 0),
)
# Literal text each provider pattern needs, so a gated line runs only the patterns that can match it.
_NEEDLES: dict[str, tuple[str, ...]] = {
    "aws-access-key-id": ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA"),
    "github-token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"), "gitlab-token": ("glpat-",),
    "slack-token": ("xox",), "slack-webhook": ("hooks.slack.com",), "stripe-live-key": ("_live_",),
    "stripe-test-key": ("_test_",), "google-api-key": ("AIza",), "sendgrid-key": ("SG.",), "twilio-key": ("SK",),
    "mailgun-key": ("key-",), "npm-token": ("npm_",), "pypi-token": ("pypi-",), "openai-key": ("T3BlbkFJ",),
    "telegram-bot-token": (":AA",), "azure-storage-key": ("AccountKey=",), "private-key": ("-----BEGIN",),
    "jwt": ("eyJ",),
}
_AWS_SECRET = re.compile(r"(?i)aws.{0,20}?(?:secret|private).{0,20}?[\"'=:\s]\s{0,4}[\"']?(?P<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])")
_URL_CREDENTIALS = re.compile(
    r"(?i)(?<![a-z0-9+.-])(?P<scheme>[a-z][a-z0-9+.-]{1,30})://(?P<user>[^\s:/@'\"<>{}$]{1,128}):(?P<v>[^\s@/'\"<>]{1,256})@"
    r"(?P<host>[^\s/:'\"<>?#]{1,256})"
)
# A name that holds a secret, then an assignment, then a value (quoted or bare). The keyword is found first and
# the name grown around it by hand: a pattern that starts with an optional run would retry it at every position.
_KEYWORD = re.compile(
    r"(?i)password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key"
    r"|client[_-]?secret|auth[_-]?key|credentials?|signing[_-]?key|encryption[_-]?key|jwt[_-]?key|master[_-]?key"
)
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_ASSIGN_TAIL = re.compile(
    r"""["']?[ \t]{0,20}(?P<op>:=|==|=|:|=>|\?\?|\|\|)[ \t]{0,20}"""
    r"""(?:[rbuf]?(?P<q>["'`])(?P<v>[^"'`\r\n]{1,512})(?P=q)|(?P<v2>[^\s"'`,;#)}\]]{1,512}))"""
)


def _assignments(line: str) -> Iterator[tuple[str, str, int, str, bool, bool]]:
    """(name, value, value column, operator, quoted, sigil) of every `name = value` whose name holds a secret word;
    `sigil` when the name is a `$variable` (PowerShell, PHP, Perl), whose literals are quoted as in code."""
    consumed = -1
    for kw in _KEYWORD.finditer(line):
        if kw.start() < consumed:
            continue
        start = kw.start()
        while start > 0 and kw.start() - start < 40 and line[start - 1] in _NAME_CHARS:
            start -= 1
        end = kw.end()
        while end < len(line) and end - kw.end() < 40 and line[end] in _NAME_CHARS:
            end += 1
        consumed = end
        if line.startswith("${", max(0, start - 2)) and start >= 2:
            continue  # a parameter expansion (`${PASSWORD:+set}`, `${TOKEN:-x}`), not an assignment
        tail = _ASSIGN_TAIL.match(line, end)
        if tail is None:
            continue
        quoted = tail.group("v") is not None
        value = tail.group("v") if quoted else (tail.group("v2") or "")
        sigil = start > 0 and line[start - 1] == "$"
        yield line[start:end], value, tail.start("v") if quoted else tail.start("v2"), tail.group("op"), quoted, sigil


# Cheap gate: a file (and a line) is looked at only when one of these occurs.
_GATE = re.compile(
    r"(?i:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_ -]?key|credential"
    r"|auth[_-]?key|signing|jwt|master[_-]?key|://[^\s/:@]{1,128}:[^\s@]{1,256}@)"
    r"|AKIA|ASIA|ghp_|gho_|ghs_|ghu_|ghr_|github_pat_|glpat-|xox[abposr]-|hooks\.slack\.com|sk_live_|rk_live_|sk_test_"
    r"|rk_test_|AIza|SG\.|npm_|pypi-|T3BlbkFJ|:AA|AccountKey=|-----BEGIN|eyJ|key-[0-9a-f]|SK[0-9a-f]{32}"
)
_PLACEHOLDER = re.compile(
    r"""(?ix)^(?:
        \$\{?[A-Za-z_][A-Za-z0-9_.:-]*(?::-?[^}]*)?\}?     # ${VAR}, ${VAR:-default}, $VAR
      | \{\{.*\}\} | \{%.*%\} | %\(?[A-Za-z_]+\)?s? | %[A-Za-z_]+%   # templates: {{ secret }}, %(pw)s, %PW%
      | <[^>]{0,80}> | \[[^\]]{0,80}\] | \([^)]{0,80}\)                # <your-key>, [token], (secret)
      | (?:your|my|the|some|insert|enter|put|add|replace|set)[\w -]{0,40}
      | .{0,12}(?:changeme|change[_-]?me|changethis|change[_-]?this|placeholder|example|sample|dummy|fake|redacted|todo
                 |fixme|secret[_-]?here|password[_-]?here|token[_-]?here|key[_-]?here|xxx|\*\*\*\*|\.\.\.\.|notset|not[_-]set
                 |undefined|default|none|null|nil|empty|required|optional|string|number|boolean|value|test|mock|stub).{0,12}
      | x+ | \*+ | \.+ | -+ | _+ | 0+ | 1234(?:5678?)? | 12345(?:6|678)? | abc(?:123)? | qwerty | foo(?:bar)? | bar | baz
      | [^.]{1,40}(?:\.\.\.|…)                                     # elided: `tskey-auth-...`
      | true | false | yes | no | on | off
      | (?:xox[abposr]|sk_(?:live|test)|rk_(?:live|test)|gh[pousr]|glpat|npm|pypi)[-_][a-z]{1,12}   # xoxb-valid: a word
    )$"""
)
_REFERENCE = re.compile(
    r"""(?x)^(?:
        (?:os\.)?(?:environ|getenv)\b.* | process\.env\b.* | env\(.* | Env::var.* | std::env.* | System\.getenv.* | os\.Getenv.*
      | config\b.* | settings\b.* | self\b.* | this\b.* | request\b.* | req\b.* | ctx\b.* | context\b.* | props\b.*
      | [A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\(.*   # a call: get_secret(), vault.read(), x.unwrap()
      | [A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+   # a dotted reference: cfg.db.password
    )$"""
)
_COMMON_DEFAULTS = frozenset({
    "postgres", "root", "admin", "password", "secret", "pass", "passwd", "test", "guest", "user", "mysql", "example",
    "default", "changeme", "letmein", "123456", "12345678", "1234", "toor", "sa", "oracle", "redis", "rabbitmq",
    "minioadmin", "docker", "dev", "development", "local", "localhost",
})
_TRANSLATIONS = re.compile(r"(?i)(^|/)(lang|langs|locale|locales|i18n|l10n|translations?|messages)/(?:[^/]{1,40}/){0,3}[^/]*"
                           r"\.(json|ya?ml|po|pot|properties|ts|js)$"
                           r"|\.(po|pot|xliff|xlf)$")
_TOOLING = re.compile(r"(?i)(^|/)(\.github/workflows/|\.gitlab-ci|\.circleci/|\.devcontainer/|docker-compose[^/]*\.ya?ml$"
                      r"|compose[^/]*\.ya?ml$|taskfile[^/]*\.ya?ml$|\.travis\.yml$|azure-pipelines|jenkinsfile|tox\.ini$"
                      r"|makefile$|justfile$|\.env\.(?:test|testing|ci|e2e)$"  # `.env.testing`: a test run's settings
                      r"|docker-compose/[^/]*\.ya?ml$|(?:db-init|docker-entrypoint-initdb\.d|initdb\.d)/)")  # compose, DB init
_HASHED = re.compile(r"(?i)hash|digest|checksum|salt|fingerprint|integrity|encrypted|bcrypt|argon|pbkdf")
_HASHLIKE_KEY = re.compile(r"(?i)(hash|digest|checksum|sha\d*|md5|fingerprint|integrity|salt_rounds|ttl|expir\w*|length|len"
                           r"|size|url|uri|path|file|dir|name|type|header|field|param|prefix|suffix|endpoint|label|key_id"
                           r"|count|timeout|enabled|mode|algorithm|method|scheme|strategy|class|policy|format|location|pattern|regexp?|"
                           r"_invalid|_missing|_required|_error|_message|_msg|_text|_title|_hint|_help|_placeholder|[_.-]id)$"
                           r"|^(token_type|grant_type|use_\w+|max_\w+|min_\w+)$")
_LOCAL_HOSTS = re.compile(r"(?i)^(localhost|127\.0\.0\.1|0\.0\.0\.0|::1|\[::1\]|host\.docker\.internal|db|database|postgres|mysql"
                          r"|mariadb|mongo|mongodb|redis|rabbitmq|[a-z0-9-]+-(?:db|database|postgres|mysql|redis))(?::\d+)?$")
# An example/template file: a dot-separated part of its name says so (`.env.example`, `config.sample.yml`,
# `example.env`, `settings.template.py`); `test_sample_repos.py` is not one.
_EXAMPLE_FILE = re.compile(r"(?i)(^|\.)(example|examples|sample|samples|template|templates|dist|tpl|defaults?)(\.|$)")
# Outside code the words may be joined by `-` or `_` too (`env-example-relational`, `config_sample.yml`).
_EXAMPLE_DATA_FILE = re.compile(r"(?i)(^|[._-])(example|examples|sample|samples|template|templates|dist|tpl)([._-]|$)")
_ENV_FILE = re.compile(r"(^|/)\.env(\.[\w.-]+)?$|(^|/)[\w.-]*\.env$")
_LOCK_FILES = frozenset({"package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "Cargo.lock", "go.sum",
                         "composer.lock", "Gemfile.lock", "Pipfile.lock", "uv.lock", "pdm.lock", "gradle.lockfile"})
_FALLBACK = re.compile(
    r"""(?x)(?:
        (?:os\.)?(?:environ\.get|getenv)\s*\(\s*["'](?P<k1>[A-Za-z0-9_]+)["']\s*,\s*(?P<q1>["'])(?P<v>[^"'\r\n]{1,256})(?P=q1)
      | process\.env\.(?P<k2>[A-Za-z0-9_]+)\s*(?:\|\||\?\?)\s*(?P<q2>["'`])(?P<v2>[^"'`\r\n]{1,256})(?P=q2)
      | (?:env|config)\s*\(\s*["'](?P<k3>[A-Za-z0-9_.]+)["']\s*,\s*(?P<q3>["'])(?P<v3>[^"'\r\n]{1,256})(?P=q3)
      | \$\{(?P<k4>[A-Za-z0-9_.-]+):[-=]?(?P<v4>[^}+?\r\n][^}\r\n]{0,255})\}   # ${V:-x}, ${V:=x}, ${v:x}; not ${V:+x}
    )"""
)
_SECRET_NAME = re.compile(r"(?i)(password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key"
                          r"|client[_-]?secret|auth[_-]?key|signing[_-]?key|encryption[_-]?key|jwt|master[_-]?key)")
MAX_HITS = 200  # per file
_CODE_SUFFIXES = frozenset({".py", ".pyi", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".go", ".java", ".kt",
                            ".kts", ".rs", ".rb", ".php", ".cs", ".scala", ".swift", ".c", ".h", ".cpp", ".hpp", ".vue", ".svelte"})
_URL_PATH = re.compile(r"/[a-z0-9_.{}:-]+(?:/[a-z0-9_.{}:-]*)*")  # lower case: a base64 secret mixes cases
_BACKTICK_SUFFIXES = frozenset({".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".go", ".vue", ".svelte"})
_MAX_LINE = 4096  # characters of one line looked at


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def is_placeholder(value: str) -> bool:
    """Whether an assigned value is a stand-in, not a secret (`changeme`, `<your-key>`, `${VAR}`, `xxx`)."""
    v = value.strip().strip("\"'`")
    return not v or bool(_PLACEHOLDER.match(v))


# A keyed hash tells values apart (the same key in two files or commits) without being a dictionary-attackable
# digest of a weak password: the key is random per process tree (the workers inherit it from the parent), and
# fingerprints never leave the machine (reports key findings by kind and name, never by value).
_SALT = os.urandom(16)


def set_fingerprint_key(key: bytes) -> None:
    """Key fingerprints with the model cache's secret, so cached models and fresh ones agree."""
    global _SALT
    _SALT = key


def _fingerprint(value: str) -> str:
    return hashlib.blake2b(value.encode("utf-8", "surrogatepass"), key=_SALT, digest_size=8).hexdigest()


def _compile_gate() -> Callable[[bytes], Iterator[int]]:
    """Start offsets of gate matches in a file's bytes: RE2 (a DFA, 30-60x faster than `re` on this alternation)."""
    try:
        import re2
    except ImportError:  # pragma: no cover - google-re2 is a dependency; the slow path keeps a broken install working
        slow = re.compile(_GATE.pattern.encode())
        return lambda data: (m.start() for m in slow.finditer(data))
    options = re2.Options()
    options.max_mem = 64 << 20
    fast = re2.compile(_GATE.pattern.encode(), options)
    return lambda data: (m.start() for m in fast.finditer(data))


_gate_offsets = _compile_gate()


def _lines_with_gate(data: bytes) -> Iterator[tuple[int, str]]:
    """(line number, decoded line) of every line holding a gate word, each once, in order."""
    last_end = -1
    line_no = 1
    counted_to = 0
    for offset in _gate_offsets(data):
        if offset < last_end:
            continue
        start = data.rfind(b"\n", 0, offset) + 1
        end = data.find(b"\n", offset)
        end = len(data) if end < 0 else end
        line_no += data.count(b"\n", counted_to, start)
        counted_to = start
        last_end = end
        yield line_no, data[start : min(end, start + _MAX_LINE * 4)].decode("utf-8", "replace")[:_MAX_LINE]


def scan_secrets(path: str, data: bytes) -> tuple[SecretHit, ...]:
    """Every secret-shaped value in the bytes of the file at repository path `path`, as hits without the value."""
    name = path.rsplit("/", 1)[-1]
    if name in _LOCK_FILES:
        return ()
    file_flags = 0
    if _ENV_FILE.search(path) or name.endswith(".env"):
        file_flags |= SECRET_ENV_FILE
    code = PurePosixPath(name).suffix.lower() in _CODE_SUFFIXES  # in code a literal secret is always quoted
    if _EXAMPLE_FILE.search(name) or (not code and _EXAMPLE_DATA_FILE.search(name)):
        file_flags |= SECRET_EXAMPLE_FILE
    # Backticks quote strings in JavaScript and Go; in other languages' code they only quote code in prose (docstrings)
    backtick_strings = PurePosixPath(name).suffix.lower() in _BACKTICK_SUFFIXES or not code
    if _TRANSLATIONS.search(path):
        return ()  # message catalogues: "password": "Passwort" is a label, not a credential
    # CI workflows, compose files and dev containers start throw-away services whose passwords are not secrets
    # unless they look generated
    tooling = bool(_TOOLING.search(path))
    if tooling:
        file_flags |= SECRET_TOOLING
    hits: list[SecretHit] = []
    seen: set[tuple[int, int]] = set()
    # A Kubernetes Secret holds its values base64-encoded under `data:`: encoding, not encryption, so each value is
    # judged by what it decodes to (`cGFzc3dvcmQK` is `password`), and a password equal to the user name beside it
    # (`c3VwZXJtYW4=` twice) is a default, as `user:user` is in a connection string.
    k8s_users = _k8s_secret_users(data) if not code and _K8S_SECRET.search(data) else None

    def add(kind: str, line: int, col: int, value: str, key: str, flags: int) -> None:
        if (line, col) in seen or len(hits) >= MAX_HITS:
            return
        seen.add((line, col))
        hits.append(SecretHit(kind, line, col, col + len(value), key[:80], len(value), round(entropy(value), 2),
                              flags | file_flags, _fingerprint(value)))

    for line_no, line in _lines_with_gate(data):
        lower = line.lower()
        for kind, pattern, flags in PROVIDER_PATTERNS:
            if not _has_needle(line, _NEEDLES[kind]):
                continue
            for m in pattern.finditer(line):
                value = m.group("v")
                if kind == "jwt" and _jwt_is_example(value):
                    continue
                hit_flags = flags | (SECRET_EXPIRED if kind == "jwt" and _jwt_expired(value) else 0)
                if hit_flags & SECRET_LIVE and _looks_made_up(value):
                    hit_flags &= ~SECRET_LIVE  # `ghs_loopbackTESTtoken0123456789`: a fixture shaped like a token
                add(kind, line_no, m.start("v"), value, "", hit_flags)
        for m in _AWS_SECRET.finditer(line) if "aws" in lower else ():
            value = m.group("v")
            if not is_placeholder(value) and entropy(value) > 3.5:
                add("aws-secret-key", line_no, m.start("v"), value, "aws secret", SECRET_LIVE)
        for m in _URL_CREDENTIALS.finditer(line) if "://" in line else ():
            value, user, host = m.group("v"), m.group("user"), m.group("host")
            if is_placeholder(value) or _REFERENCE.match(value) or value.startswith(("$", "%", "{")):
                continue
            if m.group("scheme").lower() == "driver" and (user.lower(), value.lower()) == ("user", "pass"):
                continue  # Alembic's alembic.ini template: `sqlalchemy.url = driver://user:pass@localhost/dbname`
            flags = (SECRET_LOCAL if _LOCAL_HOSTS.match(host) else 0) | (
                SECRET_DEFAULT if value.lower() in _COMMON_DEFAULTS or value == user else 0)
            add("url-credentials", line_no, m.start("v"), value, m.group("scheme"), flags)
        fallback = "env" in lower or "config(" in lower or "${" in line
        for m in _FALLBACK.finditer(line) if fallback else ():
            if code and _in_comment(line, m.start()):
                continue
            key = m.group("k1") or m.group("k2") or m.group("k3") or m.group("k4") or ""
            value = m.group("v") or m.group("v2") or m.group("v3") or m.group("v4") or ""
            group = "v" if m.group("v") else "v2" if m.group("v2") else "v3" if m.group("v3") else "v4"
            if _SECRET_NAME.search(key) and not _HASHLIKE_KEY.search(key) and not is_placeholder(value) \
                    and len(value) >= 3 and not _REFERENCE.match(value) and not _names_its_variable(key, value):
                add("fallback-secret", line_no, m.start(group), value, key,
                    SECRET_FALLBACK | (SECRET_DEFAULT if value.lower() in _COMMON_DEFAULTS else 0))
        for key, value, col, op, quoted, sigil in _assignments(line):
            last = key.rsplit(".", 1)[-1]
            if (line_no, col) in seen or _HASHLIKE_KEY.search(last) or _HASHED.search(last) or op == "==" \
                    or ((code or sigil) and not quoted):
                continue
            if quoted and not backtick_strings and line[col - 1:col] == "`":
                continue
            if last.lower().endswith("from_secret") or value == "from_secret":
                continue  # Drone/Woodpecker `from_secret: name` names a secret of the CI's store
            if not _assigned_value_is_secret(key, value, quoted=quoted):
                continue
            judged = value
            if k8s_users is not None:
                judged = _base64_text(value) or value
            generated = len(judged) >= 20 and entropy(judged) >= 4.0
            flags = SECRET_DEFAULT if _weak(key, judged) or (tooling and not generated) \
                or (k8s_users is not None and value in k8s_users) else 0
            if _signed_url_expired(line, col):
                flags |= SECRET_EXPIRED
            if _nx_cloud_read_token(path, key, value):
                flags |= SECRET_READ_ONLY
            add("assigned-secret", line_no, col, value, key, flags)
    return tuple(hits)


_K8S_SECRET = re.compile(rb"(?m)^[ \t]*kind:[ \t]*[\"']?Secret[\"']?[ \t]*(?:#.*)?\r?$")
_K8S_USER = re.compile(r"(?im)^[ \t]*[\"']?[\w.-]*user(?:name)?[\"']?[ \t]*:[ \t]*[\"']?(?P<v>[A-Za-z0-9+/=]{4,512})[\"']?[ \t]*\r?$")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def _k8s_secret_users(data: bytes) -> frozenset[str]:
    """The values given to `*user`/`*username` keys in a Kubernetes Secret manifest (as written, base64)."""
    text = data[:256 * 1024].decode("utf-8", "replace")
    return frozenset(m.group("v") for m in _K8S_USER.finditer(text))


def _base64_text(value: str) -> str | None:
    """What a base64 value decodes to, stripped, when it is printable text (a Kubernetes Secret's `cGFzc3dvcmQK` is
    "password"; JHipster's `base64-secret` default is "my-secret-key-which-should-be-changed-in-production...");
    None when it is not base64 text. Random key bytes never decode to printable text."""
    if len(value) < 4 or len(value) % 4 or not _BASE64.fullmatch(value):
        return None
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    text = text.strip()
    return text if text and text.isprintable() else None


def _nx_cloud_read_token(path: str, key: str, value: str) -> bool:
    """Nx Cloud's `accessToken` in nx.json that decodes to `<workspace id>|read`: a read-only token, which Nx has
    workspaces commit so that every clone can read the remote cache (a read-write one ends in `|read-write`)."""
    if PurePosixPath(path).name != "nx.json" or key.lower() not in ("accesstoken", "nxcloudaccesstoken"):
        return False
    return (_base64_text(value) or "").endswith("|read")


def _names_its_variable(key: str, value: str) -> bool:
    """A default that only repeats the variable's name (`${SENDGRID_API_KEY:apiKey}`, `getenv("TOKEN", "token")`):
    a stand-in that no provider accepts, not a credential anyone can read."""
    k = re.sub(r"[^a-z0-9]", "", key.lower())
    v = re.sub(r"[^a-z0-9]", "", value.lower())
    return len(v) >= 3 and k.endswith(v)


def _has_needle(line: str, needles: tuple[str, ...]) -> bool:
    return any(needle in line for needle in needles)


def _assigned_value_is_secret(key: str, value: str, *, quoted: bool) -> bool:
    v = value.strip()
    if len(v) < 4 or is_placeholder(v) or _REFERENCE.match(v):
        return False
    if not quoted and (v[0] in "([{<$%@&*!:?" or v.endswith(("(", ":", "["))):
        return False  # code: a call, a collection, a reference
    if re.fullmatch(r"[A-Z][A-Z0-9_]{2,}", v) and not quoted:
        return False  # another constant's name
    if re.fullmatch(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+", v) and _names_its_variable(key, v):
        return False  # `API_KEY: "API_KEY"`: a stand-in that repeats its variable's name, which no provider accepts
    if re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", v, re.I) and "secret" not in key.lower():
        return False  # a UUID identifies, it is not a credential (unless it is named a secret)
    if re.fullmatch(r"\d+(\.\d+)?[smhd]?", v):
        return False  # a number: a length, a TTL, a port
    if _URL_PATH.fullmatch(v):
        return False  # a route (`users_forgot_password = "/users/forgot-password"`), not a credential
    if " " in v or v.startswith("${"):
        return False  # prose (a message, a label, a translation) or a shell expansion: secrets have no spaces
    if quoted and re.search(r"\$\{[^}]+\}", v) and not re.search(r"\$\{\w+:", v):
        return False  # a template literal computed at run time (`new-secret-${Date.now()}`), not a literal value
    if not v.isascii():
        return False  # prose in another script (`"Token鉴权失败"`, `"重置密码"`): a message, not a credential
    if "password" in key.lower() or "passwd" in key.lower() or "pwd" in key.lower() or "passphrase" in key.lower():
        return not re.fullmatch(r"[a-z_]+", v) or len(v) >= 6  # `password = form_field` is code, `hunter2` is not
    return entropy(v) >= 2.8 and len(v) >= 8


def _weak(key: str, value: str) -> bool:
    """A default-grade credential: a common default, user == password, or a short plain word."""
    v = value.strip().strip("\"'")
    if v.lower() in _COMMON_DEFAULTS:
        return True
    user, sep, password = v.partition(":")
    if sep and (user == password or password.lower() in _COMMON_DEFAULTS):
        return True
    return (bool(re.fullmatch(r"[A-Za-z]{1,12}", v)) and entropy(v) < 3.3) or _self_describing(v) \
        or (len(v) >= 16 and _self_describing(_base64_text(v) or "")) \
        or (not re.search(r"(?i)pass|pwd", key) and _word_name(v))


_WORD_NAME = re.compile(r"[a-z][a-z0-9]*(?:[_-][a-z0-9]+){1,12}")


def _word_name(value: str) -> bool:
    """Lower-case words joined by `-` or `_` (`background-primary`, `polar_cl_e2e_seed_checkout_link`): the name of a
    design token, a CSS class or a seeded fixture, which no generator produces (a generated token mixes cases or
    runs of hex). Not applied to passwords, where a passphrase may be made of words."""
    if not _WORD_NAME.fullmatch(value):
        return False
    for part in re.split(r"[_-]", value):
        digits = sum(c.isdigit() for c in part)
        if len(part) > 15 or digits > 3 or digits == len(part) or (len(part) > 3 and not re.search(r"[aeiouy]", part)):
            return False
        if len(part) >= 6 and digits and re.fullmatch(r"[0-9a-f]+", part):
            return False  # a run of hex
    return True


_WORD_PART = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
_SECRET_WORDS = frozenset({"secret", "secrets", "password", "passwords", "passwd", "pass", "pwd", "passphrase", "key",
                           "keys", "token", "tokens", "apikey", "credential", "credentials", "jwt"})


def _self_describing(value: str) -> bool:
    """A value made of words and short numbers, one of which names what it stands for (`secret_for_refresh`,
    `incorrectPassword`, `password123`, `users/forgotPassword`, `super-long-and-secret-random-key`): a placeholder,
    a message key or a view name, at worst a default everyone can guess; never a generated credential."""
    v = value.strip().strip("\"'`")
    if not re.fullmatch(r"[A-Za-z0-9]+(?:[_./:-][A-Za-z0-9]+){0,12}", v):
        return False
    words = [w for part in re.split(r"[_./:-]", v) for w in _WORD_PART.findall(part)]
    if any(w.isdigit() and len(w) > 4 for w in words) or any(not w.isdigit() and len(w) == 1 and w.isupper() for w in words):
        return False  # a random run: `k8Zq2`, `A9B3...`
    return any(w.lower() in _SECRET_WORDS for w in words) or any(
        w.islower() and any(sw in w for sw in _SECRET_STEMS) for w in words)  # `supersecretquarkuspassword`


_SECRET_STEMS = ("secret", "password", "passwd", "token")


_MADE_UP = re.compile(r"(?i)test|fake|dummy|example|sample|mock|placeholder|invalid|xxxx|0000|1234|abcd|loopback")


def _looks_made_up(value: str) -> bool:
    """A provider-shaped value that is plainly invented: a word such as TEST or FAKE, or a run of consecutive
    characters (`0123456789`, `AbCdEfGh`) that a random generator essentially never produces."""
    if _MADE_UP.search(value):
        return True
    run = 1
    lower = value.lower()
    for a, b in itertools.pairwise(lower):
        run = run + 1 if ord(b) - ord(a) == 1 else 1
        if run >= 5:
            return True
    return False


def _in_comment(line: str, column: int) -> bool:
    """Whether `column` lies after a comment marker (`#`, `//`) that is not inside a string."""
    quote = ""
    i = 0
    while i < column:
        ch = line[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
        elif ch == "#" or line.startswith("//", i):
            return True
        i += 1
    return False


# Expiry is judged against the clock of the scan: a token only ever goes from live to expired, so a cached model
# that still calls one live errs on the side of reporting it.
def _jwt_expired(value: str) -> bool:
    """Whether a JWT's payload carries a numeric `exp` that lies in the past (a token that no longer authenticates)."""
    payload = value.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return isinstance(exp, int | float) and not isinstance(exp, bool) and 0 < exp < time.time()


# The expiry parameter of a signed URL: Qiniu/ProcessOn `e=`, S3 (v2) and CloudFront `Expires=`, in seconds.
_URL_EXPIRY = re.compile(r"[?&](?:amp;)?(?:e|Expires|expires)=(?P<t>[0-9]{9,10})(?![0-9])")
_URL_TOKEN_KEY = re.compile(r"[?&](?:amp;)?[\w.-]{1,40}=$")


def _signed_url_expired(line: str, col: int) -> bool:
    """Whether the value at `col` is a query parameter of a URL (`...?e=1576142006&token=AK:signature`) whose own
    expiry parameter lies in the past: the signature granted access to one object until then, and no longer does."""
    if not _URL_TOKEN_KEY.search(line, max(0, col - 48), col):
        return False
    start = max(line.rfind(c, 0, col) for c in " \"'(<")
    ends = [i for i in (line.find(c, col) for c in " \"')>") if i >= 0]
    url = line[start + 1 : min(ends) if ends else len(line)]
    if "://" not in url:
        return False
    m = _URL_EXPIRY.search(url)
    return m is not None and int(m.group("t")) < time.time()


def _jwt_is_example(value: str) -> bool:
    """jwt.io's example token and other well-known documentation tokens."""
    return value.startswith("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
                            "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ")
