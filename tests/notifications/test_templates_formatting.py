"""Template helpers: dates and date ranges, text parts made from HTML, SMS segment counts."""

from datetime import date

import pytest

from notifications.sms_segments import GSM7, UCS2, non_gsm_characters, sms_count
from notifications.template_helpers import DASH, format_date, format_date_range, html_to_text


@pytest.mark.parametrize(
    ("start", "end", "locale", "expected"),
    [
        (date(2025, 3, 12), date(2025, 3, 14), "en", f"12{DASH}14 March 2025"),
        (date(2025, 3, 28), date(2025, 4, 2), "en", f"28 March {DASH} 2 April 2025"),
        (date(2025, 12, 30), date(2026, 1, 2), "en", f"30 December 2025 {DASH} 2 January 2026"),
        (date(2025, 3, 12), date(2025, 3, 14), "de", f"12.{DASH}14. März 2025"),
        (date(2025, 3, 1), date(2025, 3, 3), "fr", f"1er{DASH}3 mars 2025"),
        (date(2025, 3, 12), date(2025, 3, 14), "es", f"12{DASH}14 de marzo de 2025"),
        (date(2025, 3, 12), date(2025, 3, 12), "es", "12 de marzo de 2025"),
        (None, date(2025, 3, 12), "xx", "12 March 2025"),
    ],
)
def test_date_ranges_are_written_as_people_write_them(start, end, locale, expected):
    assert format_date_range(start, end, locale) == expected


def test_dates_accept_iso_strings_and_ignore_nonsense():
    assert format_date("2025-07-04", "de") == "4. Juli 2025"
    assert format_date("soon", "en") == ""
    assert format_date(None, "en") == ""


def test_the_text_part_made_from_html_keeps_paragraphs_rows_and_link_addresses():
    html = (
        "<style>p { color: red }</style><h1>Hello &amp; welcome</h1><p>Your <b>parcel</b>\n is here.</p>"
        "<table><tr><td>Tee</td><td>€5</td></tr><tr><td>Cap</td><td>€6</td></tr></table>"
        '<p><a href="https://t.example/1">Track it</a><br><img src="x.png" alt="Logo"></p><ul><li>one</li><li>two</li></ul>'
    )

    assert html_to_text(html) == (
        "Hello & welcome\n\nYour parcel is here.\n\nTee  €5\nCap  €6\n\nTrack it: https://t.example/1\nLogo\n\n- one\n- two"
    )


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("", GSM7, 0),
        ("a" * 160, GSM7, 1),
        ("a" * 161, GSM7, 2),
        ("a" * 306, GSM7, 2),
        ("a" * 307, GSM7, 3),
        ("ü" * 160, GSM7, 1),  # ü is in the GSM-7 basic set
        ("€" * 80, GSM7, 1),  # extension characters count twice
        ("€" * 81, GSM7, 2),
        ("a" * 152 + "€" + "a" * 152, GSM7, 3),  # an escape pair is never split across segments
        ("😀" + "a" * 68, UCS2, 1),  # an emoji is two UTF-16 units and forces UCS-2
        ("😀" + "a" * 69, UCS2, 2),
        ("ç" * 70, UCS2, 1),  # lower-case ç is not GSM-7
        ("ç" * 135, UCS2, 3),
    ],
)
def test_sms_segments_are_counted_like_the_carriers_do(text, encoding, segments):
    count = sms_count(text)

    assert (count.encoding, count.segments) == (encoding, segments)


def test_sms_count_reports_units_characters_and_the_segment_size():
    count = sms_count("Price: 5€ 😀")

    assert (count.encoding, count.characters, count.units, count.per_segment) == (UCS2, 11, 12, 70)
    assert non_gsm_characters("Price: 5€ 😀 ok") == ["😀"]
