"""Customer pages of feedback: the survey's score page and the review form.

Both are reached by signed links from the emails (feedback.links). A link scanner or mail preview
follows GET links, so a GET never records anything: the score page shows the tapped score
preselected and records on POST. A bad link is the customer 404 page.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from notifications.views import branding
from orders.models import Order
from postpurchase.exceptions import DomainError
from tracking.views import not_found

from .forms import ReviewItemForm, SurveyForm
from .links import review_token_order, scores_for, survey_token_load
from .models import Review
from .photos import PhotoError
from .reviews import ReviewInput, reviews_submit
from .selectors import ReviewableItem, reviewable_items
from .services import survey_answer_record


def _language(request: HttpRequest, order: Order) -> str:
    try:
        return translation.get_supported_language_variant(order.locale or request.LANGUAGE_CODE)
    except LookupError:
        return translation.get_language()


def page(request: HttpRequest, order: Order, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    language = _language(request, order)
    with translation.override(language):
        response = render(request, template, {"brand": branding(order.store), **context}, status=status)
    response["Content-Language"] = language
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def survey(request: HttpRequest, token: str, score: int) -> HttpResponse:
    found = survey_token_load(token)
    order = Order.objects.select_related("store", "customer").filter(pk=found[0]).first() if found else None
    if found is None or order is None:
        return not_found(request)
    kind = found[1]
    scores = scores_for(kind)
    if request.method != "POST":
        initial = {"score": score} if score in scores else {}
        form = SurveyForm(initial=initial, scores=scores)
        return page(request, order, "feedback/survey.html", {"form": form, "survey": kind, "order": order})
    form = SurveyForm(request.POST, scores=scores)
    if not form.is_valid():
        return page(request, order, "feedback/survey.html", {"form": form, "survey": kind, "order": order}, status=400)
    survey_answer_record(
        order=order, survey=kind, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]
    )
    return page(request, order, "feedback/thanks.html", {"order": order})


def _item_forms(items: list[ReviewableItem], data: Any = None) -> list[tuple[ReviewableItem, ReviewItemForm]]:
    return [(item, ReviewItemForm(data, prefix=f"item-{item.line_item_id}")) for item in items]


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def review_form(request: HttpRequest, token: str) -> HttpResponse:
    """Every item of the order on one page; the customer rates any of them (photos optional)."""
    order_id = review_token_order(token)
    order = Order.objects.select_related("store", "customer").filter(pk=order_id).first() if order_id else None
    if order is None:
        return not_found(request)
    reviewed = set(Review.objects.filter(order=order).values_list("product_id", flat=True))
    items = [item for item in reviewable_items(order) if item.product_id not in reviewed]
    if request.method != "POST":
        return page(request, order, "feedback/review_form.html", {"order": order, "forms": _item_forms(items)})
    forms = _item_forms(items, request.POST)
    inputs, errors = [], []
    for item, form in forms:
        if not form.is_valid():
            errors.append(item.title)
            continue
        if not form.cleaned_data["rating"]:
            continue
        inputs.append(
            ReviewInput(
                line_item_id=item.line_item_id,
                rating=form.cleaned_data["rating"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                photos=request.FILES.getlist(f"{form.prefix}-photos"),
            )
        )
    error = ""
    if not errors and not inputs:
        error = _("Choose a star rating for at least one item.")
    if not errors and not error:
        try:
            reviews_submit(order=order, inputs=inputs)
        except (DomainError, PhotoError) as problem:
            error = str(problem.message if isinstance(problem, DomainError) else problem)
        else:
            return page(request, order, "feedback/review_thanks.html", {"order": order, "count": len(inputs)})
    context = {"order": order, "forms": forms, "error": error}
    return page(request, order, "feedback/review_form.html", context, status=400)
