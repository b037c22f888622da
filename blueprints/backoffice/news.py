"""Back office: the news editor (list, write, preview, change, delete). Every change is recorded (ContentChange)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

import clock
from blueprints import uploads
from blueprints.backoffice import bp
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from blueprints.news import markup, rules, service, wording
from blueprints.news.forms import NewsForm
from clock import PARIS
from models import Activity, NewsItem, School, db


@bp.route("/actualites")
def news_list():
    """Actualités: every item, planned ones included, with its status and audience."""
    return render("backoffice/news_list.html", items=service.all_items(), now=clock.now(), words=wording)


def _choices(form: NewsForm) -> None:
    schools = db.session.execute(select(School).order_by(School.name)).scalars()
    activities = db.session.execute(select(Activity).order_by(Activity.position, Activity.name)).scalars()
    form.school_id.choices = [(0, _("Choisir une école"))] + [(s.id, s.name) for s in schools]
    form.activity_id.choices = [(0, _("Choisir une activité"))] + [(a.id, a.name) for a in activities]


def _edit(item: NewsItem):
    created = item.id is None
    data = None
    if not created:
        local = item.publish_at.astimezone(PARIS)
        data = {"title": item.title, "body": item.body, "image_alt": item.image_alt, "when": "later",
                "publish_day": local.date(), "publish_time": local.time().replace(second=0, microsecond=0),
                "audience": item.audience, "school_id": item.school_id or 0, "activity_id": item.activity_id or 0}
    form = NewsForm(data=data, has_image=bool(item.image_name))
    _choices(form)
    preview = None
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            preview = markup.render(form.body.data)
        else:
            now = clock.now()
            audience = rules.Audience(form.audience.data, form.school_id.data or None, form.activity_id.data or None)
            image = form.checked_image
            try:
                old = service.save(item, title=form.title.data.strip(), body=form.body.data,
                                   publish_at=form.publish_at(now), audience=audience, image=image,
                                   image_alt=(form.image_alt.data or "").strip(),
                                   remove_image=form.remove_image.data, user_id=current_user.id, now=now)
                db.session.commit()
            except Exception:
                db.session.rollback()
                if image is not None and item.image_name:
                    uploads.discard(item.image_name)
                raise
            for name in old:
                uploads.discard(name)
            flash(_("Actualité enregistrée : %(title)s. %(status)s.", title=item.title,
                    status=wording.status(item, now)), "success")
            return redirect(url_for(".news_list"))
    return render("backoffice/news_edit.html", form=form, item=None if created else item, preview=preview)


@bp.route("/actualites/nouvelle", methods=["GET", "POST"])
def news_new():
    """Écrire une actualité (with a preview before saving)."""
    return _edit(NewsItem())


@bp.route("/actualites/<int:news_id>", methods=["GET", "POST"])
def news_edit(news_id: int):
    """Modifier une actualité."""
    return _edit(db.get_or_404(NewsItem, news_id))


@bp.route("/actualites/<int:news_id>/supprimer", methods=["GET", "POST"])
def news_delete(news_id: int):
    """Supprimer une actualité (asked first)."""
    item = db.get_or_404(NewsItem, news_id)
    form = EmptyForm()
    if form.validate_on_submit():
        title = item.title
        files = service.remove(item, current_user.id, clock.now())
        db.session.commit()
        for name in files:
            uploads.discard(name)
        flash(_("Actualité supprimée : %(title)s.", title=title), "success")
        return redirect(url_for(".news_list"))
    if request.method == "POST":
        abort(400)
    return render("backoffice/news_delete.html", item=item, form=form)
