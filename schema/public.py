"""The public space agents write: news (actualités) and who read them, school canteen menus, the pages of the
public site (services, schools, règlement, tarifs, contact, programmes) with their files and their history."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schema.base import UTCDateTime, db, utcnow

# Who a news item is for (NewsItem.audience): everybody, the families of one school, those of one activity.
NEWS_AUDIENCES = ("all", "school", "activity")


class NewsItem(db.Model):
    """An actualité: Markdown `body` (rendered and sanitised by blueprints/news/markup.py), an optional picture
    (a stored upload, with its required alternative text), shown from `publish_at` (now or later), to everybody or
    to the families of a school or of an activity."""

    __tablename__ = "news_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text, default="")
    publish_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    audience: Mapped[str] = mapped_column(String(10), default="all")
    school_id: Mapped[Optional[int]] = mapped_column(ForeignKey("school.id", ondelete="SET NULL"))
    activity_id: Mapped[Optional[int]] = mapped_column(ForeignKey("activity.id", ondelete="SET NULL"))
    image_name: Mapped[Optional[str]] = mapped_column(String(64))  # stored file under instance/uploads
    image_type: Mapped[Optional[str]] = mapped_column(String(30))
    image_alt: Mapped[str] = mapped_column(String(250), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # When the families who want news e-mails were told about it (blueprints/news/service.py announce_due), once.
    announced_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    school = relationship("School")
    activity = relationship("Activity")

    __table_args__ = (
        CheckConstraint("audience IN (%s)" % ",".join(f"'{a}'" for a in NEWS_AUDIENCES), name="audience"),
        CheckConstraint("image_name IS NULL OR image_alt <> ''", name="image_alt"),
    )


class NewsRead(db.Model):
    """A login read a news item (the rest are "non lue" in Mes actualités)."""

    __tablename__ = "news_read"
    id: Mapped[int] = mapped_column(primary_key=True)
    news_id: Mapped[int] = mapped_column(ForeignKey("news_item.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("news_id", "user_id"),)


class MenuDish(db.Model):
    """One dish of a school's canteen menu on a day: its course, name, allergens (codes of menus/rules.ALLERGENS,
    comma-separated) and labels (bio, local, végétarien)."""

    __tablename__ = "menu_dish"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(Date)
    course: Mapped[str] = mapped_column(String(20))  # menus/rules.COURSES
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(150))
    allergens: Mapped[str] = mapped_column(String(200), default="")
    labels: Mapped[str] = mapped_column(String(60), default="")

    school = relationship("School")

    __table_args__ = (Index("ix_menu_dish_school_day", "school_id", "day"),)


class SitePage(db.Model):
    """A page of the public site agents edit (its `slug` is one of pages/rules.PAGES): a Markdown body."""

    __tablename__ = "site_page"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    files: Mapped[list["SiteFile"]] = relationship(back_populates="page", order_by="SiteFile.id")


class SiteFile(db.Model):
    """A downloadable file of a public page (the règlement intérieur in PDF, a programme), checked by content."""

    __tablename__ = "site_file"
    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("site_page.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(150))
    stored_name: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(30))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    page: Mapped[SitePage] = relationship(back_populates="files")


class ContentChange(db.Model):
    """Every change of public content (a page, a file, a news item, a menu): who, when, what, before and after."""

    __tablename__ = "content_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))  # page, file, news, menu
    target: Mapped[str] = mapped_column(String(150))  # what was changed, in words (page title, news title, week)
    action: Mapped[str] = mapped_column(String(20))  # created, updated, deleted, imported
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")

    user = relationship("User")
