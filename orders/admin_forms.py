"""The order admin's form: addresses edited as labelled fields, not as raw JSON."""

from typing import Any

from django import forms

from .inputs import ADDRESS_FIELDS
from .models import Order

LABELS = {
    "name": "Name",
    "line1": "Address line 1",
    "line2": "Address line 2",
    "city": "City",
    "region": "Region or state",
    "postal_code": "Postal code",
    "country": "Country code",
}
# The JSON column -> the prefix of its form fields.
ADDRESSES = {"shipping_address": "shipping", "billing_address": "billing"}


def address_field_names(column: str) -> list[str]:
    """The form's field names for one address column, in ADDRESS_FIELDS order (for the fieldsets)."""
    return [f"{ADDRESSES[column]}_{key}" for key in ADDRESS_FIELDS]


def _address_field(key: str) -> forms.CharField:
    if key == "country":
        return forms.CharField(label=LABELS[key], required=False, max_length=2, help_text="Two letters, e.g. DE.")
    return forms.CharField(label=LABELS[key], required=False, max_length=200)


class _OrderForm(forms.ModelForm):
    """Each address's parts are their own fields (labelled "City", not a JSON blob); keys the
    form does not know (a platform's extras) are kept as they were."""

    class Meta:
        model = Order
        # The admin narrows these to its fieldsets; the address columns are the fields below.
        fields = [
            "store",
            "number",
            "external_id",
            "placed_at",
            "customer",
            "email",
            "phone",
            "locale",
            "currency",
            "subtotal",
            "shipping_total",
            "tax_total",
            "discount_total",
            "total",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for column, prefix in ADDRESSES.items():
            current = getattr(self.instance, column, None)
            current = current if isinstance(current, dict) else {}
            for key in ADDRESS_FIELDS:
                if f"{prefix}_{key}" in self.fields:
                    self.fields[f"{prefix}_{key}"].initial = current.get(key, "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for prefix in ADDRESSES.values():
            if data.get(f"{prefix}_country"):
                data[f"{prefix}_country"] = data[f"{prefix}_country"].upper()
        return data

    def save(self, commit: bool = True) -> Order:
        for column, prefix in ADDRESSES.items():
            if f"{prefix}_{ADDRESS_FIELDS[0]}" not in self.cleaned_data:
                continue  # not on this form (read-only for this user)
            current = getattr(self.instance, column, None)
            address = dict(current) if isinstance(current, dict) else {}
            for key in ADDRESS_FIELDS:
                value = (self.cleaned_data.get(f"{prefix}_{key}") or "").strip()
                if value:
                    address[key] = value
                else:
                    address.pop(key, None)
            setattr(self.instance, column, address)
        order: Order = super().save(commit=commit)
        return order


# Declared (not added in __init__) so the admin's fieldsets may name them.
OrderAdminForm: type[forms.ModelForm] = type(
    "OrderAdminForm",
    (_OrderForm,),
    {f"{prefix}_{key}": _address_field(key) for prefix in ADDRESSES.values() for key in ADDRESS_FIELDS},
)
