"""JSON Schema ``format`` assertions: which formats tapecheck asserts, and how it reads them.

One table for every validator tapecheck builds from a spec, the linter's
(SCH004) and the reference mocks' alike, so a value the linter passes is a
value the mock accepts. What each value means is
:mod:`tapecheck.suite.values`:

- ``uuid``: the hyphenated 8-4-4-4-12 form, any case;
- ``email``: an address by syntax, without a DNS look-up;
- ``date-time``: RFC 3339 with an offset (``Z``, ``+02:00``);
- ``date``: ``YYYY-MM-DD``, a day of the calendar;
- ``uri``: an absolute URI.

A value that is not a string passes every format, as JSON Schema says.
``jsonschema`` is imported on first use only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from tapecheck.suite.values import has_offset, is_date, is_email, is_uri, is_uuid, parse_datetime

if TYPE_CHECKING:
    from jsonschema import FormatChecker

__all__ = ["FORMATS", "format_checker"]


def _is_date_time(value: str) -> bool:
    moment = parse_datetime(value)
    return moment is not None and has_offset(moment)


#: Each asserted format and what a string in that format is.
FORMATS: Mapping[str, Callable[[str], bool]] = {
    "uuid": is_uuid,
    "email": functools.lru_cache(maxsize=4096)(is_email),
    "date-time": _is_date_time,
    "date": is_date,
    "uri": is_uri,
}


@functools.cache
def format_checker(
    formats: tuple[str, ...] = tuple(FORMATS), *, keep_jsonschema_formats: bool = False
) -> FormatChecker:
    """A checker asserting ``formats`` (names of :data:`FORMATS`) as tapecheck reads them.

    With ``keep_jsonschema_formats``, jsonschema's own checks of the formats
    tapecheck does not read (``ipv4``, ``time``, ...) stay in force; without, no
    other format is asserted.
    """
    from jsonschema import FormatChecker

    checker = FormatChecker() if keep_jsonschema_formats else FormatChecker(formats=())
    for name in formats:
        checker.checks(name)(functools.partial(_holds, FORMATS[name]))
    return checker


def _holds(check: Callable[[str], bool], value: object) -> bool:
    return not isinstance(value, str) or check(value)
