"""The workflow pages of one return or claim in the admin, shared by both queues.

A request's change page lists the steps its status allows; each step is a page of its own
(`<id>/step/<step>/`): GET shows the step's form with the request's summary, POST runs the
service and goes back to the request. A refused step shows the service's reason and changes
nothing. Subclasses name their steps and say which are allowed, which form each takes and what
running it does.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from postpurchase.exceptions import DomainError
from postpurchase.tenancy import StoreScopedAdmin

from .models import ReturnRequest


class StepsAdmin(StoreScopedAdmin):
    change_form_template = "admin/returns/returnrequest/change_form.html"
    steps: dict[str, str]  # step slug -> its title
    noun = "Return"  # "Return RET-1 approved …", "No such return."

    def step_allowed(self, rr: ReturnRequest, step: str) -> bool:
        """Whether the request's status offers this step (the services check again)."""
        raise NotImplementedError

    def step_form(self, step: str, rr: ReturnRequest, data: Any) -> forms.Form:
        raise NotImplementedError

    def step_run(self, step: str, rr: ReturnRequest, form: forms.Form, actor: str) -> str:
        """Call the step's service; returns what happened, as the end of "<Noun> <number> …"."""
        raise NotImplementedError

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.step_view)
        name = f"{self.opts.app_label}_{self.opts.model_name}_step"
        return [path("<path:object_id>/step/<slug:step>/", view, name=name), *super().get_urls()]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        rr = self.get_object(request, unquote(object_id))
        steps = []
        if rr is not None and self.has_change_permission(request, rr):
            name = f"admin:{self.opts.app_label}_{self.opts.model_name}_step"
            steps = [
                (reverse(name, args=[rr.pk, step]), label)
                for step, label in self.steps.items()
                if self.step_allowed(rr, step)
            ]
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "steps": steps})

    def step_view(self, request: HttpRequest, object_id: str, step: str) -> HttpResponse:
        """GET: the step's form with the request's summary. POST: run the service, back to the request."""
        if step not in self.steps:
            raise Http404("No such step.")
        rr = self.get_object(request, unquote(object_id))  # scoped: another store's request is a 404
        if rr is None:
            raise Http404(f"No such {self.noun.lower()}.")
        if not self.has_change_permission(request, rr):
            raise PermissionDenied
        change_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[rr.pk])
        form = self.step_form(step, rr, request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                done = self.step_run(step, rr, form, request.user.get_username())
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, f"{self.noun} {rr.number} {done}.", messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{self.steps[step]}: {rr.number}",
            "rr": rr,
            "items": rr.items.select_related("line_item"),
            "form": form,
            "step": self.steps[step],
            "allowed": self.step_allowed(rr, step),
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/returns/returnrequest/step.html", context)
