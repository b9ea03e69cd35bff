from django.apps import AppConfig


class KernelConfig(AppConfig):
    name = "postpurchase"
    verbose_name = "Post-purchase"
