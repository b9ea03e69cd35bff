"""What erasure and export do to loyalty's tables: the ledger stays (it is the liability's
accounting), its free-text reasons lose the person, and referrals forget the friend's address."""

from typing import Any

from django.db.models import Q

from orders.privacy import CUSTOMER_ERASED, Erasure, Person, exporter
from postpurchase.events import subscribe
from postpurchase.redact import ERASED, scrub_text

from .models import Account, PointsEntry, Referral
from .referrals import email_normalise


@subscribe(CUSTOMER_ERASED)
def loyalty_erase(erasure: Erasure) -> None:
    person = erasure.person
    for entry in PointsEntry.objects.filter(account__customer__in=person.customer_ids).exclude(reason=""):
        reason = scrub_text(entry.reason, person.needles)
        if reason != entry.reason:
            # The ledger is append-only for people; erasure is the one writer that may edit a
            # reason, and it touches nothing that counts.
            PointsEntry.objects.filter(pk=entry.pk).update(reason=reason)
            erasure.count("loyalty.PointsEntry", 1)
    referrals = Referral.objects.filter(store=person.store).filter(
        Q(friend__in=person.customer_ids) | Q(friend_email=email_normalise(person.email))
    )
    erasure.count("loyalty.Referral", referrals.exclude(friend_email=ERASED).update(friend_email=ERASED))


@exporter("loyalty")
def loyalty_export(person: Person) -> dict[str, Any]:
    accounts = Account.objects.filter(customer__in=person.customer_ids)
    return {
        "accounts": list(accounts.values("tier", "created_at")),
        "balances": [{"available": a.available, "pending": a.pending, "debt": a.debt} for a in accounts],
        "entries": list(
            PointsEntry.objects.filter(account__in=accounts)
            .order_by("created_at", "pk")
            .values("kind", "points", "source", "reason", "order__number", "created_at")
        ),
        "referral_code": list(accounts.exclude(referral_code=None).values_list("referral_code__code", flat=True)),
        "referrals_made": list(Referral.objects.filter(referrer__in=accounts).values("status", "reason", "created_at")),
    }
