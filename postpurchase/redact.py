"""Removing one person from free text and JSON: what GDPR erasure does to payloads no model owns.

Webhook bodies, event payloads, message data and notes were written by providers, platforms and
people, in shapes nobody can list. `Needles` are what identifies the person (email, phone, names,
address lines); `scrub` walks any JSON value and replaces every string that carries one of them,
and every value under a key that always holds personal data (`email`, `phone`, `address1`, …),
with `ERASED`. Numbers, booleans and other strings stay, so amounts and ids survive for accounting.
"""

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

ERASED = "[erased]"
# Keys whose value is personal whatever it says (Shopify, carriers, email and SMS providers).
PERSONAL_KEYS = frozenset(
    {
        "email",
        "contact_email",
        "customer_email",
        "phone",
        "first_name",
        "last_name",
        "full_name",
        "display_name",
        "address",
        "address1",
        "address2",
        "line1",
        "line2",
        "city",
        "browser_ip",
        "ip",
        "zip",
        "postcode",
        "postal_code",
        "latitude",
        "longitude",
        "company",
        "birthday",
        "note",
        "customer_note",
    }
)
# Address lines shorter than this are not looked for: "Flat 3" is not this person.
_MIN_CONTAINED = 5


def address_hash(address: str) -> str:
    """How an erased address is kept where it must still match (suppressions): `sha256:<hex>` of
    the normalised address, so a bounced address stays suppressed without being readable."""
    return "sha256:" + hashlib.sha256(address.strip().lower().encode()).hexdigest()


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


@dataclass
class Needles:
    """What identifies one person in text: exact values and values contained in longer strings."""

    contained: set[str] = field(default_factory=set)  # lower-cased: emails, phones, address lines, full names
    # Lower-cased first or last names alone: matched as whole words, and only in rows already known
    # to be the person's (never searched for: "Smith" in another customer's review is not them).
    names: set[str] = field(default_factory=set)
    phone_digits: set[str] = field(default_factory=set)  # "4915112345678": a phone however it is spaced

    def add_email(self, email: str) -> None:
        if email.strip():
            self.contained.add(email.strip().lower())

    def add_phone(self, phone: str) -> None:
        digits = _digits(phone)
        if len(digits) >= 6:
            self.contained.add(phone.strip().lower())
            self.phone_digits.add(digits)

    def add_name(self, *parts: str) -> None:
        parts = tuple(p.strip() for p in parts if p and p.strip())
        for part in parts:
            self.names.update(word.lower() for word in part.split() if len(word) >= 3)
        if len(parts) > 1 or (len(parts) == 1 and " " in parts[0]):
            self.contained.add(" ".join(parts).lower())

    def add_address(self, address: Any) -> None:
        """An address as orders keep it (a dict of lines) or as labels print it (a list of lines)."""
        if isinstance(address, dict):
            self.add_name(str(address.get("first_name") or ""), str(address.get("last_name") or ""))
            self.add_name(str(address.get("name") or ""))
            self.add_phone(str(address.get("phone") or ""))
            values: Iterable[Any] = (address.get(k) for k in ("address1", "address2", "street", "line1", "line2"))
        elif isinstance(address, list | tuple):
            values = address
        else:
            values = (address,)
        for value in values:
            if isinstance(value, str) and len(value.strip()) >= _MIN_CONTAINED:
                self.contained.add(value.strip().lower())

    def __bool__(self) -> bool:
        return bool(self.contained or self.names)

    def search_terms(self) -> list[str]:
        """Substrings a database `icontains` can look for to find rows about the person: what
        identifies them alone (email, phone, full name, address lines), never a name part."""
        return sorted(self.contained)

    def _name_pattern(self) -> "re.Pattern[str] | None":
        if not self.names:
            return None
        return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(self.names)) + r")\b", re.IGNORECASE)

    def found_in(self, text: str) -> bool:
        lowered = text.lower()
        if any(n in lowered for n in self.contained):
            return True
        pattern = self._name_pattern()
        if pattern is not None and pattern.search(text):
            return True
        digits = _digits(text)
        return bool(digits) and any(d in digits for d in self.phone_digits)


def scrub(value: Any, needles: Needles) -> Any:
    """`value` with every personal string replaced by ERASED (see the module's docstring)."""
    if isinstance(value, dict):
        return {k: (ERASED if _personal_key(k, v) else scrub(v, needles)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, needles) for v in value]
    if isinstance(value, str):
        return ERASED if value and needles.found_in(value) else value
    return value


def _personal_key(key: Any, value: Any) -> bool:
    return isinstance(key, str) and key.lower() in PERSONAL_KEYS and value not in (None, "", [], {})


def scrub_text(text: str, needles: Needles) -> str:
    """A stored body: JSON is scrubbed value by value; other text loses every occurrence of a needle."""
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict | list):
        return json.dumps(scrub(parsed, needles), separators=(",", ":"))
    for needle in sorted(needles.contained, key=len, reverse=True):
        # Form-encoded bodies (Twilio) carry `%2B4915…` and `ada%40example.com`.
        for form in {needle, quote(needle, safe=""), quote_plus(needle, safe="")}:
            text = re.sub(re.escape(form), ERASED, text, flags=re.IGNORECASE)
    pattern = needles._name_pattern()
    if pattern is not None:
        text = pattern.sub(ERASED, text)
    for digits in needles.phone_digits:
        text = text.replace(digits, ERASED)
    return text
