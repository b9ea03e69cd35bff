"""Merchant templates run in a sandbox; the default source they start from."""

import pytest
from jinja2.sandbox import SecurityError

from notifications.models import Channel
from notifications.rendering import default_source, render, render_override
from tests.notifications.template_samples import sample, template


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ store.name.__class__.__base__ }}",
        "{{ message.data.update({'coupon_code': 'FREE'}) }}",
        "{{ 'x' * 10000000 }}",
        "{{ 9 ** 9999999 }}",
        "{{ (9 ** 64) ** 64 ** 64 }}",
        "{% set n = namespace(x=3) %}{% for i in range(64) %}{% set n.x = n.x * n.x %}{% endfor %}{{ n.x }}",
    ],
)
def test_a_merchant_template_cannot_reach_python_internals(store, body):
    broken = template(store, channel=Channel.SMS, body=body)

    with pytest.raises(SecurityError):
        render_override(broken, context=sample("shipped"))
    rendered = render(kind="shipped", channel="sms", locale="en", context=sample("shipped"), store_id=store.pk)

    assert "class" not in rendered.text
    assert "#1001" in rendered.text  # the default template was sent instead


@pytest.mark.django_db
def test_settings_and_other_undefined_names_render_empty(store):
    tpl = template(store, channel=Channel.SMS, body="[{{ settings }}][{{ settings.SECRET_KEY }}][{{ request.user }}]")

    rendered = render_override(tpl, context=sample("shipped"))

    assert rendered.text == "[][][]"


def test_the_default_source_is_what_a_merchant_starts_from():
    source = default_source(kind="shipped", channel="email", locale="fr")

    assert source["subject"] == "Votre commande {{ order.number }} est en route"
    assert "<h1>Votre commande est en route&nbsp;!</h1>" in source["body"]
    assert source["text_body"].startswith("{% set track")
    assert default_source(kind="shipped", channel="sms", locale="pt")["body"].startswith("{% set track")
