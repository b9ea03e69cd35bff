"""import_reviews: Judge.me and Yotpo exports, each review once however often the file is imported,
bad rows reported by line, imported reviews marked as such and verified only when matched."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from feedback.models import Review, ReviewSource, ReviewStatus
from orders.models import Product

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "samples"


def run(name, fmt):
    out, err = StringIO(), StringIO()
    call_command("import_reviews", str(SAMPLES / name), "--store", "acme", "--format", fmt, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def products(store):
    Product.objects.create(store=store, sku="CAP-1", title="Wool cap", url="https://acme.example/products/wool-cap")
    Product.objects.create(store=store, sku="CAP-2", title="Cap", group="7001")
    Product.objects.create(store=store, sku="TEE-1", title="Linen tee")


def test_importing_judgeme_and_yotpo_files_twice_creates_each_review_once(products):
    run("judgeme.csv", "judgeme")
    run("yotpo.csv", "yotpo")
    again, _ = run("judgeme.csv", "judgeme")
    run("yotpo.csv", "yotpo")

    assert sorted(Review.objects.values_list("title", flat=True)) == ["Call me", "Great tee", "Lovely cap", "Too small"]
    assert sorted(e.split(":")[0] for e in Review.objects.values_list("external_id", flat=True)) == [
        "judgeme",
        "judgeme",
        "yotpo",
        "yotpo",
    ]
    assert "Imported 0 review(s)" in again
    assert set(Review.objects.values_list("source", flat=True)) == {ReviewSource.IMPORT}


def test_bad_rows_are_listed_by_line_and_the_rest_import(products):
    out, err = run("judgeme.csv", "judgeme")

    assert "line 4: no product matches it" in err
    assert "line 5: rating must be 1 to 5, got '6'" in err
    assert "Imported 2 review(s)" in out


def test_imported_reviews_keep_the_reply_and_go_through_the_same_moderation(products):
    run("judgeme.csv", "judgeme")
    run("yotpo.csv", "yotpo")

    cap = Review.objects.get(title="Lovely cap")
    assert (cap.display_name, cap.reply, cap.status, cap.verified) == ("Ada L.", "Thank you Ada!", "published", False)
    held = Review.objects.get(external_id="yotpo:Y-2")
    assert (held.status, held.hold_reasons) == (ReviewStatus.PENDING, "a phone number")


def test_an_imported_review_is_verified_only_when_a_delivered_order_of_that_email_holds_the_product(
    delivered_order, tmp_path
):
    export = tmp_path / "ours.csv"
    export.write_text(
        "id,sku,rating,title,body,author,email,created_at,reply\n"
        "1,CAP-1,5,Cosy,Warm cap.,Ada Lovelace,ada.lovelace@example.com,2025-01-01,\n"
        "2,CAP-1,4,Nice,Fine cap.,Mallory,mallory@example.com,2025-01-02,\n"
    )

    call_command("import_reviews", str(export), "--store", "acme", stdout=StringIO(), stderr=StringIO())

    assert dict(Review.objects.values_list("external_id", "verified")) == {"csv:1": True, "csv:2": False}
