"""The loyalty pages' forms: ask for the page's link by email, claim a referral, claim a follow."""

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import normalize_email

from .models import SocialNetwork


class LinkRequestForm(forms.Form):
    """The magic-link form: the page's link goes to this address, if it belongs to a customer."""

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("The address you use to order from us."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])


class ReferralClaimForm(LinkRequestForm):
    """A referred friend's address: their first-order code is for it."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["email"].help_text = _("Your code is for your first order with this address.")


class SocialClaimForm(forms.Form):
    network = forms.ChoiceField(
        label=_("Network"),
        choices=[
            (value, _("Other") if value == SocialNetwork.OTHER else label) for value, label in SocialNetwork.choices
        ],
    )
    handle = forms.CharField(label=_("Your name there"), max_length=100)
