"""The customer return portal: from the tracking page's button to an RMA, with bad input refused."""

import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from returns.models import ReturnRequest
from tests.orders.factories import place_order
from tests.returns.factories import delivered_order, line, policy
from tests.returns.label_pdf import code128_decode, label_text
from tracking import links

pytestmark = pytest.mark.django_db

EMAIL = "ada.lovelace@example.com"


def portal_of(order) -> str:
    return f"/returns/{links.order_token(order)}/"


def order_of(url: str) -> int | None:
    """The order a portal URL opens (its token is signed with a timestamp, so compare ids)."""
    return links.order_id_from_token(url.split("/")[2])


def jpeg(size=(40, 30)) -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", size, "orange").save(buffer, "JPEG")
    return SimpleUploadedFile("scuff.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_the_tracking_pages_button_opens_the_orders_return_page(client, store):
    order = delivered_order(store)
    tracking = client.get(links.page_path(links.order_token(order))).content.decode()
    button = re.search(r'href="(/returns/\?token=[^"]+)"', tracking)[1].replace("&amp;", "&")

    response = client.get(button, follow=True)

    html = response.content.decode()
    assert order_of(response.redirect_chain[-1][0]) == order.pk
    assert "Return items from order #1001" in html
    assert "Linen tee" in html
    assert "Wool cap" in html


def test_the_lookup_finds_the_order_by_number_and_email_and_refuses_a_wrong_email(client, store):
    order = delivered_order(store)

    found = client.post("/returns/", {"order_number": "1001", "email": EMAIL})
    wrong = client.post("/returns/", {"order_number": "1001", "email": "someone@example.com"})

    assert found.status_code == 302
    assert order_of(found["Location"]) == order.pk
    assert "couldn" in wrong.content.decode()


def test_choosing_one_of_two_items_for_store_credit_shows_the_amount_then_makes_an_rma(client, store):
    order = delivered_order(store)
    cap = line(order, 1)  # one wool cap at 19.90
    choice = {f"quantity_{cap.pk}": "1", f"reason_{cap.pk}": "too_small", "resolution": "store_credit"}

    review = client.post(portal_of(order), {**choice, "step": "review"})
    confirmed = client.post(portal_of(order), {**choice, "step": "confirm"})

    assert review.status_code == 200
    assert "€19.90" in review.content.decode()
    assert ReturnRequest.objects.count() == 1
    rr = ReturnRequest.objects.get()
    assert confirmed["Location"] == f"{portal_of(order)}{rr.number}/"
    assert rr.refund_amount == Decimal("19.90")
    assert [(i.line_item_id, i.quantity) for i in rr.items.all()] == [(cap.pk, 1)]
    done = client.get(confirmed["Location"]).content.decode()
    assert rr.number in done
    assert rr.number.startswith("RMA-")


def test_a_quantity_above_what_was_bought_is_refused_and_nothing_is_saved(client, store):
    order = delivered_order(store)
    tee = line(order, 0)  # two were bought

    response = client.post(
        portal_of(order),
        {f"quantity_{tee.pk}": "3", f"reason_{tee.pk}": "too_small", "resolution": "refund", "step": "confirm"},
    )

    assert response.status_code == 400
    assert "at most 2" in response.content.decode()
    assert ReturnRequest.objects.count() == 0


def test_another_orders_line_cannot_be_returned_through_this_order(client, store):
    order = delivered_order(store)
    other = delivered_order(store, number="#2002", email="grace@example.com")
    foreign = line(other, 0)

    response = client.post(
        portal_of(order),
        {f"quantity_{foreign.pk}": "1", f"reason_{foreign.pk}": "too_small", "resolution": "refund", "step": "confirm"},
    )

    assert response.status_code == 400
    assert "Choose at least one item" in response.content.decode()
    assert ReturnRequest.objects.count() == 0


def test_a_pdf_renamed_jpg_is_refused_as_a_photo(client, store):
    order = delivered_order(store)
    cap = line(order, 1)
    fake = SimpleUploadedFile("scuff.jpg", b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF", content_type="image/jpeg")

    response = client.post(
        portal_of(order),
        {
            f"quantity_{cap.pk}": "1",
            f"reason_{cap.pk}": "damaged",
            f"photos_{cap.pk}": fake,
            "resolution": "refund",
            "step": "confirm",
        },
    )

    assert response.status_code == 400
    assert "is not a photo we can read" in response.content.decode()
    assert ReturnRequest.objects.count() == 0


def test_a_photo_over_the_size_limit_is_refused(client, store, settings):
    settings.RETURN_PHOTO_MAX_BYTES = 1024
    order = delivered_order(store)
    cap = line(order, 1)

    response = client.post(
        portal_of(order),
        {
            f"quantity_{cap.pk}": "1",
            f"reason_{cap.pk}": "damaged",
            f"photos_{cap.pk}": jpeg((400, 400)),
            "resolution": "refund",
            "step": "confirm",
        },
    )

    assert response.status_code == 400
    assert "A photo may be at most" in response.content.decode()
    assert ReturnRequest.objects.count() == 0


def test_a_damaged_item_needs_a_photo_and_the_photo_is_kept_privately(client, store):
    order = delivered_order(store)
    cap = line(order, 1)
    choice = {f"quantity_{cap.pk}": "1", f"reason_{cap.pk}": "damaged", "resolution": "refund", "step": "confirm"}

    without = client.post(portal_of(order), choice)
    with_photo = client.post(portal_of(order), {**choice, f"photos_{cap.pk}": jpeg()})

    assert without.status_code == 400
    assert "Add a photo" in without.content.decode()
    rr = ReturnRequest.objects.get()
    assert with_photo.status_code == 302
    assert default_storage.exists(f"returns/{store.pk}/{rr.number}/{cap.pk}-1.jpg")


def test_lines_that_cannot_be_returned_say_why(client, store):
    policy(store, window_days=30)
    order = delivered_order(store, delivered_days_ago=40)

    html = client.get(portal_of(order)).content.decode()

    assert "Nothing in this order can be returned now" in html
    assert "The return window closed on" in html


def test_an_order_not_yet_shipped_has_nothing_to_return(client, store):
    order = place_order(store)

    html = client.get(portal_of(order)).content.decode()

    assert "Not shipped yet." in html


def test_a_forged_return_link_gets_the_customer_404(client, store):
    response = client.get("/returns/forged-token/")

    assert response.status_code == 404
    assert "Look up your order" in response.content.decode()


def test_the_tracking_page_offers_no_return_before_anything_shipped(client, store):
    order = place_order(store)

    html = client.get(links.page_path(links.order_token(order))).content.decode()

    assert "Start a return" not in html


def test_a_50_mb_photo_is_refused_with_a_clear_error_and_nothing_is_kept(client, store):
    order = delivered_order(store)
    cap = line(order, 1)
    header = jpeg().read()
    huge = SimpleUploadedFile("holiday.jpg", header + b"\0" * (50 * 1024 * 1024 - len(header)), "image/jpeg")

    response = client.post(
        portal_of(order),
        {
            f"quantity_{cap.pk}": "1",
            f"reason_{cap.pk}": "damaged",
            f"photos_{cap.pk}": huge,
            "resolution": "refund",
            "step": "confirm",
        },
    )

    assert response.status_code == 400
    assert "A photo may be at most 10 MB." in response.content.decode()
    assert ReturnRequest.objects.count() == 0
    assert not default_storage.exists(f"returns/{store.pk}")


def test_a_return_approved_at_once_offers_its_label_on_the_confirmation(client, store):
    policy(store, auto_approve_below=Decimal("100.00"))
    order = delivered_order(store)
    cap = line(order, 1)
    choice = {f"quantity_{cap.pk}": "1", f"reason_{cap.pk}": "too_small", "resolution": "refund", "step": "confirm"}

    done = client.post(portal_of(order), choice, follow=True).content.decode()

    rr = ReturnRequest.objects.get()
    link = re.search(r'href="(/returns/label/[^"]+\.pdf)"', done)[1]
    pdf = client.get(link)
    assert "Print the return label (PDF)" in done
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert rr.number in label_text(pdf.content)
    assert code128_decode(pdf.content) == rr.number
