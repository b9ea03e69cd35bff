"""Email through Django's email API: anymail in production, console or file in development,
locmem in tests. Whatever the backend, the provider's message id comes back."""

import smtplib
from email.utils import make_msgid

from anymail.exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused
from django.core.mail import EmailMultiAlternatives

from . import Outgoing, ProviderPermanentError, ProviderTransientError


def send(outgoing: Outgoing) -> str:
    message_id = make_msgid(domain="post-purchase")
    mail = EmailMultiAlternatives(
        subject=outgoing.subject,
        body=outgoing.text,
        from_email=outgoing.from_email or None,
        to=[outgoing.to],
        reply_to=[outgoing.reply_to] if outgoing.reply_to else None,
        headers={"Message-ID": message_id, **outgoing.headers},
    )
    if outgoing.html:
        mail.attach_alternative(outgoing.html, "text/html")
    # Read back by anymail's tracking webhooks to find our row; other backends ignore it.
    mail.metadata = {"outbox_id": str(outgoing.message_id)}
    try:
        mail.send()
    except AnymailRecipientsRefused as exc:
        raise ProviderPermanentError(str(exc), suppress=True) from exc
    except AnymailAPIError as exc:
        status = getattr(exc, "status_code", None) or 0
        if status == 429 or status >= 500 or status == 0:
            raise ProviderTransientError(str(exc), code=str(status)) from exc
        raise ProviderPermanentError(str(exc), code=str(status)) from exc
    except AnymailError as exc:
        raise ProviderPermanentError(str(exc)) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise ProviderPermanentError(str(exc), suppress=True) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise ProviderTransientError(str(exc)) from exc
    status = getattr(mail, "anymail_status", None)
    return (status.message_id if status is not None and status.message_id else None) or message_id
