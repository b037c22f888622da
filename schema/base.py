"""Shared base of the tables: the `db` object, naming convention, UTC datetimes, the commune's settings row."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import CheckConstraint, DateTime, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


def commune_settings() -> CommuneSettings | None:
    """The commune's settings row, read once per request (cached on flask.g when there is an app context)."""
    from flask import g, has_app_context

    if has_app_context() and "commune" in g:
        return g.commune
    row = db.session.execute(db.select(CommuneSettings).limit(1)).scalar_one_or_none()
    if has_app_context():
        g.commune = row
    return row


def utcnow() -> dt.datetime:
    """The current instant, timezone-aware UTC (the only clock models use, for defaults)."""
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every engine (SQLite drops the offset: put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


# --------------------------------------------------------------------------- commune

# Hours a family has to justify an absence after its last day, when neither the commune nor the activity says
# otherwise (the one default: rules, forms and pages import it).
DEFAULT_JUSTIFICATION_HOURS = 48


class CommuneSettings(db.Model):
    """The commune running the portal: one row, edited by agents (never code)."""

    __tablename__ = "commune_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    service_name: Mapped[str] = mapped_column(String(120), default="Service Enfance")
    address: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    opening_hours: Mapped[str] = mapped_column(String(300), default="")
    # French school-holiday zone ("A", "B" or "C") and ISO 3166-2 subdivision for public holidays (e.g. "57").
    school_zone: Mapped[str] = mapped_column(String(1), default="B")
    holiday_subdivision: Mapped[Optional[str]] = mapped_column(String(10))
    # Default window for justifying an absence (hours after its last day), overridable per activity.
    absence_justification_hours: Mapped[int] = mapped_column(Integer, default=DEFAULT_JUSTIFICATION_HOURS)
    publisher_name: Mapped[str] = mapped_column(String(120), default="")  # directeur de la publication
    host_name: Mapped[str] = mapped_column(String(300), default="")  # hébergeur (mentions légales)

    __table_args__ = (CheckConstraint("school_zone IN ('A','B','C')", name="zone"),)


