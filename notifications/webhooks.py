"""Twilio's webhooks: delivery status callbacks and inbound SMS. Verify, store, process.

Twilio signs each request with the account's auth token over the URL it called plus the sorted
form fields (X-Twilio-Signature). Behind a proxy the Host header and scheme we see are not what
Twilio called, so the URL is always PUBLIC_BASE_URL + path. Bad signatures get 403 and nothing
is stored; verified requests are stored first (orders.services.webhook_receive) and processed by
the handlers below, which `manage.py replay_webhooks` can run again.
"""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from notifications.events import MESSAGE_FOR_STATE, message_event_record
from notifications.models import DELIVERY_RANK, Channel, Message, MessageState, Suppression
from notifications.sms_keywords import customers_with_phone, single_store, sms_keyword_apply
from orders.models import InboundWebhook, Store
from orders.services import webhook_process, webhook_receive
from postpurchase.webhooks import declared_length, handles

logger = logging.getLogger(__name__)

STATUS_PROVIDER = "twilio-status"
INBOUND_PROVIDER = "twilio-inbound"
_KEPT_HEADERS = ("x-twilio-", "i-twilio-")  # the signature and Twilio's idempotency token

# Twilio's MessageStatus values, mapped onto the outbox; the ones not listed (receiving,
# received, canceled, scheduled, ...) say nothing about an outbound message we sent.
_STATE_FOR_STATUS = {
    "accepted": MessageState.SENT,
    "queued": MessageState.SENT,
    "sending": MessageState.SENT,
    "sent": MessageState.SENT,
    "delivered": MessageState.DELIVERED,
    "read": MessageState.DELIVERED,
    "undelivered": MessageState.BOUNCED,  # the carrier could not hand it to the phone
    "failed": MessageState.FAILED,  # Twilio could not send it at all
}
# Delivery error codes (twilio.com/docs/api/errors/<code>) meaning the number cannot take SMS.
# 30003 (handset off or out of coverage) is deliberately absent: it is usually temporary.
UNUSABLE_NUMBER_ERRORS = {
    "21610": "the recipient replied STOP",
    "21614": "not a mobile number",
    "30005": "unknown destination handset",
    "30006": "landline or unreachable carrier",
}


# --- verification and storage ------------------------------------------------------------------


def _too_large(request: HttpRequest) -> bool:
    """Refuse big bodies by their declared length, before Django reads and parses them."""
    declared = declared_length(request)
    return declared is None or declared > settings.WEBHOOK_MAX_BODY_BYTES


def _verified_params(request: HttpRequest) -> QueryDict | None:
    """The form fields of a request Twilio really signed, or None."""
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:  # an empty token would let anyone sign
        return None
    params = request.POST
    url = settings.PUBLIC_BASE_URL + request.get_full_path()
    return params if RequestValidator(token).validate(url, params, signature) else None


def _store(*, provider: str, store: Store | None, topic: str, event_id: str, request: HttpRequest, params: QueryDict):
    """Store the verified request, deduplicated on Twilio's ids; returns (row, needs_processing).

    webhook_receive deduplicates per store, but these rows may have no store (a callback that
    beats our own record of the SID, a number no single store knows), and NULL never collides
    in a unique index. Twilio's SIDs are global, so the lookup here ignores the store.
    """
    existing = InboundWebhook.objects.filter(provider=provider, event_id=event_id).order_by("pk").first()
    if existing is not None:
        return existing, existing.processed_at is None
    headers = {name: value for name, value in request.headers.items() if name.lower().startswith(_KEPT_HEADERS)}
    return webhook_receive(
        provider=provider,
        store=store,
        topic=topic[:100],
        event_id=event_id[:200],
        headers=headers,
        body=urlencode(list(params.lists()), doseq=True),
    )


# --- status callbacks --------------------------------------------------------------------------


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """A delivery status callback for an SMS we sent. 204 once stored, whatever processing says."""
    if _too_large(request):
        return HttpResponse(status=413)
    params = _verified_params(request)
    if params is None:
        logger.warning("Twilio status callback: bad or missing signature")
        return HttpResponse(status=403)
    sid, status = params.get("MessageSid", ""), params.get("MessageStatus", "").lower()
    if not sid or not status:
        return HttpResponse("MessageSid and MessageStatus are required", status=400, content_type="text/plain")
    store = Store.objects.filter(pk__in=Message.objects.filter(provider_message_id=sid).values("store_id")).first()
    webhook, needs_processing = _store(
        provider=STATUS_PROVIDER, store=store, topic=status, event_id=f"{sid}:{status}", request=request, params=params
    )
    if needs_processing:
        webhook_process(webhook_id=webhook.pk)
    return HttpResponse(status=204)


