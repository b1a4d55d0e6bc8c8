"""Redaction: known secret formats never survive, masks are stable, and no input makes it slow."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.redact import mask, redact, shown_text
from tests.hostile import AWS_KEY, DB_PASSWORD, DB_URL, GITHUB_TOKEN, PASSWORD, PEM_LINE_1, PEM_LINE_2, PRIVATE_KEY, SLACK_TOKEN


@pytest.mark.parametrize(("text", "secret", "expected"), [
    (f"key = '{AWS_KEY}'", AWS_KEY, "key = 'AKIA[redacted 20 chars]'"),
    (f"token: {GITHUB_TOKEN}", GITHUB_TOKEN, "token: ghp_[redacted 40 chars]"),
    (f"SLACK={SLACK_TOKEN}", SLACK_TOKEN, "SLACK=xoxb[redacted 51 chars]"),
    (f'password = "{PASSWORD}"', PASSWORD, 'password = "Sup3[redacted 20 chars]"'),
    (f"DATABASE_URL={DB_URL}", DB_PASSWORD, "DATABASE_URL=postgresql://app_admin:Pg-P[redacted 16 chars]@db.internal:5432/app"),
    ("db_password: hunter2", "hunter2", "db_password: [redacted 7 chars]"),
    ("mysqlPassword = 'hunter22'", "hunter22", "mysqlPassword = '[redacted 8 chars]'"),
])
def test_known_formats_are_masked(text: str, secret: str, expected: str) -> None:
    assert redact(text) == expected
    assert secret not in redact(text)


def test_private_key_is_masked_whole_or_from_inside_and_keeps_line_count() -> None:
    text = f'KEY = """{PRIVATE_KEY}"""\nnext_line = 1\n'
    out = redact(text)
    assert out.count("\n") == text.count("\n")
    assert PEM_LINE_1 not in out and PEM_LINE_2 not in out and out.endswith('"""\nnext_line = 1\n')
    inside = "\n".join(PRIVATE_KEY.splitlines()[3:6])  # a snippet that starts inside the key
    assert PEM_LINE_1 not in redact(inside) and PEM_LINE_2 not in redact(inside)


def test_placeholders_and_ordinary_code_are_left_alone() -> None:
    for text in ("password = os.environ['DB_PASSWORD']", "token = ${TOKEN}", "password: <your-password>",
                 "secret = settings.SECRET_KEY", "sha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'",
                 "url = 'https://example.com/path'", "def password_reset(request):"):
        assert redact(text) == text


def test_mask_keeps_a_prefix_only_for_long_values() -> None:
    assert mask("hunter2") == "[redacted 7 chars]"
    assert mask("x" * 20) == "xxxx[redacted 20 chars]"


