from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo store. It sits to the right of every app, since a demo shows all of them at once."""

    name = "demo"
