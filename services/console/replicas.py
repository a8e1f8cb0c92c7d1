"""A hub's URLs: one, or those of its replicas (``--hub URL1,URL2,…``), and how a
replica is named to people (``host:port``)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

__all__ = ["Hubs", "hub_label", "hub_urls", "shown_hubs"]

Hubs = str | Sequence[str]
"""A hub's URL, or the URLs of its replicas."""


def hub_urls(hubs: Hubs) -> tuple[str, ...]:
    """Each URL once, in order, without a trailing slash (one URL is a list of one)."""
    urls = [hubs] if isinstance(hubs, str) else list(hubs)
    return tuple(dict.fromkeys(url.rstrip("/") for url in urls))


def shown_hubs(hubs: Hubs) -> str:
    """The hub's URL(s) for a message: ``http://a:1`` or ``http://a:1, http://b:2``."""
    return ", ".join(hub_urls(hubs))


def hub_label(url: str) -> str:
    """``http://user:pw@10.0.0.5:8080/`` → ``10.0.0.5:8080``: a replica as people see it
    (never a password someone put in the URL)."""
    return (urlsplit(url).netloc or url).rpartition("@")[2]
