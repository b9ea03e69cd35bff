"""The customer's preference page form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Frequency

# The model's labels are for merchants in the admin; customers read these, in their language.
FREQUENCY_CHOICES = [
    (Frequency.NORMAL.value, _("As often as the store sends them")),
    (Frequency.WEEKLY.value, _("At most one optional message a week")),
    (Frequency.ESSENTIAL.value, _("Only updates about my orders")),
]


class PreferencesForm(forms.Form):
    order_emails = forms.BooleanField(
        label=_("Emails about my orders"),
        required=False,
        disabled=True,
        initial=True,
        help_text=_(
            "Always on: order confirmations and shipping and delivery updates. "
            "We need them to tell you about your orders."
        ),
    )
    optional_email = forms.BooleanField(
        label=_("Optional emails: tips, recommendations and offers"),
        required=False,
        help_text=_("Care tips, products you may like and coupons. You can stop them at any time."),
    )
    sms = forms.BooleanField(
        label=_("Text messages (SMS) about my orders"),
        required=False,
        help_text=_("Shipping and delivery updates by text message. Reply STOP to any of them to stop."),
    )
    optional_sms = forms.BooleanField(
        label=_("Optional text messages"),
        required=False,
        help_text=_("Tips and offers by text message. Only with text messages about your orders switched on."),
    )
    frequency = forms.ChoiceField(
        label=_("How often may we send optional messages?"),
        choices=FREQUENCY_CHOICES,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, has_phone: bool = True, opt_out: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if opt_out:
            # The store may email optional messages until the customer says no; say so.
            self.fields["optional_email"].help_text = _(
                "Care tips, products you may like and coupons. They come unless you switch them off here."
            )
        if not has_phone:
            # Nobody to text: the page says so instead of recording a consent we cannot use.
            for name in ("sms", "optional_sms"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("We have no mobile number for you.")
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}_help"

    def full_clean(self):
        super().full_clean()
        # Screen readers announce a field's error with the field, not only in a list at the top.
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = " ".join(filter(None, [attrs.get("aria-describedby"), f"id_{name}_error"]))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("optional_sms") and not cleaned.get("sms"):
            self.add_error(
                "optional_sms",
                _("To get optional text messages, also choose text messages about your orders."),
            )
        return cleaned
