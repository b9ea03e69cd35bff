"""Channels hand a rendered message to a provider. Errors say whether trying again can help."""

from dataclasses import dataclass, field


@dataclass(frozen=True, kw_only=True)
class Outgoing:
    message_id: int
    channel: str
    to: str
    text: str
    subject: str = ""
    html: str = ""
    from_email: str = ""
    reply_to: str = ""
    headers: dict = field(default_factory=dict)


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
