"""Redaction: known secret formats never survive, masks are stable, and no input makes it slow."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.redact import mask, redact
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
