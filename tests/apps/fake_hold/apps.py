from django.apps import AppConfig


class FakeHoldConfig(AppConfig):
    name = "tests.apps.fake_hold"
    label = "fake_hold"
    verbose_name = "Fake hold"
