"""A store's brand as a theme every customer surface shares: pages and emails alike.

One rule for readable text on the brand colour (WCAG 2 contrast), so an orange brand never gets
black text on the tracking page and white text in the email.
"""

import re
from dataclasses import dataclass

HEX = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_COLOR = "#1f6feb"
BLACK, WHITE = "#000000", "#ffffff"
BODY_TEXT = "#1a1a1a"
AA = 4.5  # WCAG AA contrast for normal text


def luminance(color: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = []
    for i in (1, 3, 5):
        c = int(color[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_on(color: str) -> str:
    """Black or white, whichever contrasts more with `color`: at least 4.5:1 for any colour."""
    return BLACK if contrast(color, BLACK) >= contrast(color, WHITE) else WHITE


@dataclass(frozen=True)
class Theme:
    primary: str  # the brand colour (only a valid #rrggbb ever reaches CSS)
    on_primary: str  # text on the brand colour
    accent: str  # the brand colour as text on white where that is readable, else the body colour


def brand_theme(color: object) -> Theme:
    primary = color if isinstance(color, str) and HEX.fullmatch(color) else DEFAULT_COLOR
    accent = primary if contrast(primary, WHITE) >= AA else BODY_TEXT
    return Theme(primary=primary, on_primary=text_on(primary), accent=accent)
