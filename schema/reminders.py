"""Reminders (rappels) by e-mail: what each login turned off, and what was already sent (a unique key per thing
reminded: never twice)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import UTCDateTime, db, utcnow

REMINDER_KINDS = ("week_unbooked", "certificate", "document_expiring")


class ReminderPreference(db.Model):
    """A login's choice of reminders; no row means every reminder is on."""

    __tablename__ = "reminder_preference"
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    week_unbooked: Mapped[bool] = mapped_column(Boolean, default=True)
    certificate: Mapped[bool] = mapped_column(Boolean, default=True)
    document_expiring: Mapped[bool] = mapped_column(Boolean, default=True)
    invoice_due: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SentReminder(db.Model):
    """A reminder sent (or being sent): `key` names the thing and the login ("week_unbooked:12:2026-11-30:user 4"),
    unique, so `flask reminders send` run twice, or twice at once, sends it once."""

    __tablename__ = "sent_reminder"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
