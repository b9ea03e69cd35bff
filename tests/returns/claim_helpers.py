"""Claims made through the services, as the report page and the late-parcel page make them."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from returns.claims.services import ClaimItemInput, claim_create
from returns.models import ReturnRequest
from tests.returns.factories import line


def report(
    order, *quantities: tuple[int, int], problem="damaged", resolution="store_credit", photos=1
) -> ReturnRequest:
    """Claim (line index, quantity) pairs of `order` through the service."""
    items = [
        ClaimItemInput(line_item_id=line(order, index).pk, quantity=quantity, photo_count=photos)
        for index, quantity in quantities
    ]
    return claim_create(order=order, problem=problem, items=items, resolution=resolution, actor="customer")


def jpeg(name="damage.jpg") -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
