"""SMS through Twilio's Messages API (SMS_BACKEND = "notifications.channels.twilio.TwilioBackend").

Twilio's answers become our two kinds of provider error: rate limits, 5xx, timeouts and
connection failures are worth retrying; any other 4xx is final, and a few codes say the number
itself cannot take our SMS, so it goes on the suppression list.
"""

import functools

import requests
from django.conf import settings
from django.urls import reverse
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from . import Outgoing, ProviderPermanentError, ProviderTransientError

# REST API error codes meaning "never text this number again" (twilio.com/docs/api/errors/<code>).
# 21612 (this From cannot reach this To) is deliberately absent: it is about our sender, and a
# different From or Messaging Service may reach the same number.
UNUSABLE_NUMBER_CODES = {
    21211: "invalid 'To' number",
    21610: "the recipient replied STOP",
    21614: "not a mobile number",
    21635: "a landline",
}


@functools.lru_cache(maxsize=4)
def _client(account_sid: str, auth_token: str, timeout: float, base_url: str) -> Client:
    """One client (and so one pooled HTTP session) per configuration and process.

    Keyed on the settings it is built from, so tests that change them get a fresh one.
    The SDK waits forever by default; a hung Twilio must not hold a worker.
    """
    client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
    if base_url:
        # Every resource URL is built from the domain's base_url (twilio.base.domain.Domain).
        client.api.base_url = base_url
    return client


def status_callback_url() -> str:
    return settings.PUBLIC_BASE_URL + reverse("twilio-status")


def _permanent(message: str, code: str) -> ProviderPermanentError:
    number_problem = UNUSABLE_NUMBER_CODES.get(int(code)) if code.isdigit() else None
    if number_problem:
        message = f"{message} ({number_problem})"
    return ProviderPermanentError(message, code=code, suppress=number_problem is not None)


def _error_for(exc: TwilioRestException | TwilioServiceException) -> Exception:
    status = int(exc.status or 0)
    code = str(exc.code or status)
    # str(exc) prints ANSI colours when stderr is a terminal; build a plain message instead.
    text = getattr(exc, "detail", None) or getattr(exc, "title", None) or getattr(exc, "msg", "") or "error"
    message = f"Twilio HTTP {status}: {text}"
    if status == 429 or status >= 500:
        return ProviderTransientError(message, code=code)
    return _permanent(message, code)


class TwilioBackend:
    def send(self, outgoing: Outgoing) -> str:
        """Hand one SMS to Twilio and return its message SID."""
        sender = {}
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            sender["messaging_service_sid"] = settings.TWILIO_MESSAGING_SERVICE_SID
        elif settings.TWILIO_FROM:
            sender["from_"] = settings.TWILIO_FROM
        else:
            raise ProviderPermanentError("set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID to send SMS")
        client = _client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            float(settings.TWILIO_TIMEOUT_SECONDS),
            settings.TWILIO_API_BASE_URL or "",
        )
        try:
            created = client.messages.create(
                to=outgoing.to, body=outgoing.text, status_callback=status_callback_url(), **sender
            )
        except (TwilioRestException, TwilioServiceException) as exc:
            raise _error_for(exc) from exc
        except (requests.ConnectionError, requests.Timeout) as exc:
            # A read timeout may hide an SMS Twilio did accept, and its Messages API takes no
            # idempotency key; we retry anyway: a rare duplicate beats a silently lost update.
            raise ProviderTransientError(f"Twilio unreachable: {exc}") from exc
        except (TwilioException, requests.RequestException, ValueError) as exc:
            # Bad configuration or an unreadable answer: retrying the same request will not help.
            raise ProviderPermanentError(f"Twilio call failed: {exc}") from exc
        return created.sid
