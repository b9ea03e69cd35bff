from django.core.validators import MaxValueValidator, MinValueValidator
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
    # Labels other apps and the merchant put on a customer (e.g. loyalty's `tier:gold`); rules
    # elsewhere read them by name (a return window by tag) without importing whoever set them.
    tags = models.JSONField(default=list, blank=True, help_text='A list of labels, e.g. ["tier:gold", "vip"].')
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
    final_sale = models.BooleanField(default=False, help_text="Sold as final sale: never returnable or exchangeable.")
    # Variants of one product (sizes, colours) share a group: an exchange offers another product
    # of the same group. Shopify's line item `product_id`; the API's `product_group`.
    group = models.CharField(max_length=64, blank=True, help_text="Variants of one product share it.")
    care_instructions = models.TextField(blank=True)
    external_id = models.CharField(max_length=64, blank=True)
    lasts_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="One unit lasts about this many days: a reorder reminder follows delivery. Empty: none.",
    )

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "sku"], name="product_sku_per_store")]
        indexes = [models.Index(fields=["store", "group"], name="product_group")]

    def __str__(self) -> str:
        return f"{self.title} ({self.sku})"

    def variants(self) -> "models.QuerySet[Product]":
        """The other products of this one's group (none without a group): what it may be exchanged for."""
        if not self.group:
            return Product.objects.none()
        return Product.objects.filter(store_id=self.store_id, group=self.group).exclude(pk=self.pk)
