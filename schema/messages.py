"""Messaging with the services (messagerie): the services a family can write to and their themes (data agents
edit), conversations (one per question, of one family with one service), their messages, and the answer templates
agents reply with. An attachment is a family `Document` of kind "message" (blueprints/documents serves it to that
family and to agents only)."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schema.base import UTCDateTime, db, utcnow

CONVERSATION_STATUSES = ("open", "closed")


class MessageService(db.Model):
    """A service families write to ("Service scolaire", "Activités périscolaires"); `email`: the team's address,
    told (a link only) when a family writes. Deactivated, never deleted (conversations keep it)."""

    __tablename__ = "message_service"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    themes: Mapped[list["MessageTheme"]] = relationship(
        back_populates="service", order_by="(MessageTheme.position, MessageTheme.id)")


class MessageTheme(db.Model):
    """What a family writes about, in a service ("facturation, quotient, inscription école")."""

    __tablename__ = "message_theme"
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("message_service.id"), index=True)
    label: Mapped[str] = mapped_column(String(160))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    service: Mapped[MessageService] = relationship(back_populates="themes")


class Conversation(db.Model):
    """A family's question to a service and its answers. status open -> closed (by an agent) -> open again (an
    agent reopens, or the family writes again). Unread is by message id: the last message of the other side is
    after the one this side last read (`family_read_id`, `service_read_id`), so two messages in the same second
    are never confused. `assigned_to_id`: the agent who handles it."""

    __tablename__ = "conversation"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("message_service.id"))
    theme_id: Mapped[int] = mapped_column(ForeignKey("message_theme.id"))
    subject: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    started_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    assigned_to_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_message_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_family_message_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_service_message_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    family_read_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    service_read_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    service: Mapped[MessageService] = relationship()
    theme: Mapped[MessageTheme] = relationship()
    family: Mapped["Family"] = relationship("Family")  # noqa: F821
    assigned_to: Mapped[Optional["User"]] = relationship("User", foreign_keys=[assigned_to_id])  # noqa: F821
    messages: Mapped[list["Message"]] = relationship(
        back_populates="conversation", order_by="Message.id", cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (
        CheckConstraint("status IN (%s)" % ",".join(f"'{s}'" for s in CONVERSATION_STATUSES), name="status"),
        Index("ix_conversation_service_id_status", "service_id", "status", "last_message_at"),
    )


class Message(db.Model):
    """One message of a conversation, from the family (`from_family`) or from an agent (`author_id`), with at most
    one attached document. `request_token`: the form's one-time number (a form sent twice posts one message)."""

    __tablename__ = "message"
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    from_family: Mapped[bool] = mapped_column(Boolean)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    document_id: Mapped[Optional[int]] = mapped_column(ForeignKey("document.id", ondelete="SET NULL"))
    request_token: Mapped[Optional[str]] = mapped_column(String(32), unique=True)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    author: Mapped[Optional["User"]] = relationship("User")  # noqa: F821
    document: Mapped[Optional["Document"]] = relationship("Document")  # noqa: F821


class AnswerTemplate(db.Model):
    """A common answer agents start a reply from ("Votre attestation de quotient est à jour…"): for one service or
    for all (`service_id` None)."""

    __tablename__ = "answer_template"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    service_id: Mapped[Optional[int]] = mapped_column(ForeignKey("message_service.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    service: Mapped[Optional[MessageService]] = relationship()
