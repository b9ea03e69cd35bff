"""The return label's signed link: the PDF while the label is valid, a clear "expired" otherwise."""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.views.decorators.http import require_safe

from postpurchase.safe_urls import http_url
from returns.labels.pdf import label_pdf
from returns.services.labels import label_from_token
from tracking.views import not_found


@require_safe
def label_pdf_view(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone with the link may print the label (it goes to the customer by email); a forged or
    unknown token is a 404, an expired or reissued label a 410 with the site's "link does not
    work" page, so the customer asks for a new one instead of posting a stale parcel."""
    label = label_from_token(token)
    if label is None:
        raise Http404("No such label.")
    if not label.is_usable(timezone.now()):
        response = not_found(request)
        response.status_code = 410
        return response
    if label.pdf_url:
        url = http_url(label.pdf_url)
        if not url:
            raise Http404("No such label.")
        return HttpResponseRedirect(url)
    rr = label.request
    body = label_pdf(
        rma=rr.number,
        order_number=rr.order.number,
        store_name=rr.store.name,
        from_address=[str(line) for line in label.from_address],
        to_address=[str(line) for line in label.to_address],
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{rr.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
