"""Each language addresses the customer one way on every surface: pages (the gettext catalogues),
emails and SMS (the message templates). German and Spanish say "du"/"tú", French says "vous"."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from notifications import registry

ROOT = Path(settings.BASE_DIR)
# Words that would address the customer the other way.
OTHER_FORM = {
    "de": r"\b(Sie|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres|Ihnen)\b",
    "es": r"\b(usted|ustedes|su|sus)\b",
    "fr": r"\b(tu|ton|ta|tes|toi)\b",
}


def surfaces(lang: str):
    catalogue = ROOT / "locale" / lang / "LC_MESSAGES" / "django.po"
    translated = re.findall(r'^msgstr "(.*)"$', catalogue.read_text(), flags=re.MULTILINE)
    yield str(catalogue), "\n".join(translated)
    # The shared templates and those of every app that declares message kinds (loyalty, returns, …).
    directories = {ROOT / "notifications" / "message_templates"} | {kind.templates for kind in registry.kinds()}
    for directory in sorted(directories):
        for path in sorted((directory / lang).glob("*.*")):
            yield str(path), path.read_text()


@pytest.mark.parametrize("lang", sorted(OTHER_FORM))
def test_every_surface_addresses_the_customer_the_same_way(lang):
    found = [
        f"{path}: {match.group(0)!r}"
        for path, text in surfaces(lang)
        for match in re.finditer(OTHER_FORM[lang], re.sub(r"\{[{%#].*?[}%#]\}", "", text))
    ]

    assert found == []
