"""`{{ url|http_url }}`: render a stored URL only if it is http(s) (postpurchase.safe_urls)."""

from django import template

from postpurchase.safe_urls import http_url

register = template.Library()
register.filter("http_url", http_url)
