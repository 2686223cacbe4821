"""Phone numbers already in strict E.164 form (``+`` and digits), read quickly.

``phonenumbers.parse`` with ``is_valid_number`` and ``format_number`` take
about 40 µs a number, most of it general parsing (any punctuation, IDD
prefixes, extensions, RFC 3966) and recompiling patterns; a manifest of
100,000 contacts reads each number twice (ALR002, ALR005). For the common
shape, ``+`` then digits, :func:`strict_e164` decides validity from the
library's own metadata, the same steps the library takes:

- the country code is the first one to three digits that name one
  (``COUNTRY_CODE_TO_REGION_CODE``), as ``parse`` extracts it;
- the number's region is the country code's only region, else the first of
  its regions whose ``leading_digits`` match or whose patterns know the
  number, as ``region_code_for_number`` finds it;
- the number is valid when it matches the region's general description and
  one of its number types (length first, then pattern), as
  ``is_valid_number`` decides.

Any number the shortcut is not sure of is :data:`UNSURE`, and the caller asks
the library: a country code starting with ``0`` or none at all, a national
number of fewer than 2 or more than 17 digits, one starting with ``0`` (an
Italian leading zero), and one where the region's national prefix for parsing
matches (``parse`` may strip it). A valid number's E.164 form is then the text
itself. tests/test_phones.py checks the shortcut against the library on
generated numbers.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Final

__all__ = ["UNSURE", "strict_e164", "strict_valid"]

#: The shortcut does not decide: ask ``phonenumbers``.
UNSURE: Final = "unsure"

_MIN_DIGITS, _MAX_DIGITS = 3, 20  # after the +
_MIN_NATIONAL, _MAX_NATIONAL = 2, 17  # phonenumbers' _MIN_LENGTH_FOR_NSN, _MAX_LENGTH_FOR_NSN
_NON_GEO = "001"  # phonenumbers' REGION_CODE_FOR_NON_GEO_ENTITY


def strict_e164(text: str) -> str | None:
    """The E.164 form of ``+digits`` when valid, ``None`` when not, else :data:`UNSURE`."""
    digits = text[1:]
    if not (text[:1] == "+" and digits.isascii() and digits.isdigit()):
        return UNSURE
    verdict = strict_valid(digits)
    if verdict is UNSURE:
        return UNSURE
    return text if verdict else None


def strict_valid(digits: str) -> bool | str:
    """Whether ``+`` and ``digits`` (ASCII digits only) is a valid number, else :data:`UNSURE`.

    :func:`strict_e164` without building the text: a bulk reader that already
    has the digits of 400,000 numbers asks this one.
    """
    # The pattern \+[1-9][0-9]{2,19}: at most 3 country-code digits and 17 national.
    if not _MIN_DIGITS <= len(digits) <= _MAX_DIGITS or digits[0] == "0":
        return UNSURE
    # The country code is the first 1, 2 or 3 digits that name one (no code is
    # the start of another); a table of their texts spares a conversion per size.
    codes = _CODES or _load_codes()
    head = digits[:1]
    plan = codes.get(head, _NONE)
    if plan is _NONE:
        head = digits[:2]
        plan = codes.get(head, _NONE)
        if plan is _NONE:
            head = digits[:3]
            plan = codes.get(head, _NONE)
            if plan is _NONE:
                return UNSURE
    national = digits[len(head) :]
    if not _MIN_NATIONAL <= len(national) <= _MAX_NATIONAL or national[0] == "0":
        return UNSURE
    if plan is None:
        plan = codes[head] = _plan(int(head)) or _NO_PLAN
    if plan is _NO_PLAN or (plan.prefix is not None and plan.prefix.match(national)):
        return UNSURE
    valid: bool = plan.valid(national)
    return valid


#: Each country code's text -> its plan, made on first use (``None`` until then).
_CODES: dict[str, _Plan | None] = {}
_NONE: Any = object()  # not a country code


def _load_codes() -> dict[str, _Plan | None]:
    import phonenumbers

    _CODES.update(dict.fromkeys(map(str, phonenumbers.COUNTRY_CODE_TO_REGION_CODE)))
    return _CODES


class _Plan:
    """What one country code needs: its national prefix for parsing, and its regions' checks."""

    def __init__(self, code: int, prefix: re.Pattern[str] | None, regions: list[_Region]) -> None:
        self.code = code
        self.prefix = prefix
        self.regions = regions
        # A code of one region whose metadata is its own: that region's check alone.
        only = regions[0] if len(regions) == 1 else None
        self.only = (
            only
            if only is not None
            and only.metadata is not None
            and (only.name == _NON_GEO or only.metadata.country_code == code)
            else None
        )

    def valid(self, national: str) -> bool:
        """``is_valid_number`` of ``+<code><national>`` (no leading zero)."""
        if self.only is not None:
            return self.only.known(national)
        known: bool | None = None  # the chosen region's verdict, when choosing it gave one
        if len(self.regions) == 1:
            region = self.regions[0]
        else:
            for region in self.regions:
                if region.metadata is None:
                    continue
                if region.leading is not None:
                    if region.leading.match(national):
                        break
                elif region.known(national):
                    known = True
                    break
            else:
                return False
        if region.metadata is None:
            return False
        if region.name != _NON_GEO and region.metadata.country_code != self.code:
            return False
        return region.known(national) if known is None else known


