"""The import's fast phone path gives exactly what phonenumbers gives, or steps aside."""

import random

import phonenumbers
import pytest

from orders.importing.phones import e164_fast
from orders.inputs import normalize_phone
from orders.models import Customer, Order
from tests.orders.import_helpers import our_order, run_import, write_csv


def _slow(raw: str, region: str) -> str | None:
    try:
        return normalize_phone(raw, region=region)
    except ValueError:
        return None


# National prefixes and trunk digits that phonenumbers strips or keeps depending on the length
# left: the cases where "+<digits>" does not simply come back as written.
TRICKY = [
    "+4403012345678",  # UK number written with its national 0 after the calling code
    "+44020712345678",
    "+390612345678",  # Italy keeps its leading zero
    "+39000000000",
    "+3906123",
    "+12125550123",
    "+112125550123",  # NANP with the trunk 1 repeated
    "+4930123456",
    "+49030123456",
    "+5491123456789",  # Argentina: mobile 9 and the 15 prefix rules
    "+54911512345678",
    "+79161234567",
    "+78161234567",
    "+8613812345678",
    "+86013812345678",
    "+61412345678",
    "+610412345678",
    "+80012345678",  # non-geographic: freephone
    "+88234567890",
    "+99912345678",  # no such calling code
    "+2901234",  # Saint Helena, short numbers
    "+1234567",
    "+123456789012345",
]


@pytest.mark.parametrize("raw", TRICKY)
@pytest.mark.parametrize("region", ["", "DE", "US", "GB", "IT", "AR"])
def test_the_fast_path_agrees_with_phonenumbers_on_tricky_numbers(raw, region):
    fast = e164_fast(raw)

    assert fast is None or fast == _slow(raw, region)


def test_the_fast_path_agrees_with_phonenumbers_for_every_calling_code():
    rnd = random.Random(16)
    compared = 0

    for code in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE):
        for length in range(4, 15 - len(str(code)) + 1):
            for prefix in ("", "0", "00", "1", "8", "9", "15", "06"):
                digits = (prefix + "".join(rnd.choice("0123456789") for _ in range(length)))[:length]
                raw = f"+{code}{digits}"
                fast = e164_fast(raw)
                if fast is not None:
                    compared += 1
                    assert fast == _slow(raw, "DE") == _slow(raw, ""), raw

    assert compared > 2000  # the fast path answers most well-formed numbers, not just a few


@pytest.mark.parametrize(
    "raw",
    # national form, spaces, dashes, brackets, an extension, no calling code, full-width digits
    [
        "030 1234567",
        "+49 30 123456",
        "+49-30-123456",
        "(212) 555-0123",
        "+4930123456 ext. 12",
        "+0301234567",
        "+\uff14\uff19\uff13\uff10\uff11\uff12\uff13\uff14\uff15\uff16",
    ],
)
def test_anything_not_plain_plus_and_digits_is_left_to_phonenumbers(raw):
    assert e164_fast(raw) is None


def test_an_imported_file_stores_the_phones_phonenumbers_would(store, tmp_path):
    phones = ["+4403012345678", "+390612345678", "+112125550123", "030 1234567", "+4930123456"]
    rows = [row for n, phone in enumerate(phones) for row in our_order(n, phone=phone, email=f"p{n}@example.com")]

    out, status = run_import(write_csv(tmp_path / "orders.csv", rows))

    assert status == 0, out
    for n, phone in enumerate(phones):
        expected = normalize_phone(phone, region="DE")
        assert Order.objects.get(number=f"#{1000 + n}").phone == expected
        assert Customer.objects.get(email=f"p{n}@example.com").phone == expected