def _failure_reason(error_code: str, problem: str) -> str:
    if not error_code:
        return ""
    return f"Twilio error {error_code}" + (f": {problem}" if problem else "")


@handles(STATUS_PROVIDER)
def twilio_status_handle(webhook: InboundWebhook) -> None:
    """Move the message the callback is about along the delivery ladder.

    1. Find the message by its SID; none yet means our own record of the send has not
       committed, so fail and let the sweeper retry later.
    2. Callbacks arrive out of order: apply a status only if it ranks above the current state.
    3. An error code that says the number cannot take SMS suppresses it, whatever the order.
    4. A change is told on the order's timeline (the outbox already told it `sent`).
    """
    params = QueryDict(webhook.body)
    sid, status = params.get("MessageSid", ""), params.get("MessageStatus", "").lower()
    # of=self: order and customer are nullable, and Postgres cannot lock the outer side of a join.
    messages = Message.objects.select_for_update(of=("self",)).select_related("store", "order", "customer")
    if webhook.store_id:
        messages = messages.filter(store_id=webhook.store_id)
    message = messages.filter(provider_message_id=sid, channel=Channel.SMS).first()
    if message is None:
        raise LookupError(f"no SMS with Twilio SID {sid!r} (yet)")

    error_code = params.get("ErrorCode", "").strip()
    problem = UNUSABLE_NUMBER_ERRORS.get(error_code, "")
    reason = _failure_reason(error_code, problem)
    if problem:
        Suppression.objects.get_or_create(
            store=None, channel=Channel.SMS, address=message.recipient, defaults={"reason": reason}
        )

    new_state = _STATE_FOR_STATUS.get(status)
    current_rank = DELIVERY_RANK.get(message.state)
    if new_state is None or current_rank is None or DELIVERY_RANK[new_state] <= current_rank:
        return
    message.state = new_state
    fields = ["state", "updated_at"]
    if new_state in (MessageState.BOUNCED, MessageState.FAILED):
        message.reason = (reason or f"Twilio reported the SMS {status}")[:300]
        message.last_error = f"{status} {error_code}".strip()
        fields += ["reason", "last_error"]
    message.save(update_fields=fields)
    if new_state != MessageState.SENT:
        message_event_record(message, MESSAGE_FOR_STATE[new_state], actor="twilio", reason=reason)


# --- inbound SMS -------------------------------------------------------------------------------


def _twiml(reply: str) -> HttpResponse:
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return HttpResponse(str(response), content_type="text/xml")


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    """An SMS a customer sent us: keywords are acted on and answered in TwiML; anything else is
    stored and answered with an empty <Response/>."""
    if _too_large(request):
        return HttpResponse(status=413)
    params = _verified_params(request)
    if params is None:
        logger.warning("Twilio inbound SMS: bad or missing signature")
        return HttpResponse(status=403)
    sid, phone = params.get("MessageSid", ""), params.get("From", "")
    if not sid or not phone:
        return HttpResponse("MessageSid and From are required", status=400, content_type="text/plain")
    webhook, needs_processing = _store(
        provider=INBOUND_PROVIDER,
        store=single_store(customers_with_phone(phone)),
        topic="sms",
        event_id=sid,
        request=request,
        params=params,
    )
    if not needs_processing:
        return _twiml("")  # Twilio redelivered it: answered the first time
    processed = webhook_process(webhook_id=webhook.pk)
    return _twiml(getattr(processed, "sms_reply", ""))


@handles(INBOUND_PROVIDER)
def twilio_inbound_handle(webhook: InboundWebhook) -> None:
    """Apply the keyword an inbound SMS carries. The reply is left on the row object for the
    view to send (a replay recomputes it and nobody sends it; the keyword service is idempotent)."""
    params = QueryDict(webhook.body)
    webhook.sms_reply = sms_keyword_apply(phone=params.get("From", ""), text=params.get("Body", ""))