class _Region:
    """One region's metadata, with its patterns compiled once per national-number length.

    ``_number_type_helper`` is not UNKNOWN when the number matches the general
    description and one of the types' (premium rate, ..., fixed line, then
    mobile unless its pattern is the fixed line's); a description matches when
    its possible lengths (if listed) hold the length and its pattern matches
    the whole number. Which type matches does not matter, so per length the
    types that allow it are one alternation, fully matched.
    """

    def __init__(self, name: str, metadata: Any) -> None:
        self.name = name
        self.metadata = metadata
        self.leading: re.Pattern[str] | None = None
        self._checks: dict[int, tuple[re.Pattern[str], re.Pattern[str]] | None] = {}
        if metadata is not None and metadata.leading_digits is not None:
            self.leading = re.compile(metadata.leading_digits)

    def known(self, national: str) -> bool:
        """``_number_type_helper(national, metadata) != UNKNOWN``."""
        size = len(national)
        try:
            check = self._checks[size]
        except KeyError:
            check = self._checks[size] = self._check(size)
        if check is None:
            return False
        general, types = check
        return general.fullmatch(national) is not None and types.fullmatch(national) is not None

    def _check(self, size: int) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
        metadata = self.metadata
        general = _pattern(metadata.general_desc, size)
        if general is None:
            return None
        descs = [
            metadata.fixed_line,
            metadata.premium_rate,
            metadata.toll_free,
            metadata.shared_cost,
            metadata.voip,
            metadata.personal_number,
            metadata.pager,
            metadata.uan,
            metadata.voicemail,
        ]
        if not metadata.same_mobile_and_fixed_line_pattern:
            descs.append(metadata.mobile)
        types = [pattern for pattern in (_pattern(desc, size) for desc in descs) if pattern]
        if not types:
            return None
        return re.compile(general), re.compile("|".join(f"(?:{p})" for p in types))


def _pattern(desc: Any, size: int) -> str | None:
    """A description's pattern when a number of ``size`` digits may match it, else None."""
    if desc is None or not desc.national_number_pattern:
        return None
    if desc.possible_length and size not in desc.possible_length:
        return None
    return str(desc.national_number_pattern)


#: What a country code without metadata has for a plan: the library decides its numbers.
_NO_PLAN = _Plan(0, None, [])


@functools.cache
def _plan(code: int) -> _Plan | None:
    import phonenumbers
    from phonenumbers.phonemetadata import PhoneMetadata

    main = phonenumbers.region_code_for_country_code(code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, main)
    if metadata is None:
        return None
    prefix = metadata.national_prefix_for_parsing
    regions = [
        _Region(name, _region_metadata(code, name))
        for name in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]
    ]
    return _Plan(code, re.compile(prefix) if prefix else None, regions)


def _region_metadata(code: int, name: str) -> Any:
    from phonenumbers.phonemetadata import PhoneMetadata

    return PhoneMetadata.metadata_for_region_or_calling_code(code, name.upper())
