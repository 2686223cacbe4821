"""Every way a careless or hostile target may echo a credential back, as one pattern.

A server that echoes the token it was sent rarely echoes it verbatim: it
URL-encodes it (``%2F`` or ``%2f``, ``+`` for a space), puts it in base64 or
base64url (padded or not, and often inside a longer encoded string, such as a
``Basic`` header or a JWT-like blob), prints its bytes in hex, or writes it in a
JSON string with ``\\/`` and ``\\uXXXX`` escapes. :func:`secret_pattern`
matches all of these, in any mix (a percent-escape next to a ``\\u`` escape);
:func:`wipe` replaces every match.

Base64 inside a longer string: the characters that encode the token depend on
where it starts modulo 3 bytes. For each of the three alignments, the pattern
holds the run of characters that depend on the token's bytes alone (the first
and last character, which mix in neighbouring bytes, are left out: they reveal
at most a few bits).

Stdlib only; patterns are compiled on first use and cached per secret.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["encoded_forms", "secret_pattern", "wipe"]

#: Base64 runs shorter than this are not looked for: too likely to occur by chance.
_MIN_BASE64_RUN = 8


def _hex_digit_class(digit: str) -> str:
    return f"[{digit.lower()}{digit.upper()}]" if digit.isalpha() else digit


def _hex_any_case(text: str) -> str:
    """A pattern for hex digits in either case."""
    return "".join(_hex_digit_class(d) for d in text)


def _char_pattern(char: str) -> str:
    """One character: itself, percent-encoded, ``+`` for a space, or JSON-escaped."""
    options = [re.escape(char)]
    options.append("".join(f"%{_hex_any_case(f'{b:02x}')}" for b in char.encode("utf-8")))
    if char == " ":
        options.append(r"\+")
    code = ord(char)
    if code <= 0xFFFF:
        options.append(r"\\u" + _hex_any_case(f"{code:04x}"))
    else:  # a JSON string writes a character outside the BMP as a surrogate pair
        high, low = divmod(code - 0x10000, 0x400)
        options.append(
            r"\\u"
            + _hex_any_case(f"{0xD800 + high:04x}")
            + r"\\u"
            + _hex_any_case(f"{0xDC00 + low:04x}")
        )
    if char in '/"\\':
        options.append(re.escape("\\" + char))
    return "(?:" + "|".join(options) + ")"


def _text_pattern(text: str) -> str:
    return "".join(_char_pattern(c) for c in text)


def _base64_runs(raw: bytes) -> set[str]:
    """For each alignment, the base64 characters that encode ``raw``'s bits alone."""
    runs: set[str] = set()
    for lead in range(3):
        encoded = base64.b64encode(bytes(lead) + raw + bytes(2)).decode("ascii")
        first_bit, end_bit = 8 * lead, 8 * (lead + len(raw))
        start = -(-first_bit // 6)  # the first character that begins at or after the token
        stop = end_bit // 6  # the characters that end at or before the token's end
        run = encoded[start:stop]
        if len(run) >= _MIN_BASE64_RUN:
            runs.add(run)
            runs.add(run.replace("+", "-").replace("/", "_"))  # base64url
    return runs


def encoded_forms(secret: str) -> set[str]:
    """The literal forms looked for (before percent and JSON escapes are applied to them)."""
    raw = secret.encode("utf-8", "surrogateescape")
    return {secret, raw.hex(), *_base64_runs(raw)}


@lru_cache(maxsize=256)
def secret_pattern(secret: str) -> re.Pattern[str]:
    """A pattern matching ``secret`` in every encoding the module docstring lists."""
    raw = secret.encode("utf-8", "surrogateescape")
    hex_form = raw.hex()
    forms = sorted(encoded_forms(secret) - {hex_form}, key=len, reverse=True)
    alternatives = [_text_pattern(form) for form in forms]
    alternatives.append(_hex_any_case(hex_form))
    return re.compile("|".join(alternatives))


def wipe(text: str, secrets: Iterable[str], replacement: str, *, min_length: int = 4) -> str:
    """``text`` with every encoding of every secret (``min_length`` or longer) replaced."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= min_length and text:
            text = secret_pattern(secret).sub(replacement, text)
    return text
