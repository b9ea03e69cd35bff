"""What a store adds to its tracking pages (FAQ), cached, and the generation that makes its
cached pages stale when the merchant edits that content."""

from django.conf import settings
from django.core.cache import cache

from tracking.models import FaqEntry

from .data import Faq

# Short: merchants expect an edited FAQ to show within minutes (at once, through the admin).
FAQ_TTL = 5 * 60


def _faq_key(store_id: int, language: str) -> str:
    return f"tracking:faq:{store_id}:{language}"


def _generation_key(store_id: int) -> str:
    return f"tracking:store:{store_id}:generation"


def store_generation(store_id: int) -> int:
    """Bumped by `store_content_changed`: part of a tracking page's version."""
    return cache.get(_generation_key(store_id), 0)


def store_content_changed(store_id: int) -> None:
    """The store's FAQ or tracking settings changed: forget its cached FAQ and make its cached
    tracking pages stale, so a merchant sees an edit at once."""
    cache.delete_many([_faq_key(store_id, code) for code, _name in settings.LANGUAGES])
    key = _generation_key(store_id)
    cache.add(key, 0, None)
    try:
        cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, None)


def faq_for(store_id: int, language: str) -> list[Faq]:
    key = _faq_key(store_id, language)
    # The cache holds plain tuples, which read back the same after a deploy changes the classes.
    rows = cache.get(key)
    if rows is None:
        rows = list(FaqEntry.objects.filter(store_id=store_id, locale=language).values_list("question", "answer"))
        cache.set(key, rows, FAQ_TTL)
    return [Faq(question=q, answer=a) for q, a in rows]
