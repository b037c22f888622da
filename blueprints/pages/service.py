"""Public pages: reading them, and every write (text, files), each recorded with who, when, before and after."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from blueprints import uploads
from blueprints.news.service import record
from blueprints.pages import wording
from models import SiteFile, SitePage, db


def page(slug: str, *, blank: bool = False) -> SitePage | None:
    """The page `slug` (with its files); with `blank`, a new empty one not yet in the session when it was never
    written (the first save adds it)."""
    found = db.session.execute(select(SitePage).where(SitePage.slug == slug)
                               .options(selectinload(SitePage.files))).scalar_one_or_none()
    if found is None and blank:
        found = SitePage(slug=slug, title=str(wording.TITLES[slug]), body="", files=[])
    return found


def _stored(site_page: SitePage) -> None:
    if site_page.id is None:
        db.session.add(site_page)
        db.session.flush()


def save_text(site_page: SitePage, title: str, body: str, *, user_id: int, now: dt.datetime) -> bool:
    """Change a page's title and text; False (nothing recorded) when nothing changed."""
    if site_page.id is not None and (site_page.title, site_page.body) == (title, body):
        return False
    _stored(site_page)
    before = f"{site_page.title}\n\n{site_page.body}"
    site_page.title, site_page.body = title, body
    site_page.updated_at, site_page.updated_by_id = now, user_id
    record("page", title, "updated", user_id, now, before, f"{title}\n\n{body}")
    return True


def add_file(site_page: SitePage, title: str, checked: uploads.CheckedFile, *, user_id: int,
             now: dt.datetime) -> SiteFile:
    """Store an accepted file (written first: the caller discards it if the commit fails) and record it."""
    _stored(site_page)
    stored = uploads.store(checked.data, checked.content_type)
    file = SiteFile(page_id=site_page.id, title=title, stored_name=stored, content_type=checked.content_type,
                    size=len(checked.data), uploaded_at=now)
    db.session.add(file)
    db.session.flush()
    record("file", f"{site_page.title} : {title}", "created", user_id, now, "",
           f"{title} ({wording.FILE_KINDS.get(checked.content_type, '')}, {wording.size_text(len(checked.data))})")
    return file


def remove_file(file: SiteFile, *, user_id: int, now: dt.datetime) -> str:
    """Delete a file's row and record it; returns the stored name to discard after the commit."""
    record("file", f"{file.page.title} : {file.title}", "deleted", user_id, now, file.title, "")
    stored = file.stored_name
    db.session.delete(file)
    return stored


def file_of(file_id: int) -> SiteFile | None:
    return db.session.get(SiteFile, file_id)


def count_files(site_page: SitePage) -> int:
    return len(site_page.files)

