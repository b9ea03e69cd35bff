"""Customer pages of the messaging engine: the preference page and one-click unsubscribe.

Both are reached through the signed link every message carries (context.preferences_token):
the token names the customer, cannot be guessed or altered, and never expires, so the link in
an old email still works. A bad token is a 404, like a page that does not exist.
"""

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications.consent import (
    ONE_CLICK,
    consent_for,
    email_allows_optional,
    optional_email_requires_consent,
    preferences_save,
    sms_allows,
    unsubscribe_optional_email,
)
from notifications.context import PREFERENCES_SALT
from notifications.forms import PreferencesForm
from notifications.models import Channel, Frequency, Preference
from orders.models import Customer, Store
from postpurchase.brand import brand_theme
from tracking.views import not_found


def _customer(token: str) -> Customer | None:
    """The customer a signed link names; None for a link that was altered or whose customer is gone."""
    try:
        customer_id = int(signing.loads(token, salt=PREFERENCES_SALT)["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return Customer.objects.select_related("store").filter(pk=customer_id).first()


def branding(store: Store) -> dict:
    theme = brand_theme(store.primary_color)
    return {
        "name": store.name,
        "logo_url": store.logo_url,
        "primary_color": theme.primary,
        "on_primary": theme.on_primary,
        "accent": theme.accent,
        "support_email": store.support_email,
    }


def mask_email(email: str) -> str:
    """ada.lovelace@example.com -> a•••e@example.com: enough to recognise, not to harvest."""
    local, _, domain = email.partition("@")
    tail = local[-1] if len(local) > 2 else ""
    return f"{local[:1]}•••{tail}@{domain}"


def mask_phone(phone: str) -> str:
    """+4915112345678 -> +49••••••••678."""
    if len(phone) < 7:
        return "•" * len(phone)
    return phone[:3] + "•" * (len(phone) - 6) + phone[-3:]


def _language(request: HttpRequest, customer: Customer) -> str:
    """The customer's own language if we know it, else what their browser asks for."""
    try:
        return translation.get_supported_language_variant(customer.locale or request.LANGUAGE_CODE)
    except LookupError:
        return translation.get_language()


def _page(request: HttpRequest, customer: Customer, template: str, context: dict) -> HttpResponse:
    language = _language(request, customer)
    with translation.override(language):
        response = render(request, template, {"brand": branding(customer.store), **context})
    response["Content-Language"] = language
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    """Which messages the customer gets, and how often. POST is CSRF protected like any form."""
    customer = _customer(token)
    if customer is None:
        return not_found(request)  # the customer 404 page, branded and translated even in DEBUG
    preference = Preference.objects.filter(customer=customer).first()
    sms = consent_for(customer, Channel.SMS)
    requires_consent = optional_email_requires_consent(customer.store)
    initial = {
        # What will happen: where consent is required, ticked only if the customer agreed.
        "optional_email": email_allows_optional(
            consent_for(customer, Channel.EMAIL), requires_consent=requires_consent
        ),
        "sms": sms_allows(sms),
        "optional_sms": sms_allows(sms) and sms.optional_messages,
        "frequency": preference.frequency if preference else Frequency.NORMAL,
    }
    has_phone = bool(customer.phone)
    with translation.override(_language(request, customer)):
        data = request.POST if request.method == "POST" else None
        form = PreferencesForm(data, initial=initial, has_phone=has_phone, opt_out=not requires_consent)
        if request.method == "POST" and form.is_valid():
            chosen = form.cleaned_data
            preferences_save(
                customer=customer,
                optional_email=chosen["optional_email"],
                sms=chosen["sms"],
                optional_sms=chosen["optional_sms"],
                frequency=chosen["frequency"],
            )
            # Post/redirect/get: a reload does not post again.
            return redirect(f"{request.path}?saved=1")
    return _page(
        request,
        customer,
        "notifications/preferences.html",
        {
            "form": form,
            "saved": request.method == "GET" and request.GET.get("saved") == "1",
            "email": mask_email(customer.email),
            "phone": mask_phone(customer.phone) if has_phone else "",
            "unsubscribe_url": reverse("notifications:unsubscribe", kwargs={"token": token}),
        },
    )


# RFC 8058: a mail client's one-click POST carries no CSRF token; the signed link is the
# authority. Only POST is affected (CSRF checks never apply to GET), and a GET changes nothing,
# because link scanners and mail previews follow links.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with a button. POST (the button, or the mail client's one-click): stop
    optional emails; emails about orders keep coming."""
    customer = _customer(token)
    if customer is None:
        return not_found(request)  # the customer 404 page, branded and translated even in DEBUG
    done = request.method == "POST"
    if done:
        unsubscribe_optional_email(customer=customer, source=ONE_CLICK)
    return _page(
        request,
        customer,
        "notifications/unsubscribe.html",
        {
            "done": done,
            "already": not done
            and not email_allows_optional(
                consent_for(customer, Channel.EMAIL), requires_consent=optional_email_requires_consent(customer.store)
            ),
            "email": mask_email(customer.email),
            "preferences_url": reverse("notifications:preferences", kwargs={"token": token}),
        },
    )
