"""What a store adds to its tracking pages (FAQ), cached, and the content version that makes
its cached pages stale when the merchant edits that content."""

from uuid import uuid4

from django.core.cache import cache

from tracking.models import FaqEntry, TrackingSettings

from .data import Faq

# Short: merchants expect an edited FAQ to show within minutes (at once, through the admin).
FAQ_TTL = 5 * 60


def store_content_changed(store_id: int) -> None:
    """The store's FAQ or tracking settings changed: make its cached tracking pages and FAQ
    stale, so a merchant sees an edit at once.

    The content version lives in the database (`TrackingSettings.content_version`), not the
    shared cache: it changes in the edit's own transaction, so a page rendered before the edit
    commits is rendered with the old version and is stale from the commit on, and serving a
    cached page reads it in its one version query, with nothing from the shared cache.
    """
    changed = TrackingSettings.objects.filter(store_id=store_id).update(content_version=uuid4().hex)
    if not changed:  # a store without its settings row: the defaults, saved, then a new version
        TrackingSettings.objects.get_or_create(store_id=store_id)
        TrackingSettings.objects.filter(store_id=store_id).update(content_version=uuid4().hex)


def faq_for(store_id: int, content_version: str, language: str) -> list[Faq]:
    """The store's FAQ in `language`, as of `content_version` (the tracking page's version[0]):
    an edit changes the version, so the entry cached before it is never read again."""
    key = f"tracking:faq:{store_id}:{content_version}:{language}"
    # The cache holds plain tuples, which read back the same after a deploy changes the classes.
    rows = cache.get(key)
    if rows is None:
        rows = list(FaqEntry.objects.filter(store_id=store_id, locale=language).values_list("question", "answer"))
        cache.set(key, rows, FAQ_TTL)
    return [Faq(question=q, answer=a) for q, a in rows]
