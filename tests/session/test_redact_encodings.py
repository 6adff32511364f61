"""A known secret is redacted in the encodings a command prints, and never cut in two."""

from __future__ import annotations

import base64
import codecs
import subprocess
from urllib.parse import quote

import pytest

from cockpit.session.redact import Redactor

SECRET = "pl4nted/Secret+value=42"  # has the characters urlsafe base64 and URLs change
ENV = {"MY_API_KEY": SECRET}


def _b64(data: bytes) -> list[str]:
    return [
        base64.b64encode(data).decode(),
        base64.b64encode(data).decode().rstrip("="),
        base64.urlsafe_b64encode(data).decode(),
        base64.urlsafe_b64encode(data).decode().rstrip("="),
    ]


ENCODED = {
    "reversed": [SECRET[::-1]],
    "hex": [SECRET.encode().hex(), SECRET.encode().hex().upper()],
    "url": [quote(SECRET, safe=""), quote(SECRET)],
    "base64": _b64(SECRET.encode()),
}


@pytest.mark.parametrize(("how", "form"), [(h, f) for h, fs in ENCODED.items() for f in fs])
def test_each_encoding_of_a_known_secret_is_redacted(how: str, form: str) -> None:
    out = Redactor(ENV).text(f"value: {form} (done)")
    assert form not in out
    assert out.startswith("value: [REDACTED:$MY_API_KEY") and out.endswith(" (done)")


@pytest.mark.parametrize("before", ["", "A", "AB", "MY_API_KEY=", "x" * 7])
@pytest.mark.parametrize("after", ["", "\n", "Z", "; OTHER=1"])
def test_base64_of_a_longer_text_holding_the_secret_at_any_alignment(
    before: str, after: str
) -> None:
    """`env | base64`: the secret sits at one of three bit offsets inside the encoding."""
    for encoded in _b64(f"{before}{SECRET}{after}".encode()):
        out = Redactor(ENV).text(encoded)
        assert "[REDACTED:$MY_API_KEY:base64]" in out
        decoded = _try_decode(out.replace("[REDACTED:$MY_API_KEY:base64]", ""))
        assert SECRET[2:-2] not in decoded


def _try_decode(text: str) -> str:
    """What of ``text`` still decodes, read at every alignment."""
    found = []
    for start in range(4):
        chunk = text[start:]
        chunk = chunk[: len(chunk) // 4 * 4]
        for alt in (chunk, chunk.replace("-", "+").replace("_", "/")):
            try:
                found.append(base64.b64decode(alt, validate=False).decode("latin-1"))
            except ValueError:
                continue
    return "\n".join(found)


def test_base64_wrapped_over_lines_by_the_real_base64_command() -> None:
    env_dump = ("PATH=/usr/bin\nHOME=/home/me\n" * 3 + f"MY_API_KEY={SECRET}\n").encode()
    wrapped = subprocess.run(["base64"], input=env_dump, capture_output=True, check=True).stdout
    text = wrapped.decode()
    assert "\n" in text.strip()  # the encoding really is wrapped
    out = Redactor(ENV).text(text)
    assert "[REDACTED:$MY_API_KEY:base64]" in out
    assert SECRET not in _try_decode(out.replace("\n", ""))


def test_a_reversed_token_shape_is_redacted() -> None:
    token = "ghp_" + "a1B2c3D4e5" * 4
    out = Redactor({}).text(f"rev: {token[::-1]}!")
    assert out == "rev: [REDACTED:github-token:reversed]!"
    assert Redactor({}).text(codecs.encode("plain words here", "rot13")) == "cynva jbeqf urer"


def test_ordinary_text_is_left_alone() -> None:
    text = "hex 0123abcd, base64 aGVsbG8gd29ybGQ=, url a%20b, words reversed sdrow\n" * 50
    assert Redactor(ENV).text(text) == text


@pytest.mark.parametrize("at", [1, 5, len(SECRET) - 1])
def test_a_cut_through_a_secret_moves_to_its_edge(at: int) -> None:
    redactor = Redactor(ENV)
    text = "head " + base64.b64encode(SECRET.encode()).decode() + " tail"
    cut = 5 + at
    head = text[: redactor.safe_cut(text, cut, keep="head")]
    tail = text[redactor.safe_cut(text, cut, keep="tail") :]
    assert head == "head "
    assert tail == " tail"
    assert redactor.safe_cut(text, 2, keep="head") == 2  # no secret there: the cut stays


@pytest.mark.parametrize(
    "command",
    [
        ["xxd"],
        ["xxd", "-g1"],
        ["hexdump", "-C"],
        ["od", "-tx1"],
        ["od", "-An", "-tx1"],
        ["base64", "-w", "40"],
        ["base64", "-w", "20"],
        ["xxd", "-p", "-c", "12"],
    ],
    ids=" ".join,
)
def test_a_secret_laid_out_over_lines_by_a_real_dump_command_is_redacted(
    command: list[str],
) -> None:
    """A dump spreads the secret over lines, between offsets, spaces and a text column:
    neither its hex, nor its characters in the text column, nor their pieces stay."""
    dumped = subprocess.run(
        command, input=f"HOME=/home/me\nMY_API_KEY={SECRET}\n".encode(), capture_output=True
    ).stdout.decode()
    out = Redactor(ENV).text(dumped)
    assert "[REDACTED:$MY_API_KEY" in out, out
    hex_digits = "".join(ch for ch in out if ch in "0123456789abcdef")
    assert SECRET.encode().hex()[8:24] not in hex_digits  # no run of its hex survives
    text_column = "".join(line[-18:] for line in out.splitlines())
    assert "Secret" not in text_column
    assert SECRET not in _try_decode(out.replace("\n", ""))
