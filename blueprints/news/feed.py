"""The Atom feed of the news, built by feedgen (ids are tag URIs, stable whatever the site's address)."""

from __future__ import annotations

from feedgen.feed import FeedGenerator
from flask import url_for
from flask_babel import gettext as _

from blueprints.news import markup
from models import commune_settings


def _absolute(endpoint: str, base: str | None, **values) -> str:
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def atom(items, base: str | None) -> bytes:
    """The feed of `items` (newest first). `base`: the site's public address (PUBLIC_URL), else the request's."""
    commune = commune_settings()
    name = commune.name if commune else _("Portail Familles")
    generator = FeedGenerator()
    generator.id(_absolute("news.atom", base))
    generator.title(_("Actualités — %(name)s", name=name))
    generator.link(href=_absolute("news.atom", base), rel="self")
    generator.link(href=_absolute("news.index", base), rel="alternate")
    generator.language("fr")
    generator.author({"name": name})
    if items:
        generator.updated(max(max(i.updated_at or i.publish_at, i.publish_at) for i in items))
    for item in reversed(items):  # feedgen prepends: the newest ends first
        entry = generator.add_entry()
        entry.id(_absolute("news.detail", base, news_id=item.id))
        entry.title(item.title)
        entry.link(href=_absolute("news.detail", base, news_id=item.id))
        entry.published(item.publish_at)
        entry.updated(max(item.updated_at or item.publish_at, item.publish_at))
        entry.content(markup.render(item.body), type="html")
    return generator.atom_str(pretty=True)
