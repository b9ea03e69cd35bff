import pytest

from orders.models import Shipment
from tests.tracking.carrier_helpers import _ship
from tests.tracking.carrier_payloads import AFTERSHIP_SECRET, DHL_NUMBER, EASYPOST_SECRET, FEDEX_NUMBER, GENERIC_SECRET
from tracking.models import TrackingSettings


@pytest.fixture
def carrier_secrets(store):
    """The store's AfterShip, EasyPost and generic webhook secrets (used by every carrier webhook test)."""
    store.aftership_secret = AFTERSHIP_SECRET
    store.easypost_secret = EASYPOST_SECRET
    store.save()
    TrackingSettings.objects.update_or_create(store=store, defaults={"webhook_secret": GENERIC_SECRET})


@pytest.fixture
def dhl_shipment(store) -> Shipment:
    return _ship(store, carrier="DHL", tracking_number=DHL_NUMBER, number="#1001")


@pytest.fixture
def fedex_shipment(store) -> Shipment:
    return _ship(store, carrier="FedEx", tracking_number=FEDEX_NUMBER, number="#1002")
