from django.utils import timezone

from notifications.models import Channel, Consent


def opt_in_sms(customer, *, source: str = "checkout") -> Consent:
    consent, _ = Consent.objects.update_or_create(
        customer=customer,
        channel=Channel.SMS,
        defaults={"opted_in": True, "source": source, "recorded_at": timezone.now()},
    )
    return consent
