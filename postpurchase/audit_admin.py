"""The audit log in the admin: every store-scoped admin records its changes, and each object's
change page ends with its history (who, when, what), read-only.

The history is a read-only field in a section of its own, not an inline: an inline is a formset,
and every POST to the page would then have to carry its management form.
"""

from typing import Any

from django.contrib import admin
from django.db import models
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .audit import audit_for, audit_record
from .models import AuditEntry

HISTORY = "audit_history"
HISTORY_ROWS = 50  # the newest; older entries stay in the table


def _shown(value: Any) -> str:
    if isinstance(value, list) and len(value) == 2:
        return f"{value[0]!s} → {value[1]!s}"
    return str(value)


def _form_changes(form: ModelForm) -> dict[str, Any]:
    return {name: [form.initial.get(name), form.cleaned_data.get(name)] for name in form.changed_data}


def _inline_changes(message: Any) -> dict[str, Any]:
    """What the admin's change message says about inline rows (added, changed, deleted)."""
    changes: dict[str, Any] = {}
    for part in message if isinstance(message, list) else []:
        for verb, detail in part.items():
            if isinstance(detail, dict) and "object" in detail:
                key = f"{detail.get('name', 'row')} {detail['object']}"
                changes[key] = verb + (f": {', '.join(detail.get('fields', []))}" if detail.get("fields") else "")
    return changes


def _what(entry: AuditEntry) -> SafeString:
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    return format_html_join(mark_safe("<br>"), "{}: {}", ((name, _shown(v)) for name, v in changes.items()))


class AuditedAdmin:
    """Mixed into StoreScopedAdmin: admin saves and deletions go on the audit log (the middleware
    made the staff user the actor), and change pages show the object's history."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        return [*fields, HISTORY] if obj is not None else fields

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        # An admin that replaces the read-only fields without calling ours shows no history.
        if obj is None or HISTORY not in self.get_readonly_fields(request, obj):
            return fieldsets
        kept = [
            (name, {**options, "fields": [f for f in options.get("fields", ()) if f != HISTORY]})
            for name, options in fieldsets
        ]
        return [*kept, ("History", {"fields": [HISTORY], "classes": ["collapse"]})]

    @admin.display(description="Changes")
    def audit_history(self, obj: models.Model) -> SafeString | str:
        entries = list(audit_for(obj).order_by("-created_at", "-id")[:HISTORY_ROWS])
        if not entries:
            return "No changes recorded yet."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((f"{e.created_at:%Y-%m-%d %H:%M:%S} UTC", e.who, e.action, _what(e)) for e in entries),
        )
        return format_html(
            '<table class="audit-history"><caption>Who changed what, newest first</caption>'
            '<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th>'
            '<th scope="col">What</th></tr></thead><tbody>{}</tbody></table>',
            rows,
        )

    def save_form(self, request: HttpRequest, form: ModelForm, change: bool) -> models.Model:
        request._audit_changes = _form_changes(form)  # type: ignore[attr-defined]
        return super().save_form(request, form, change)  # type: ignore[misc]

    def log_addition(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        audit_record(target=obj, action="added", changes=getattr(request, "_audit_changes", {}))
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        changes = {**getattr(request, "_audit_changes", {}), **_inline_changes(message)}
        if changes:
            audit_record(target=obj, action="changed", changes=changes)
        return super().log_change(request, obj, message)  # type: ignore[misc]

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            audit_record(target=obj, action="deleted")
        return super().log_deletions(request, queryset)  # type: ignore[misc]
