from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, label=_("Your score"))
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("Anything to add? (optional)"),
    )

    def __init__(self, *args: Any, scores: tuple[int, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["score"].choices = [(s, str(s)) for s in scores]  # type: ignore[attr-defined]


class ReviewItemForm(forms.Form):
    """One item's part of the review form (prefixed by its line item); no rating means "skip it"."""

    rating = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
        label=_("Your rating"),
    )
    title = forms.CharField(required=False, max_length=150, label=_("Title (optional)"))
    body = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}), label=_("Your review (optional)")
    )
