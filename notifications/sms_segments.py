"""How many SMS segments a text costs, as carriers (and Twilio's bill) count them.

A text that fits the GSM-7 alphabet is sent 7-bit: 160 characters in one segment, 153 per segment
once it is split (the rest of each segment holds the concatenation header). Characters of the
extension table (€, [, ], {, }, …) take an escape plus the character: two units, and never split
across segments. Anything else (an emoji, a curly quote, Cyrillic) switches the whole text to
UCS-2: 70 UTF-16 code units in one segment, 67 per segment when split; an emoji is a surrogate
pair (two units) that is never split either.
"""

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7, UCS2 = "GSM-7", "UCS-2"
# encoding: (units in a single-segment text, units per segment of a split text)
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


@dataclass(frozen=True)
class SmsCount:
    encoding: str  # GSM-7 or UCS-2
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int
    characters: int  # what a person counts

    @property
    def per_segment(self) -> int:
        single, split = LIMITS[self.encoding]
        return single if self.segments <= 1 else split


def _gsm7_units(char: str) -> int | None:
    if char in GSM7_BASIC:
        return 1
    if char in GSM7_EXTENSION:
        return 2
    return None


def sms_count(text: str) -> SmsCount:
    """Encoding, length in units and number of segments of `text`."""
    gsm = [_gsm7_units(char) for char in text]
    if all(units is not None for units in gsm):
        encoding, sizes = GSM7, gsm
    else:
        encoding, sizes = UCS2, [len(char.encode("utf-16-le")) // 2 for char in text]
    units = sum(sizes)
    single, split = LIMITS[encoding]
    if units == 0:
        segments = 0
    elif units <= single:
        segments = 1
    else:
        # Fill segments greedily; a two-unit character that does not fit starts the next one.
        segments, used = 1, 0
        for size in sizes:
            if used + size > split:
                segments, used = segments + 1, 0
            used += size
    return SmsCount(encoding=encoding, units=units, segments=segments, characters=len(text))


def non_gsm_characters(text: str) -> list[str]:
    """The characters of `text` outside GSM-7, in order of first use: each forces UCS-2."""
    return list(dict.fromkeys(char for char in text if _gsm7_units(char) is None))
