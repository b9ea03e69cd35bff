"""Review writes: submitting from the request's form, moderation decisions, publishing what was
held 14 days without a decision, merchant replies and helpful votes."""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from orders.events import event_record
from orders.models import Customer, Order, OrderStatus
from postpurchase.exceptions import DomainError

from .events import REVIEW_PUBLISHED, review_published_data
from .models import AbuseReport, HelpfulVote, Review, ReviewPhoto, ReviewStatus
from .moderation import hold_reasons, plain_text
from .photos import MAX_PHOTOS, photo_check
from .selectors import reviewable_items
from .widget_cache import widget_cache_bump

UNREVIEWED_AFTER = timedelta(days=14)
_DELIVERED = (OrderStatus.DELIVERED, OrderStatus.PARTIALLY_RETURNED, OrderStatus.RETURNED)


@dataclass
class ReviewInput:
    line_item_id: int
    rating: int
    title: str = ""
    body: str = ""
    photos: list[UploadedFile] = field(default_factory=list)


def display_name(customer: Customer | None) -> str:
    """First name and the initial of the last: "Ada L." (or "A customer")."""
    if customer is None or not customer.first_name.strip():
        return "A customer"
    initial = customer.last_name.strip()[:1]
    return f"{customer.first_name.strip()} {initial}." if initial else customer.first_name.strip()


def _regions(order: Order) -> list[str]:
    address = order.shipping_address if isinstance(order.shipping_address, dict) else {}
    return [str(address.get("country") or ""), str(getattr(order.store, "country", "") or "")]


def review_publish(*, review: Review, how: str, actor: str = "") -> Review:
    """Publish and record `review.published` (loyalty rewards it), in the caller's transaction."""
    review.status, review.published_at, review.decided_by = ReviewStatus.PUBLISHED, timezone.now(), actor
    review.save(update_fields=["status", "published_at", "decided_by"])
    event_record(
        kind=REVIEW_PUBLISHED,
        store=review.store,
        order=review.order,
        customer=review.order.customer if review.order else None,
        data=review_published_data(
            review_id=review.pk,
            product_id=review.product_id,
            line_item_id=review.line_item_id,
            rating=review.rating,
            verified=review.verified,
            how=how,
        ),
        actor=actor,
    )
    transaction.on_commit(lambda: widget_cache_bump(review.store_id))
    return review


def reviews_submit(*, order: Order, inputs: list[ReviewInput]) -> list[Review]:
    """Save the customer's reviews of the order's items, one per product; publish the clean ones,
    hold the others with the reasons. Photos are checked before anything is written."""
    items = {item.line_item_id: item for item in reviewable_items(order)}
    checked = []
    for given in inputs:
        if given.line_item_id not in items:
            raise DomainError("That item cannot be reviewed on this order.", extra={"line_item_id": given.line_item_id})
        if given.rating not in range(1, 6):
            raise DomainError("A rating is 1 to 5 stars.", extra={"rating": given.rating})
        if len(given.photos) > MAX_PHOTOS:
            raise DomainError(f"At most {MAX_PHOTOS} photos per review.")
        checked.append((given, [(p, photo_check(p, p.size)) for p in given.photos]))
    saved = []
    with transaction.atomic():
        Order.objects.select_for_update().filter(pk=order.pk).first()
        done = set(Review.objects.filter(order=order).values_list("product_id", flat=True))
        for given, photos in checked:
            item = items[given.line_item_id]
            if item.product_id in done:
                continue  # reviewed already (a second tab, a double click): the first one stands
            title, body = plain_text(given.title)[:150], plain_text(given.body)[:5000]
            reasons = hold_reasons(f"{title}\n{body}", regions=_regions(order))
            review = Review.objects.create(
                store=order.store,
                product_id=item.product_id,
                order=order,
                line_item_id=item.line_item_id,
                rating=given.rating,
                title=title,
                body=body,
                display_name=display_name(order.customer),
                locale=order.locale,
                verified=order.status in _DELIVERED,
                hold_reasons=", ".join(reasons),
                created_at=timezone.now(),
            )
            for upload, photo in photos:
                upload.seek(0)
                ReviewPhoto.objects.create(
                    review=review,
                    image=ContentFile(upload.read(), name=f"photo.{photo.extension}"),
                    content_type=photo.content_type,
                    width=photo.width,
                    height=photo.height,
                )
            if not reasons:
                review_publish(review=review, how="clean", actor="customer")
            done.add(item.product_id)
            saved.append(review)
    return saved


def review_decide(*, review_id: int, publish: bool, actor: str) -> Review:
    """A person's decision on a held review."""
    with transaction.atomic():
        review = Review.objects.select_for_update(of=("self",)).select_related("store", "order").get(pk=review_id)
        if review.status != ReviewStatus.PENDING:
            return review
        if publish:
            return review_publish(review=review, how="approved", actor=actor)
        review.status, review.decided_by = ReviewStatus.REJECTED, actor
        review.save(update_fields=["status", "decided_by"])
    return review


def reviews_publish_unreviewed(*, now: datetime | None = None) -> int:
    """Publish every review held for 14 days without a decision: silence must not suppress it."""
    now = now or timezone.now()
    published = 0
    ids = list(
        Review.objects.filter(status=ReviewStatus.PENDING, created_at__lte=now - UNREVIEWED_AFTER).values_list(
            "pk", flat=True
        )[:1000]
    )
    for review_id in ids:
        with transaction.atomic():
            review = (
                Review.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("store", "order")
                .filter(pk=review_id, status=ReviewStatus.PENDING)
                .first()
            )
            if review is not None:
                review_publish(review=review, how="unreviewed", actor="system")
                published += 1
    return published


def review_reply(*, review: Review, text: str, actor: str) -> Review:
    review.reply, review.replied_at = plain_text(text)[:5000], timezone.now() if text.strip() else None
    review.save(update_fields=["reply", "replied_at"])
    widget_cache_bump(review.store_id)
    return review


def review_vote_helpful(*, review: Review, browser: str) -> bool:
    """Count one vote per browser (its random cookie); False when this browser voted already."""
    voter = hashlib.sha256(browser.encode()).hexdigest()
    try:
        with transaction.atomic():
            HelpfulVote.objects.create(review=review, voter=voter)
    except IntegrityError:
        return False
    Review.objects.filter(pk=review.pk).update(helpful_count=F("helpful_count") + 1)
    return True


def review_report_abuse(*, review: Review, browser: str, reason: str) -> bool:
    """Record one report per browser; False when this browser reported it already."""
    reporter = hashlib.sha256(browser.encode()).hexdigest()
    try:
        with transaction.atomic():
            AbuseReport.objects.create(review=review, reporter=reporter, reason=plain_text(reason)[:500])
    except IntegrityError:
        return False
    return True
