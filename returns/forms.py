"""The admin's workflow forms: what a merchant says when approving, rejecting, receiving, resolving."""

from typing import Any

from django import forms

from returns.models import ItemCondition, ReturnRequest


class ApproveForm(forms.Form):
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), help_text="For your team only."
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), help_text="The customer reads this in the email."
    )


class ResolveForm(forms.Form):
    refund_reference = forms.CharField(
        required=False, max_length=200, help_text="The payment provider's refund id, for a refund."
    )


class CancelForm(forms.Form):
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReissueForm(forms.Form):
    """Nothing to say: the button is the confirmation."""


class ReceiveForm(forms.Form):
    """Per item of the return: its condition and whether it goes back to stock."""

    def __init__(self, *args: Any, request: ReturnRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(request.items.select_related("line_item"))
        for item in self.items:
            label = f"{item.line_item.title} ({item.quantity})"
            self.fields[f"condition_{item.line_item_id}"] = forms.ChoiceField(
                label=f"{label}: condition",
                choices=ItemCondition.choices,
                initial=item.condition or ItemCondition.AS_NEW,
            )
            self.fields[f"restock_{item.line_item_id}"] = forms.BooleanField(
                label=f"{label}: back to stock", required=False, initial=item.restock is not False
            )

    def receipts(self) -> list[tuple[int, str, bool]]:
        return [
            (
                item.line_item_id,
                self.cleaned_data[f"condition_{item.line_item_id}"],
                self.cleaned_data[f"restock_{item.line_item_id}"],
            )
            for item in self.items
        ]
