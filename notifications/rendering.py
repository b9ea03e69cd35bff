"""Rendering messages from templates: Jinja2's sandbox, autoescaped HTML, plain-data context.

Default templates are files in message_templates/<locale>/<kind>.<channel>.<part>: for email a
`subject`, an `html` body fragment and a `txt` plain-text part; for SMS a `txt`. A merchant may
replace them per store, kind, channel and locale with a MessageTemplate. For a message in locale
L the first of these that exists is rendered:

1. the store's MessageTemplate in L,
2. the file template in L,
3. the store's MessageTemplate in English,
4. the file template in English.

A merchant's template that fails while rendering (a typo in a filter, an attribute the sandbox
refuses) is logged and skipped, so the next step renders instead: a message is never lost to a
template edit. A file template that fails is a bug and raises.

Email bodies, from files or merchants, are fragments: they are wrapped in `_layout.email.html`
(the store's logo and colour, a single 600px column) with the footer of their locale
(`<locale>/_footer.email.html|txt`: store name, support address, the preferences link, and the
unsubscribe link for optional messages), and the CSS is then inlined into style attributes for
mail clients that drop <style>. Plain-text parts get the same footer in text.

Merchant templates are compiled by the same sandboxed environment as the files and only see the
plain-data context of notifications.context: no model instances, no settings, no attribute that
starts with an underscore (touching one raises SecurityError, which counts as a failure above).
Like the files, they may import the shared markup: `{% from "_macros.email.html" import button %}`.
"""

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import css_inline
from django.utils import timezone
from jinja2 import ChainableUndefined, TemplateNotFound, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup

from notifications import registry
from notifications.models import Channel, MessageTemplate
from orders.carriers import carrier_name
from postpurchase.brand import brand_theme
from postpurchase.safe_urls import http_url

from .render_limits import (
    BOUNDED_FILTERS,
    BoundedNamespace,
    RenderLimitError,
    bounded_concat,
    bounded_range,
    check_format_string,
    check_percent,
    email_max_bytes,
    sms_max_chars,
    time_limited,
)
from .template_helpers import address_lines, date_filter, date_range_filter, html_to_text

logger = logging.getLogger(__name__)

ROOT = Path(__file__).parent / "message_templates"
FALLBACK_LOCALE = "en"
LAYOUT = "_layout.email.html"
FOOTER = "_footer"
# A repeated string or list may not grow past this (`'x' * 10**9` would exhaust memory).
MAX_REPEAT = 100_000
# Nor may a number (`9 ** 64 ** 64`, or squaring in a loop would keep a worker busy for ever).
MAX_BITS = 100_000
_LOCALE = re.compile(r"^[a-z]{2}(?:[-_][A-Za-z]{2})?$")


class MessageEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, stricter: unsafe attributes raise instead of rendering empty, and `*`, `**`,
    `%`, `str.format` and the joins of output cannot build huge values (render_limits.py).
    Immutable: a template cannot change the lists and dicts it is given."""

    intercepted_binops = frozenset({"*", "**", "%"})
    concat = staticmethod(bounded_concat)

    def unsafe_undefined(self, obj, attribute):
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe")

    def wrap_str_format(self, value):
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:  # `value` is a string's format or format_map method
            check_format_string(value.__self__)
        return wrapped

    def call_binop(self, context, operator, left, right):
        if operator == "%":
            check_percent(left, right)
        if operator == "**" and isinstance(right, int | float) and right > 64:
            raise SecurityError("the exponent is too large")
        if _ints(left, right) and _bits(left) * (right if operator == "**" else 1) + _bits(right) > MAX_BITS:
            raise SecurityError("the number is too large")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int) and len(seq) * times > MAX_REPEAT:
                    raise SecurityError("the repeated value is too long")
        return super().call_binop(context, operator, left, right)


def _ints(*values) -> bool:
    return all(isinstance(value, int) for value in values)


def _bits(value: int) -> int:
    return abs(value).bit_length()


env = MessageEnvironment(
    # A kind's templates live with the app that declared it (notifications.registry); the layout,
    # footers and macros here.
    loader=registry.KindTemplateLoader(ROOT),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    # A missing value (an address without line2) renders empty instead of failing the message.
    undefined=ChainableUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)
env.filters["http_url"] = http_url  # the one safe-URL filter, as on the pages
env.filters.update(BOUNDED_FILTERS)
env.globals.update(range=bounded_range, namespace=BoundedNamespace)
env.globals.pop("lipsum", None)  # pages of lorem ipsum: nothing a message needs
env.filters["date"] = date_filter
env.filters["date_range"] = date_range_filter
env.filters["carrier"] = carrier_name
env.filters["address_lines"] = address_lines
# Merchants' HTML bodies come as strings, not .html files: the same sandbox, escaping always on.
html_env = env.overlay(autoescape=True)

inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str = ""


# --- files ---------------------------------------------------------------------------------


def _template(kind: str, channel: str, part: str, locale: str):
    for candidate in dict.fromkeys([locale, FALLBACK_LOCALE]):
        if not _LOCALE.match(candidate):
            continue
        try:
            return env.get_template(f"{candidate}/{kind}.{channel}.{part}")
        except TemplateNotFound:
            continue
    raise TemplateNotFound(f"{kind}.{channel}.{part}")


def _body_part(channel: str) -> str:
    return "txt" if channel == Channel.SMS else "html"


def has_file(*, kind: str, channel: str, locale: str) -> bool:
    """Whether the default templates speak `locale` for this kind and channel."""
    return bool(_LOCALE.match(locale)) and _file(kind, locale, f"{kind}.{channel}.{_body_part(channel)}").is_file()


def _file(kind: str, locale: str, name: str) -> Path:
    """The one place a file template's path is made: in the templates directory of its kind."""
    return registry.template_dir(kind, ROOT) / locale / name


def default_source(*, kind: str, channel: str, locale: str) -> dict[str, str]:
    """The default templates' source, for a merchant to start from: subject, body, text_body."""
    locale = locale if has_file(kind=kind, channel=channel, locale=locale) else FALLBACK_LOCALE

    def read(part: str) -> str:
        path = _file(kind, locale, f"{kind}.{channel}.{part}")
        return path.read_text(encoding="utf-8").strip() if path.is_file() else ""

    if channel == Channel.SMS:
        return {"subject": "", "body": read("txt"), "text_body": ""}
    return {"subject": read("subject"), "body": read("html"), "text_body": read("txt")}


def render_file(*, kind: str, channel: str, locale: str, context: dict) -> Rendered:
    """The default templates in `locale`, each part falling back to English."""
    ctx = _context(context, locale)
    if channel == Channel.SMS:
        return Rendered(subject="", text=_sms(_template(kind, channel, "txt", locale).render(ctx)))
    return _email(
        kind=kind,
        ctx=ctx,
        subject=_template(kind, channel, "subject", locale).render(ctx),
        fragment=_template(kind, channel, "html", locale).render(ctx),
        text=_template(kind, channel, "txt", locale).render(ctx),
    )


# --- merchant templates ---------------------------------------------------------------------


@lru_cache(maxsize=512)
def _compile(source: str, html: bool):
    return (html_env if html else env).from_string(source)


def check_syntax(source: str, *, html: bool = False) -> None:
    """Raise jinja2.TemplateSyntaxError (with its `lineno`) if `source` does not compile."""
    _compile(source, html)


def render_override(template: MessageTemplate, *, context: dict) -> Rendered:
    """A merchant's template rendered as it is (saved or not), within the rendering limits
    (render_limits.py: time, size); errors propagate, RenderLimitError for a limit."""
    rendered = time_limited(_render_override, template, context=context)
    if template.channel == Channel.SMS:
        if len(rendered.text) > sms_max_chars():
            raise RenderLimitError(f"the SMS is longer than {sms_max_chars()} characters")
    else:
        for part in (rendered.subject, rendered.text, rendered.html):
            if len(part.encode()) > email_max_bytes():
                raise RenderLimitError(f"the email is larger than {email_max_bytes() // 1024} KB")
    return rendered


