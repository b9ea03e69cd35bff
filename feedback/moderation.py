"""Moderation by content, never by rating: what in a review's words sends it to the queue.

Pure functions over text. A review is held when its words contain profanity (word lists per
language, every list applies to every review: a German insult in an English review is still one),
a link, an email address or a phone number (found with phonenumbers, for the order's country and
the store's). Everything else is published, whatever the stars.
"""

import html
import re
from functools import lru_cache
from pathlib import Path

import nh3
import phonenumbers
from django.conf import settings

WORDLISTS = Path(__file__).parent / "wordlists"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# A scheme, "www.", or a bare domain with a common top-level domain: how spam links look.
LINK = re.compile(
    r"(https?://|www\.)\S+|\b[\w-]+\.(com|net|org|io|ru|cn|info|biz|xyz|shop|top|de|fr|es|co\.uk)\b", re.I
)

PROFANITY = "profanity"
LINKS = "a link"
EMAILS = "an email address"
PHONES = "a phone number"


def plain_text(value: str) -> str:
    """What the customer typed, without any HTML (tags and script bodies go, entities read back)."""
    return html.unescape(nh3.clean(value, tags=set())).strip()


def _wordlist_dir() -> Path:
    return Path(getattr(settings, "FEEDBACK_PROFANITY_DIR", "") or WORDLISTS)


@lru_cache(maxsize=4)
def _profanity(directory: Path) -> re.Pattern[str] | None:
    words: set[str] = set()
    for path in sorted(directory.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            word = line.strip().casefold()
            if word and not word.startswith("#"):
                words.add(word)
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)({alternatives})(?!\w)")


def has_phone_number(text: str, regions: list[str]) -> bool:
    for region in [*dict.fromkeys(r.upper() for r in regions if r), "US"]:
        if any(True for _ in phonenumbers.PhoneNumberMatcher(text, region)):
            return True
    return False


def hold_reasons(text: str, *, regions: list[str]) -> list[str]:
    """Why this text must be looked at by a person before it is published (empty: publish)."""
    reasons = []
    pattern = _profanity(_wordlist_dir())
    if pattern is not None and pattern.search(text.casefold()):
        reasons.append(PROFANITY)
    if EMAIL.search(text):
        reasons.append(EMAILS)
    elif LINK.search(text):
        reasons.append(LINKS)
    if has_phone_number(text, regions):
        reasons.append(PHONES)
    return reasons
