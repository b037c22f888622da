"""Back office: the pages of the public site (text with a preview, downloadable files); every change recorded."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

import clock
from blueprints import uploads
from blueprints.backoffice import bp
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from blueprints.news import markup
from blueprints.pages import rules, service, wording
from blueprints.pages.forms import PageFileForm, PageForm
from models import SiteFile, db


@bp.route("/pages")
def site_pages():
    """Pages du site public: each with a link to edit it."""
    pages = {slug: service.page(slug) for slug in rules.PAGES}
    return render("backoffice/site_pages.html", pages=pages, words=wording)


def _page_or_404(slug: str):
    if not rules.known(slug):
        abort(404)
    return service.page(slug, blank=True)


@bp.route("/pages/<slug>", methods=["GET", "POST"])
def site_page_edit(slug: str):
    """Modifier une page: title and Markdown text, "Prévisualiser" before "Enregistrer"."""
    page = _page_or_404(slug)
    form = PageForm(obj=page)
    preview = None
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            preview = markup.render(form.body.data or "")
        else:
            changed = service.save_text(page, form.title.data.strip(), form.body.data or "", user_id=current_user.id,
                                        now=clock.now())
            db.session.commit()
            flash(_("Page enregistrée : %(title)s.", title=page.title) if changed else
                  _("Rien n'a changé sur la page %(title)s.", title=page.title), "success")
            return redirect(url_for(".site_page_edit", slug=slug))
    return render("backoffice/site_page.html", page=page, slug=slug, form=form, preview=preview,
                  file_form=PageFileForm(slug=slug), delete_form=EmptyForm(), words=wording,
                  accepts_files=bool(rules.PAGES[slug]), pdf_only=rules.PAGES[slug] == rules.PDF)


@bp.route("/pages/<slug>/fichiers", methods=["POST"])
def site_page_file_add(slug: str):
    """Ajouter un document à une page (checked by content: a PDF for the règlement)."""
    page = _page_or_404(slug)
    if not rules.PAGES[slug]:
        abort(404)
    file_form = PageFileForm(slug=slug)
    if len(page.files) >= rules.MAX_FILES_PER_PAGE:
        file_form.validate()
        file_form.file.errors = [_("%(num)d documents au maximum par page : retirez-en un d'abord.",
                                   num=rules.MAX_FILES_PER_PAGE)]
    elif file_form.validate_on_submit():
        file = service.add_file(page, file_form.file_title.data.strip(), file_form.checked,
                                user_id=current_user.id, now=clock.now())
        try:
            db.session.commit()
        except Exception:
            db.session.rollback()
            uploads.discard(file.stored_name)
            raise
        flash(_("Document ajouté : %(title)s.", title=file.title), "success")
        return redirect(url_for(".site_page_edit", slug=slug))
    return render("backoffice/site_page.html", page=page, slug=slug, form=PageForm(obj=page), preview=None,
                  file_form=file_form, delete_form=EmptyForm(), words=wording, page_errors=True,
                  accepts_files=True, pdf_only=rules.PAGES[slug] == rules.PDF)


@bp.route("/pages/fichiers/<int:file_id>/supprimer", methods=["POST"])
def site_page_file_delete(file_id: int):
    """Retirer un document d'une page."""
    file = db.get_or_404(SiteFile, file_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    slug, title = file.page.slug, file.title
    stored = service.remove_file(file, user_id=current_user.id, now=clock.now())
    db.session.commit()
    uploads.discard(stored)
    flash(_("Document retiré : %(title)s.", title=title), "success")
    return redirect(url_for(".site_page_edit", slug=slug))
