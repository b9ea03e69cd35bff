"""A faster exact path to the E.164 form of a phone number already written as +<digits>.

`orders.inputs.normalize_phone` (phonenumbers.parse, is_possible_number, format_number) costs
about 50 µs a number, most of it in parse's input handling: finding the number in free text,
extensions, RFC 3966, letters, other scripts' digits. The import's cache of it misses for every
new customer, so on a file of 100,000 orders this was the largest single validation cost.

For a cell that is "+" and 7 to 15 ASCII digits, none of that handling changes anything, so
this runs only the steps of parse that can (phonenumbers' own functions, in parse's order):
the country calling code, the national prefix stripped if what is left still has a possible
length; then the length test that is_possible_number makes, and the E.164 text format_number
makes. About ten times faster. The region is not used: after a "+" phonenumbers ignores it too.

`e164_fast` returns None for anything else, and for a number it finds impossible, so the
caller asks normalize_phone, which gives the verdict and its message. Tests compare both on
every country code (tests/orders/test_import_phones.py), so a phonenumbers upgrade that
changes parse shows up there.
"""

import re

from phonenumbers import PhoneMetadata
from phonenumbers.phonenumberutil import (
    ValidationResult,
    _extract_country_code,
    _maybe_strip_national_prefix_carrier_code,
    _test_number_length,
    region_code_for_country_code,
)

_E164_SHAPE = re.compile(r"\+[1-9][0-9]{6,14}")
# Lengths after which parse keeps the number as written instead of the stripped one.
_KEEP_AS_WRITTEN = (
    ValidationResult.TOO_SHORT,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    ValidationResult.INVALID_LENGTH,
)
_POSSIBLE = (ValidationResult.IS_POSSIBLE, ValidationResult.IS_POSSIBLE_LOCAL_ONLY)


def e164_fast(raw: str) -> str | None:
    """E.164 of `raw` exactly as normalize_phone gives it, or None: ask normalize_phone."""
    if _E164_SHAPE.fullmatch(raw) is None:
        return None
    country_code, national = _extract_country_code(raw[1:])
    if country_code == 0:
        return None  # not a calling code: parse retries in ways this path does not
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(
        country_code, region_code_for_country_code(country_code)
    )
    if metadata is None:
        return None
    _carrier, stripped, _transformed = _maybe_strip_national_prefix_carrier_code(national, metadata)
    length = _test_number_length(stripped, metadata)
    if length in _KEEP_AS_WRITTEN:
        length = _test_number_length(national, metadata)
    else:
        national = stripped
    if len(national) < 2 or len(national) > 17:  # parse's bounds on the national number
        return None
    # is_possible_number: the length test of the national significant number, which is
    # `national` as written (Italian leading zeros included); format_number(E164): "+", the
    # calling code, that number.
    if length not in _POSSIBLE:
        return None
    return f"+{country_code}{national}"
