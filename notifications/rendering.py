"""Rendering messages from templates: Jinja2's sandbox, autoescaped HTML, plain-data context.

Default templates are files in message_templates/<locale>/<kind>.<channel>.<part>; a missing
language falls back to English.
"""

from dataclasses import dataclass
from pathlib import Path

from jinja2 import ChainableUndefined, FileSystemLoader, TemplateNotFound, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

ROOT = Path(__file__).parent / "message_templates"
FALLBACK_LOCALE = "en"

env = SandboxedEnvironment(
    loader=FileSystemLoader(ROOT),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    # A missing value (an address without line2) renders empty instead of failing the message.
    undefined=ChainableUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)
env.filters["date"] = lambda value, fmt="%d %b %Y": value.strftime(fmt) if value else ""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str = ""


def _template(kind: str, channel: str, part: str, locale: str):
    for candidate in dict.fromkeys([locale, FALLBACK_LOCALE]):
        try:
            return env.get_template(f"{candidate}/{kind}.{channel}.{part}")
        except TemplateNotFound:
            continue
    raise TemplateNotFound(f"{kind}.{channel}.{part}")


def render(*, kind: str, channel: str, locale: str, context: dict) -> Rendered:
    if channel == "sms":
        return Rendered(subject="", text=_template(kind, channel, "txt", locale).render(context).strip())
    return Rendered(
        subject=" ".join(_template(kind, channel, "subject", locale).render(context).split()),
        text=_template(kind, channel, "txt", locale).render(context).strip() + "\n",
        html=_template(kind, channel, "html", locale).render(context),
    )
