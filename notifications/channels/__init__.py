"""Channels hand a message to a provider. Errors say whether trying again can help.

An `Outgoing` knows at once who gets the message and from whom; what it says (`content`: subject,
text, html, headers) is rendered the first time a channel reads it. Rendering costs far more than
queueing, and it is the channel's concern: a sender that never reads the words never pays for them.

Which sender serves a channel is `settings.MESSAGE_SENDERS`, a dict of channel -> dotted path of
a `send(outgoing) -> provider message id` callable, merged over DEFAULT_SENDERS (the email and SMS
channels of this package). `notifications.channels.null.send` accepts every message and sends
nothing without rendering it, for benchmarks and dry runs. We chose a setting over detecting a
no-op email backend: Django's dummy backend still wants a built EmailMessage, so only the
dispatcher's choice of sender can skip rendering honestly.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_SENDERS = {"email": "notifications.channels.email.send", "sms": "notifications.channels.sms.send"}


@dataclass(frozen=True, kw_only=True)
class Content:
    """What a message says, rendered."""

    text: str
    subject: str = ""
    html: str = ""
    headers: dict = field(default_factory=dict)


class RenderError(Exception):
    """The content could not be rendered (a broken template): no provider saw the message."""


class Outgoing:
    """One message for a channel. `content` is a Content, or a callable that renders one on the
    first read (once: later reads see the same Content)."""

    def __init__(
        self,
        *,
        message_id: int,
        channel: str,
        to: str,
        content: Content | Callable[[], Content],
        from_email: str = "",
        reply_to: str = "",
    ):
        self.message_id = message_id
        self.channel = channel
        self.to = to
        self.from_email = from_email
        self.reply_to = reply_to
        self._content = content

    def __repr__(self) -> str:
        return f"<Outgoing {self.channel} message {self.message_id} to {self.to}>"

    @property
    def content(self) -> Content:
        # Not functools.cached_property: on Python 3.11 it holds one lock for every instance, so
        # a thread rendering a slow template would block every other thread's messages.
        if not isinstance(self._content, Content):
            try:
                self._content = self._content()
            except Exception as exc:  # whatever a template raises, the sender sees one kind of error
                raise RenderError(str(exc)) from exc
        return self._content

    @property
    def subject(self) -> str:
        return self.content.subject

    @property
    def text(self) -> str:
        return self.content.text

    @property
    def html(self) -> str:
        return self.content.html

    @property
    def headers(self) -> dict:
        return self.content.headers


def sender_for(channel: str) -> Callable[[Outgoing], str]:
    """The callable that hands `channel`'s messages to a provider (see the module docstring)."""
    return _import(({**DEFAULT_SENDERS, **getattr(settings, "MESSAGE_SENDERS", {})})[channel])


@lru_cache(maxsize=16)
def _import(path: str) -> Callable[[Outgoing], str]:
    return import_string(path)


class ProviderError(Exception):
    """A provider refused or failed. `code` is the provider's own error code, if any."""

    def __init__(self, message: str, *, code: str = ""):
        super().__init__(message)
        self.code = code


class ProviderTransientError(ProviderError):
    """Worth retrying later: rate limits, timeouts, 5xx."""


class ProviderPermanentError(ProviderError):
    """Retrying will not help. `suppress` says the address itself is unusable from now on."""

    def __init__(self, message: str, *, code: str = "", suppress: bool = False):
        super().__init__(message, code=code)
        self.suppress = suppress
