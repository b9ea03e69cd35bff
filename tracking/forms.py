from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import normalize_email


def bare_order_number(value: str) -> str:
    """ "#1042 ", "1042" and " # 1042" are the same order number to a customer."""
    return value.strip().lstrip("#").strip()


class TrackOrderForm(forms.Form):
    """Find an order by its number and the email it was placed with.

    The labels "Order number" and "Email" are a public contract (DESIGN.md): keep them.
    """

    order_number = forms.CharField(
        label=_("Order number"),
        max_length=40,
        help_text=_("You'll find it in your order confirmation, e.g. #1001."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("The address you used to place the order."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def clean_order_number(self) -> str:
        number = bare_order_number(self.cleaned_data["order_number"])
        if not number:
            raise forms.ValidationError(_("Enter your order number."), code="required")
        return number

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])
