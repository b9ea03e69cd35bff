"""Lines other apps add to the tracking page, without tracking knowing them.

Tracking sits to the left of every pillar and cannot import them. An app that has something to
say about an order on its tracking page (loyalty: "You'll earn 245 points") registers a provider
in its `AppConfig.ready()`:

    from tracking.page_lines import PageLine, register_page_line

    register_page_line("loyalty", lambda order_id: PageLine(text=..., link_url=..., link_text=...))

The page calls every provider with the order's id, in the customer's language, and shows the
lines it returns (None: nothing to say). The rendered page is cached for `tracking.views.PAGE_TTL`,
so a line may be that late to change.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class PageLine:
    text: str | Promise
    link_url: str = ""
    link_text: str | Promise = ""


Provider = Callable[[int], PageLine | None]

_providers: dict[str, Provider] = {}


def register_page_line(name: str, provider: Provider) -> None:
    """Add (or replace, under the same name) a provider of a line for the tracking page."""
    _providers[name] = provider


def page_lines(order_id: int) -> list[PageLine]:
    """The lines every registered provider has for this order, in registration order."""
    return [line for provider in _providers.values() if (line := provider(order_id)) is not None]
