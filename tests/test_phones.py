"""The E.164 shortcut of tapecheck.suite.phones agrees with the phonenumbers library."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tapecheck.suite import values
from tapecheck.suite.phones import UNSURE, strict_e164
from tapecheck.suite.values import library_e164

CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
REGIONS = sorted(
    {region for regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.values() for region in regions}
)
TYPES = [
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.VOIP,
]


def examples() -> list[str]:
    """Every example number of the metadata, in E.164: valid numbers of every region and type."""
    found: set[str] = set()
    for region in REGIONS:
        for kind in TYPES:
            if region == "001":
                continue
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                found.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
        number = phonenumbers.example_number_for_non_geo_entity(code)
        if number is not None:
            found.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return sorted(found)


EXAMPLES = examples()


def agrees(text: str) -> bool:
    """The shortcut is unsure, or says what the library says."""
    quick = strict_e164(text)
    return quick is UNSURE or quick == library_e164(text)


def test_every_example_number_agrees_and_most_are_decided() -> None:
    decided = [text for text in EXAMPLES if strict_e164(text) is not UNSURE]
    assert [text for text in EXAMPLES if not agrees(text)] == []
    assert len(decided) > len(EXAMPLES) * 0.8, (len(decided), len(EXAMPLES))
    assert any(strict_e164(text) is None for text in (t[:-1] for t in EXAMPLES))


@settings(max_examples=3000, deadline=None)
@given(
    st.sampled_from(EXAMPLES),
    st.integers(min_value=0, max_value=3),
    st.text(alphabet="0123456789", max_size=3),
    st.integers(min_value=1, max_value=99),
)
@example("+14155552671", 0, "", 1)
def test_edited_example_numbers_agree(text: str, cut: int, tail: str, digit: int) -> None:
    """Near-valid numbers: shortened, lengthened, one digit changed."""
    edited = text[: len(text) - cut] + tail
    assert agrees(edited), edited
    position = 1 + digit % (len(text) - 1)
    changed = text[:position] + str((int(text[position]) + 1) % 10) + text[position + 1 :]
    assert agrees(changed), changed


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(st.sampled_from(CODES), st.integers(min_value=0, max_value=999)),
    st.text(alphabet="0123456789", max_size=19),
    st.sampled_from(["", "0", "00", "1", "9"]),
)
@example(44, "2079460000", "0")  # a national prefix after the country code
@example(39, "6698123", "0")  # an Italian leading zero
@example(1, "4155552671", "1")
def test_generated_numbers_agree(code: int, digits: str, lead: str) -> None:
    """Any country code (known or not), any national digits, leading zeros, any length."""
    assert agrees(f"+{code}{lead}{digits}")


@pytest.mark.parametrize(
    "text",
    ["+", "+0", "+1", "+12", "+123", "++14155552671", "+1 415 555 2671", "14155552671", "+١٢٣"],
)
def test_other_shapes_are_left_to_the_library_or_decided_alike(text: str) -> None:
    assert agrees(text)


def test_to_e164_gives_what_the_library_gives() -> None:
    """The whole reading, shortcut and fallback, on examples and their edits."""
    texts = EXAMPLES + [t[:-1] for t in EXAMPLES] + [t.replace("+", "", 1) for t in EXAMPLES]
    texts += ["+4402079460000", "+390669812345", "(415) 555-2671", "+1 415-555-2671"]
    for text in texts:
        expected = library_e164(text if text.startswith("+") else "+" + re.sub(r"\D", "", text))
        assert values.to_e164(text) == expected, text


_PHONE_TEXT = st.one_of(
    st.from_regex(r"\+?[0-9 ().-]{1,16}", fullmatch=True),
    st.sampled_from(
        ["+14155552671", "14155552671", "(415) 555-2671", " +44 20 7946 0000 ", "abc", "+", "0"]
    ),
    st.sampled_from(["١٤١٥٥٥٥٢٦٧١", "+1 415\n555 2671", "555\t2671", "+١٢٣"]),
    st.text(min_size=1, max_size=8),
).filter(lambda text: bool(text.strip()))


@settings(max_examples=400, deadline=None)
@given(texts=st.lists(_PHONE_TEXT, max_size=12), known=st.lists(_PHONE_TEXT, max_size=3))
def test_phone_keys_read_in_bulk_are_the_ones_read_one_by_one(
    texts: list[str], known: list[str]
) -> None:
    """Digits of all texts in one pass (line breaks, non-ASCII digits too), then the shortcut."""
    table = {text: values.phone_key(text) for text in known}
    values.add_phone_keys(table, texts)
    assert table == {text: values.phone_key(text) for text in [*known, *texts]}
