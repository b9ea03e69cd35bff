"""Reviews from the request's form: every item on one page, moderation by the words only (never the
stars), photos that must decode, and held reviews published after 14 days without a decision."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from feedback.links import review_token
from feedback.models import Review, ReviewPhoto, ReviewStatus
from feedback.reviews import reviews_publish_unreviewed
from orders.models import DomainEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def form_url(order) -> str:
    return reverse("feedback:review-form", kwargs={"token": review_token(order.pk)})


def lines(order):
    return list(order.line_items.order_by("pk"))


def post_review(client, order, index=0, **fields):
    prefix = f"item-{lines(order)[index].pk}"
    data = {f"{prefix}-{name}": value for name, value in fields.items()}
    return client.post(form_url(order), data)


def png(size=(40, 30)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "cap.png"
    return buffer


def test_the_form_shows_every_item_of_the_order_and_records_nothing(client, delivered_order):
    page = client.get(form_url(delivered_order))

    assert page.status_code == 200
    assert "Linen tee" in page.content.decode()
    assert "Wool cap" in page.content.decode()
    assert Review.objects.count() == 0


def test_a_one_star_review_with_clean_words_is_published_as_a_verified_buyers(client, delivered_order):
    response = post_review(client, delivered_order, rating="1", title="Shrank", body="It shrank after one wash.")

    assert response.status_code == 200
    [review] = Review.objects.all()
    assert (review.status, review.rating, review.verified, review.hold_reasons) == (ReviewStatus.PUBLISHED, 1, True, "")
    assert review.display_name == "Ada L."
    published = DomainEvent.objects.get(kind="review.published")
    assert (published.order_id, published.data["rating"], published.data["how"]) == (delivered_order.pk, 1, "clean")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("Love it! Write to me at ada@example.org for more", "an email address"),
        ("Love it! Call me on +49 151 23456789", "a phone number"),
        ("Fucking brilliant cap, five stars", "profanity"),
        ("Best cap, cheaper at www.cheap-caps.example/now", "a link"),
    ],
)
def test_a_five_star_review_with_personal_data_profanity_or_a_link_is_held_with_the_reason(
    client, delivered_order, body, reason
):
    post_review(client, delivered_order, rating="5", body=body)

    [review] = Review.objects.all()
    assert review.status == ReviewStatus.PENDING
    assert review.hold_reasons == reason
    assert not DomainEvent.objects.filter(kind="review.published").exists()


def test_html_is_stripped_from_what_the_customer_typed(client, delivered_order):
    post_review(
        client, delivered_order, rating="4", title="<b>Warm</b>", body="Cosy <script>alert(1)</script>&amp; soft"
    )

    review = Review.objects.get()
    assert (review.title, review.body) == ("Warm", "Cosy & soft")


def test_a_review_held_fourteen_days_without_a_decision_is_published(client, delivered_order):
    post_review(client, delivered_order, rating="5", body="Mail me: ada@example.org")

    with time_machine.travel(timezone.now() + timedelta(days=13, hours=23), tick=False):
        assert reviews_publish_unreviewed() == 0
    with time_machine.travel(timezone.now() + timedelta(days=14, minutes=1), tick=False):
        assert reviews_publish_unreviewed() == 1

    review = Review.objects.get()
    assert review.status == ReviewStatus.PUBLISHED
    assert DomainEvent.objects.get(kind="review.published").data["how"] == "unreviewed"


def test_two_items_and_a_photo_on_one_page(client, delivered_order):
    tee, cap = lines(delivered_order)
    data = {
        f"item-{tee.pk}-rating": "5",
        f"item-{cap.pk}-rating": "3",
        f"item-{cap.pk}-photos": [png()],
    }

    response = client.post(form_url(delivered_order), data)

    assert response.status_code == 200
    assert sorted(Review.objects.values_list("rating", flat=True)) == [3, 5]
    photo = ReviewPhoto.objects.get()
    assert (photo.review.line_item_id, photo.content_type, photo.width, photo.height) == (cap.pk, "image/png", 40, 30)


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_saved(client, delivered_order):
    fake = io.BytesIO(b"<?php echo 'not a jpeg'; ?>")
    fake.name = "cap.jpg"
    tee = lines(delivered_order)[0]

    response = client.post(form_url(delivered_order), {f"item-{tee.pk}-rating": "5", f"item-{tee.pk}-photos": [fake]})

    assert response.status_code == 400
    assert "not a photo" in response.content.decode()
    assert Review.objects.count() == 0


def test_an_item_reviewed_once_cannot_be_reviewed_again_from_the_link(client, delivered_order):
    post_review(client, delivered_order, rating="2", body="Itchy")
    post_review(client, delivered_order, rating="5", body="Changed my mind")

    assert list(Review.objects.values_list("rating", flat=True)) == [2]


def test_a_forged_link_is_a_404(client, delivered_order):
    assert client.get(form_url(delivered_order)[:-3] + "xx/").status_code == 404
