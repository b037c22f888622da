"""Public routes of the pages agents edit, and their files (served as downloads, by their checked type)."""

from __future__ import annotations

import importlib.util

from flask import abort, send_from_directory
from sqlalchemy import select

from blueprints.htmx import render
from blueprints.news import markup
from blueprints.pages import bp, rules, service, wording
from blueprints.uploads import clean_filename, uploads_dir
from models import Activity, School, db


def billing_exists() -> bool:
    """The tariffs come from the billing module once it exists (issue #10); until then the page says so."""
    return importlib.util.find_spec("blueprints.billing") is not None


@bp.route("/infos/<slug>")
def show(slug: str):
    """A public page: its title, the agents' text (Markdown, sanitised), its files; the schools and activities
    listed from the data on their pages."""
    if not rules.known(slug) or slug == "contact":
        abort(404)
    page = service.page(slug)
    context = {"slug": slug, "page": page, "title": page.title if page else str(wording.TITLES[slug]),
               "body": markup.render(page.body) if page else "", "words": wording}
    if slug == "ecoles":
        context["schools"] = db.session.execute(select(School).order_by(School.name)).scalars().all()
    if slug == "services":
        context["activities"] = db.session.execute(select(Activity).order_by(Activity.position, Activity.name)
                                                   ).scalars().all()
    if slug == "tarifs":
        context["tariffs_missing"] = not billing_exists()
        context["simulator"] = billing_exists()  # the tariffs as data: the simulator gives the price of each unit
    return render("pages/page.html", **context)


@bp.route("/infos/fichiers/<int:file_id>")
def download(file_id: int):
    """A page's file, as a download under a clean name, with its type as checked when it was sent."""
    file = service.file_of(file_id)
    if file is None:
        abort(404)
    response = send_from_directory(uploads_dir(), file.stored_name, mimetype=file.content_type, as_attachment=True,
                                   download_name=clean_filename(file.title, file.content_type), max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
