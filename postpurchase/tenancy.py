"""Tenancy helpers: every merchant-facing read is scoped to the stores a user belongs to.

The Store model lives in `orders`; the kernel only relies on its contract: a user's stores
are `user.stores` (Store.staff's related name), and scoped models reach a store through a
lookup path such as "store" or "order__store".
"""

from typing import Self

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst

from postpurchase.audit_admin import AuditedAdmin
from postpurchase.safe_urls import validate_http_url


def user_store_ids(user) -> list[int]:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_store_ids", None)
    if cached is None:
        cached = list(user.stores.values_list("pk", flat=True))
        user._store_ids = cached
    return cached


class StoreScopedQuerySet(models.QuerySet):
    store_path = "store"

    def for_store(self, store) -> Self:
        return self.filter(**{self.store_path: store})

    def for_user(self, user) -> Self:
        if user.is_superuser:
            return self
        return self.filter(**{f"{self.store_path}__in": user_store_ids(user)})


def _reaches_store(model) -> str | None:
    """The lookup from `model` to its store, if it has one within two hops."""
    if model._meta.label_lower == "orders.store":
        return "pk"
    names = {f.name: f for f in model._meta.get_fields()}
    if "store" in names:
        return "store"
    for hop in ("order", "shipment", "customer"):
        field = names.get(hop)
        if (
            field is not None
            and field.is_relation
            and "store" in {f.name for f in field.related_model._meta.get_fields()}
        ):
            return f"{hop}__store"
    return None


class _ScopedChoices:
    """Foreign-key pickers offer only the user's stores' rows; URL fields take only http(s)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, models.URLField) and formfield is not None:
            formfield.validators.append(validate_http_url)
        if formfield is not None and isinstance(formfield.widget, AdminSplitDateTime):
            # The split widget's "Date:" and "Time:" are plain text, and the field's label points
            # at neither input: name both, or a screen reader announces two unlabelled boxes.
            name = capfirst(str(db_field.verbose_name))
            formfield.widget.widgets[0].attrs["aria-label"] = f"{name}: date"
            formfield.widget.widgets[1].attrs["aria-label"] = f"{name}: time"
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        path = _reaches_store(db_field.related_model)
        if path and not request.user.is_superuser:
            kwargs["queryset"] = db_field.related_model._default_manager.filter(
                **{f"{path}__in": user_store_ids(request.user)}
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class UserStoreFilter(admin.RelatedFieldListFilter):
    """A related-object filter that offers only rows of the user's stores (all for a superuser),
    e.g. the store filter lists the user's own stores: other merchants' names stay private."""

    def field_choices(self, field, request, model_admin):
        related = field.related_model
        path = _reaches_store(related)
        rows = related._default_manager.all()
        if path and not request.user.is_superuser:
            rows = rows.filter(**{f"{path}__in": user_store_ids(request.user)})
        ordering = self.field_admin_ordering(field, request, model_admin) or related._meta.ordering or ["pk"]
        return [(row.pk, str(row)) for row in rows.order_by(*ordering)]


def _is_relation(model, path: str) -> bool:
    try:
        fields = get_fields_from_path(model, path)
    except (FieldDoesNotExist, models.FieldError, AttributeError):
        return False
    return bool(fields) and fields[-1].is_relation


class StoreScopedAdmin(AuditedAdmin, _ScopedChoices, admin.ModelAdmin):
    """A staff user sees and picks only the objects of their own stores; a superuser sees all.

    Scoped everywhere the admin lists rows: the changelist and search (get_queryset), foreign-key
    pickers (_ScopedChoices), autocomplete (it asks the related model's admin, scoped in turn), and
    list filters: a filter on a relation (`"store"`, `"customer"`) lists only the user's stores'
    rows; value filters (`"carrier"`) already read the scoped queryset.
    """

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        path = _reaches_store(self.model)
        return qs.filter(**{f"{path}__in": user_store_ids(request.user)})

    def get_list_filter(self, request):
        return [
            (entry, UserStoreFilter) if isinstance(entry, str) and _is_relation(self.model, entry) else entry
            for entry in super().get_list_filter(request)
        ]


class StoreScopedInline(_ScopedChoices, admin.TabularInline):
    """A tabular inline whose inputs are named for assistive technology: a table shows each
    field's label only as a column header, which axe (and a screen reader in forms mode) miss."""

    extra = 0

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            formfield.widget.attrs.setdefault("aria-label", capfirst(str(db_field.verbose_name)))
        return formfield

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class LabelledFormSet(formset):  # type: ignore[valid-type,misc]
            def add_fields(self, form, index):
                super().add_fields(form, index)
                if "DELETE" in form.fields:
                    form.fields["DELETE"].widget.attrs.setdefault("aria-label", "Delete")

        return LabelledFormSet
