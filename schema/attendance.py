"""Attendance (pointage) taken on the day by agents, and the meal orders sent to the central kitchen."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import UTCDateTime, db, utcnow

# What an agent recorded for a child on a unit and a day.
ATTENDANCE_STATUSES = ("present", "absent")


class Attendance(db.Model):
    """One mark of the pointage: the child was present or absent on that unit that day. One row per child, unit and
    day (a second mark updates it: marks are idempotent). `booked`: the child had a booking when marked. Billing reads
    the marks (blueprints/billing/rules.apply_attendance): present without a booking is billed at the tariff's
    "no_booking" rule, absent on a reserved day nobody cancelled at its "unjustified_absence" rule."""

    __tablename__ = "attendance"
    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))
    booked: Mapped[bool] = mapped_column(Boolean, default=True)
    marked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    marked_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    __table_args__ = (
        UniqueConstraint("child_id", "unit_id", "date"),
        CheckConstraint("status IN ('present','absent')", name="status"),
        # the list of a unit on a day
        Index("ix_attendance_unit_date", "unit_id", "date"),
    )


class KitchenSettings(db.Model):
    """One row: where and when the meal counts go to the central kitchen (edited by agents). An indicative order
    `indicative_days` days before each day, a firm one `firm_days` days before, both at `cutoff` (Paris time)."""

    __tablename__ = "kitchen_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    indicative_days: Mapped[int] = mapped_column(Integer, default=15)
    firm_days: Mapped[int] = mapped_column(Integer, default=3)
    cutoff: Mapped[dt.time] = mapped_column(Time, default=dt.time(10, 0))

    __table_args__ = (
        CheckConstraint("firm_days >= 0 AND indicative_days >= firm_days", name="days"),
    )


# The orders of a day: the indicative one (J-15), the firm one (J-3), then one update per later change.
KITCHEN_STAGES = ("indicative", "firm", "update")


class KitchenOrder(db.Model):
    """The meal counts of a day as sent to the kitchen at one stage; `counts` is the JSON the e-mail said (by site
    and diet, adults), so that a later change is sent as a delta against the last one."""

    __tablename__ = "kitchen_order"
    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(10))
    counts: Mapped[str] = mapped_column(Text, default="{}")
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipient: Mapped[str] = mapped_column(String(254), default="")

    __table_args__ = (
        CheckConstraint("stage IN ('indicative','firm','update')", name="stage"),
        Index("ix_kitchen_order_date", "date", "sent_at"),
    )


class AdultMeal(db.Model):
    """Adults eating at a site on a day (staff, teachers), entered by agents for the kitchen."""

    __tablename__ = "adult_meal"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("school_id", "date"),
        CheckConstraint("count >= 0", name="count"),
    )
