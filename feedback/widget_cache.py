"""The per-store version under which the widget API caches its answers."""

from django.core.cache import cache


def widget_version_key(store_id: int) -> str:
    return f"feedback:widget:version:{store_id}"


def widget_cache_bump(store_id: int) -> None:
    """A review was published, changed or replied to: the store's cached answers are stale."""
    try:
        cache.incr(widget_version_key(store_id))
    except ValueError:
        cache.set(widget_version_key(store_id), 2, None)
