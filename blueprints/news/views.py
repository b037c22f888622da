"""Routes of the news: public list, page, picture and Atom feed; the family's "Mes actualités"."""

from __future__ import annotations

from flask import abort, current_app, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user

import clock
from blueprints.access import parents_only
from blueprints.htmx import render
from blueprints.news import bp, feed, markup, service, wording
from blueprints.uploads import uploads_dir
from models import NewsItem, db

PAGE_SIZE = 30


@bp.route("/actualites")
def index():
    """Actualités: every published item, the newest first."""
    return render("news/index.html", items=service.public_items(clock.now(), PAGE_SIZE), words=wording)


@bp.route("/actualites/<int:news_id>")
def detail(news_id: int):
    """One published item (404 before its publication)."""
    item = service.published_item(news_id, clock.now())
    if item is None:
        abort(404)
    return render("news/detail.html", item=item, body=markup.render(item.body), words=wording,
                  back=url_for(".index"), back_label=_("Actualités"))


@bp.route("/actualites/<int:news_id>/image")
def image(news_id: int):
    """An item's picture: for everybody once published, for agents before (their preview)."""
    item = db.session.get(NewsItem, news_id)
    agent = current_user.is_authenticated and current_user.is_agent
    if item is None or not item.image_name or not (agent or item.publish_at <= clock.now()):
        abort(404)
    response = send_from_directory(uploads_dir(), item.image_name, mimetype=item.image_type, conditional=False,
                                   etag=False, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/actualites/flux.atom")
def atom():
    """The Atom feed of the published items (feedgen)."""
    body = feed.atom(service.public_items(clock.now(), PAGE_SIZE), current_app.config.get("PUBLIC_URL") or None)
    return current_app.response_class(body, mimetype="application/atom+xml")


@bp.route("/mes-actualites")
@parents_only
def family_index():
    """Mes actualités: the items for the family (everybody's, its children's schools' and activities'), the unread
    ones marked."""
    now = clock.now()
    items = service.family_items(current_user.family_id, current_user.id, now, clock.today())
    return render("news/family.html", items=items, words=wording)


@bp.route("/mes-actualites/<int:news_id>")
@parents_only
def family_detail(news_id: int):
    """One item for the family, now marked read for this login; 404 if it is not for this family."""
    now = clock.now()
    item = service.family_item(current_user.family_id, news_id, now, clock.today())
    if item is None:
        abort(404)
    service.mark_read(item, current_user.id, now)
    db.session.commit()
    return render("news/detail.html", item=item, body=markup.render(item.body), words=wording,
                  back=url_for(".family_index"), back_label=_("Mes actualités"))