def _render_override(template: MessageTemplate, *, context: dict) -> Rendered:
    ctx = _context(context, template.locale)
    if template.channel == Channel.SMS:
        return Rendered(subject="", text=_sms(_compile(template.body, False).render(ctx)))
    fragment = _compile(template.body, True).render(ctx)
    has_text = bool(template.text_body.strip())
    text = _compile(template.text_body, False).render(ctx) if has_text else html_to_text(fragment)
    return _email(
        kind=template.kind, ctx=ctx, subject=_compile(template.subject, False).render(ctx), fragment=fragment, text=text
    )


def overrides_for(store_ids) -> dict[tuple[int, str, str, str], MessageTemplate]:
    """Every merchant template of these stores, keyed (store_id, kind, channel, locale): one
    query for a whole batch of messages instead of one per message."""
    return {
        (t.store_id, t.kind, t.channel, t.locale): t for t in MessageTemplate.objects.filter(store_id__in=store_ids)
    }


# --- the lookup -----------------------------------------------------------------------------


def render(
    *,
    kind: str,
    channel: str,
    locale: str,
    context: dict,
    store_id: int | None = None,
    overrides: dict | None = None,
) -> Rendered:
    """Render one message; see the module docstring for which template wins. `overrides`, from
    `overrides_for`, saves the lookup when rendering many messages."""
    locales = list(dict.fromkeys([locale, FALLBACK_LOCALE]))
    if overrides is None:
        overrides = overrides_for([store_id]) if store_id is not None else {}
    for candidate in locales:
        override = overrides.get((store_id, kind, channel, candidate))
        if override is not None:
            try:
                return render_override(override, context=context)
            except Exception:  # a merchant's mistake must not lose the message: use the default
                logger.warning(
                    "message template %s (store %s, %s %s %s) failed; sending the default instead",
                    override.pk,
                    store_id,
                    kind,
                    channel,
                    candidate,
                    exc_info=True,
                )
        if has_file(kind=kind, channel=channel, locale=candidate):
            return render_file(kind=kind, channel=channel, locale=candidate, context=context)
    raise TemplateNotFound(f"{kind}.{channel}")


# --- shared pieces --------------------------------------------------------------------------


def _context(context: dict, locale: str) -> dict:
    return {**context, "locale": locale, "today": timezone.localdate()}


def _sms(text: str) -> str:
    return " ".join(text.split())


def is_optional(kind: str, context: dict) -> bool:
    """Optional (marketing) messages offer the unsubscribe link. The message's own
    `transactional` flag decides when the context carries it, else the kind does."""
    message = context.get("message")
    if isinstance(message, dict) and isinstance(message.get("transactional"), bool):
        return not message["transactional"]
    return registry.is_optional(kind)


def _brand(store) -> tuple[str, str]:
    """The store's colour (only a #rrggbb value reaches the CSS) and a readable text colour on it,
    by the same rule as the pages (postpurchase.brand)."""
    theme = brand_theme(store.get("primary_color") if isinstance(store, dict) else None)
    return theme.primary, theme.on_primary


def _email(*, kind: str, ctx: dict, subject: str, fragment: str, text: str) -> Rendered:
    locale = ctx["locale"]
    subject = " ".join(subject.split())
    ctx = {**ctx, "optional": is_optional(kind, ctx)}
    brand, brand_text = _brand(ctx.get("store"))
    html = env.get_template(LAYOUT).render(
        {
            **ctx,
            "subject": subject,
            "body": Markup(fragment),  # noqa: S704 - rendered with autoescaping on
            "footer": Markup(_template(FOOTER, "email", "html", locale).render(ctx)),  # noqa: S704 - idem
            "brand": brand,
            "brand_text": brand_text,
        }
    )
    footer_text = _template(FOOTER, "email", "txt", locale).render(ctx).strip()
    return Rendered(
        subject=subject,
        text=f"{text.strip()}\n\n{footer_text}\n" if footer_text else f"{text.strip()}\n",
        html=inliner.inline(html),
    )
