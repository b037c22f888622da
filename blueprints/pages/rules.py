"""The pages of the public site agents edit: which exist (their slugs, in the menu's order) and what files each
takes. Pure: no Flask, no database."""

from __future__ import annotations

# slug -> (the file types it accepts: content types checked by blueprints/uploads.py)
PDF = ("application/pdf",)
PDF_OR_IMAGE = ("application/pdf", "image/jpeg", "image/png")
PAGES = {
    "services": PDF_OR_IMAGE,     # services et activités: hours, places, ages, how to enrol
    "ecoles": PDF_OR_IMAGE,       # the schools (their list comes from the School table)
    "reglement": PDF,             # règlement intérieur: the page and its PDF
    "tarifs": PDF,                # tariffs (from the billing module once it exists)
    "programmes": PDF_OR_IMAGE,   # programmes of the Wednesday and holiday leisure centre
    "contact": (),                # what the contact page adds to the service's details (themes, who to write to)
}
MAX_FILES_PER_PAGE = 20


def known(slug: str) -> bool:
    return slug in PAGES


def accepts(slug: str, content_type: str) -> bool:
    """Whether a page takes a file of this type (the règlement and tariffs: PDF only)."""
    return content_type in PAGES.get(slug, ())