_SECRET_VALUES = st.sampled_from([AWS_KEY, GITHUB_TOKEN, SLACK_TOKEN, PEM_LINE_1, "glpat-" + "a1B2c3D4e5F6g7H8i9J0",
                                  "sk_live_" + "a1B2c3D4e5F6g7H8i9J0", "AIza" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r"])
_SEPARATORS = st.sampled_from([" ", "\n", "\t", "'", '"', "(", ",", ";", "=", ": ", "\r\n"])


@given(st.text(max_size=300))
def test_redact_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


@given(st.lists(st.tuples(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40), _SEPARATORS,
                          _SECRET_VALUES, _SEPARATORS), min_size=1, max_size=4))
def test_no_known_format_secret_survives(parts: list[tuple[str, str, str, str]]) -> None:
    text = "".join(noise + left + secret + right for noise, left, secret, right in parts)
    out = redact(text)
    for _, _, secret, _ in parts:
        assert secret not in out
    assert redact(out) == out
    assert out.count("\n") == text.count("\n")


@pytest.mark.parametrize("text", [
    "password" * 100_000, "a." * 200_000, "x://" * 100_000, "a://b:" * 100_000, "token = '" * 100_000,
    "-----BEGIN RSA PRIVATE KEY-----\n" * 20_000, "eyJ" * 200_000, "aB3+" * 200_000, "password = " * 100_000,
])
def test_pathological_inputs_stay_linear(text: str) -> None:
    # Not a timing assertion: a quadratic pattern would take minutes here and hit the suite's timeout.
    assert len(redact(text)) > 0


def test_pem_body_line_followed_by_padding_and_more_text() -> None:
    """Found by hypothesis: a key line directly followed by `=` and a digit slipped through."""
    out = redact(f" {PEM_LINE_1}=0 next")
    assert PEM_LINE_1 not in out
    assert out.endswith("=0 next")


@pytest.mark.parametrize(("text", "secret"), [
    ("ALTER ROLE app WITH PASSWORD 'Sup3r-S3cret';", "Sup3r-S3cret"),
    ("CREATE USER app WITH ENCRYPTED PASSWORD 'md5-abcdef';", "md5-abcdef"),
    ("CREATE USER 'u'@'%' IDENTIFIED BY 'hunter22';", "hunter22"),
    ('GRANT ALL ON db.* TO u IDENTIFIED BY "dq-pass1";', "dq-pass1"),
    ("CREATE USER scott IDENTIFIED BY tiger42;", "tiger42"),
    ("CREATE USER u IDENTIFIED WITH mysql_native_password BY 'plugin-pw';", "plugin-pw"),
    ("SET PASSWORD FOR u = PASSWORD('old-style');", "old-style"),
    ("op.execute(\"ALTER USER reporting PASSWORD 'rep0rt1ng'\")", "rep0rt1ng"),
])
def test_sql_credentials_in_migrations_are_masked(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out and "[redacted" in out
    assert redact(out) == out


def test_sql_keywords_that_are_not_credentials_are_left_alone() -> None:
    for text in ("CREATE USER u IDENTIFIED BY VALUES 'x';", "ALTER USER u IDENTIFIED EXTERNALLY;", "password NULL",
                 "-- reset the password column\nUPDATE users SET password_hash = NULL;"):
        assert redact(text) == text


_SQL = st.builds(lambda verb, quote, value: f"{verb}{quote}{value}{quote}",
                 st.sampled_from(["ALTER ROLE a PASSWORD ", "IDENTIFIED BY ", "PASSWORD(", "identified with p by ",
                                  "ENCRYPTED PASSWORD  "]),
                 st.sampled_from(["'", '"']),
                 st.text(alphabet=st.characters(blacklist_characters="'\"\n\r", blacklist_categories=("Cs",)), min_size=4,
                         max_size=40).filter(lambda v: v.strip() == v and "[redacted" not in v))


@given(st.lists(st.tuples(st.text(max_size=30), _SQL), min_size=1, max_size=4))
def test_no_sql_password_survives_and_redaction_stays_idempotent(parts: list[tuple[str, str]]) -> None:
    text = "\n".join(noise + " " + sql for noise, sql in parts)
    out = redact(text)
    assert redact(out) == out
    assert out.count("\n") == text.count("\n")


@pytest.mark.parametrize("text", ["PASSWORD " * 100_000, "IDENTIFIED BY " * 100_000, "identified with x " * 80_000,
                                  "PASSWORD('" * 100_000])
def test_sql_patterns_stay_linear(text: str) -> None:
    assert len(redact(text)) > 0


def test_shown_text_makes_every_invisible_character_visible() -> None:
    from auditor.redact import INVISIBLE, shown_text, stored_text

    raw = "a\x1b[2Jb\x07c\x9b31md\u202ee\u2066f\u2069g\u200bh\u200ei\u200fj\u2060k\ufeffl\u061cm\rn\u2028o"
    shown = shown_text(raw)
    assert INVISIBLE.search(shown) is None and "\n" not in shown
    assert shown_text(shown) == shown
    assert shown_text("x\ny", multiline=True) == "x\ny" and shown_text("x\ny") == "x\\x0ay"
    assert stored_text(f"p/{GITHUB_TOKEN}") == "p/ghp_[redacted 40 chars]"


@pytest.mark.parametrize("value", ["000 000000000000", "000\x0b000000000000", "ab[c0000000000000"])
def test_a_mask_whose_prefix_would_hold_a_space_or_bracket_is_masked_once(value: str) -> None:
    out = redact(f"ALTER ROLE a PASSWORD '{value}'")
    assert value not in out and redact(out) == out


def test_short_texts_are_redacted_once_per_process_and_long_ones_every_time_issue_14() -> None:
    """A report shows the same paths, titles and messages thousands of times: each short text is redacted once
    (a bounded memo), and a text too long to keep is redacted afresh, to the same result."""
    from auditor import redact as module

    key = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    short = f"token = {key}"
    long_text = "x = 1\n" * 400 + short
    assert len(short) <= module._MEMO_MAX_CHARS < len(long_text)
    module._redact_short.cache_clear()
    first = redact(short)
    assert key not in first and redact(short) is first  # the second answer is the memo's
    assert module._redact_short.cache_info().hits == 1 and module._redact_short.cache_info().maxsize == module._MEMO_ENTRIES
    assert key not in redact(long_text) and redact(long_text) == redact(long_text)
    assert module._redact_short.cache_info().currsize == 1  # the long text was not kept
    shown = shown_text("\x1b[31m" + short)
    assert key not in shown and "\\x1b" in shown and shown_text("\x1b[31m" + short) is shown
