from django.db import models

from postpurchase.money import MoneyField
from postpurchase.tenancy import StoreScopedQuerySet

from .stores import LOCALES, Store


def normalize_email(email: str) -> str:
    return email.strip().lower()


class Customer(models.Model):
    """A shopper of one store, known by their normalised email."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="customers")
    email = models.EmailField()
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +14155550123.")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    locale = models.CharField(max_length=8, choices=LOCALES, blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    birthday = models.DateField(null=True, blank=True)
    external_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "email"], name="customer_email_per_store")]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Product(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="products")
    sku = models.CharField(max_length=64)
    title = models.CharField(max_length=255)
    url = models.URLField(blank=True)
    image_url = models.URLField(blank=True)
    category = models.CharField(max_length=100, blank=True)
    price = MoneyField()
    returnable = models.BooleanField(default=True)
    care_instructions = models.TextField(blank=True)
    external_id = models.CharField(max_length=64, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "sku"], name="product_sku_per_store")]

    def __str__(self) -> str:
        return f"{self.title} ({self.sku})"
