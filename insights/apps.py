from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """The merchant dashboard. Above every other app: it reads them all, none reads it."""

    name = "insights"
    verbose_name = "Insights"
