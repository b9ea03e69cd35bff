"""Read a return label PDF as a person or a scanner would: its text, and its Code 128 barcode
decoded back from the bars drawn in the page (no image, no scanner library needed)."""

import io
import re
from decimal import Decimal

from pypdf import PdfReader
from reportlab.graphics.barcode.code128 import _patterns  # the Code 128 symbol table

# Bar and space widths (in modules) of each Code 128 value: "BaBbBb" -> "212222".
WIDTHS = {"".join(str("abcd".index(c.lower()) + 1) for c in pattern): value for value, pattern in _patterns.items()}
START = {103: "A", 104: "B", 105: "C"}
STOP = 106
_FILLED_RECT = re.compile(rb"(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re f")


def label_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _bars(pdf: bytes) -> list[tuple[Decimal, Decimal]]:
    """The (x, width) of every filled rectangle far taller than wide: the barcode's bars (the QR
    code's modules are squares or wide runs)."""
    content = b"".join(page.get_contents().get_data() for page in PdfReader(io.BytesIO(pdf)).pages)
    rects = [tuple(Decimal(n.decode()) for n in m.groups()) for m in _FILLED_RECT.finditer(content)]
    return sorted((x, w) for x, _y, w, h in rects if w > 0 and abs(h) > 5 * w)


def code128_decode(pdf: bytes) -> str:
    """The value of the label's Code 128 barcode, checksum verified; AssertionError if unreadable."""
    bars = _bars(pdf)
    module = min(width for _x, width in bars)
    elements: list[int] = []
    for (x, width), following in zip(bars, [*bars[1:], None], strict=True):
        elements.append(round(width / module))
        if following is not None:
            elements.append(round((following[0] - x - width) / module))
    symbols = []
    while elements:
        size = 7 if len(elements) == 7 else 6  # the stop symbol has a seventh bar
        key, elements = "".join(map(str, elements[:size])), elements[size:]
        symbols.append(WIDTHS[key])
    assert symbols[0] in START, symbols
    assert symbols[-1] == STOP, symbols
    *data, check = symbols[1:-1]
    assert (symbols[0] + sum(i * v for i, v in enumerate(data, start=1))) % 103 == check, "bad checksum"
    text, code_set = "", START[symbols[0]]
    for value in data:
        if code_set == "C" and value < 100:
            text += f"{value:02d}"
        elif code_set != "C" and value < 96:
            text += chr(value + 32) if code_set == "B" or value < 64 else chr(value - 64)
        else:  # a switch of code set (99: C, 100: B, 101: A; the same numbers in A and B)
            code_set = {99: "C", 100: "B", 101: "A"}.get(value, code_set)
    return text
