"""The messagerie's reads and writes: services and themes (data agents edit), a family's conversations, posting a
message (with its attachment, a family Document of kind "message"), read marks, and the agents' inbox and actions.

Writes flush; the route commits once, then sends the e-mails `Posted` names (a link only, never the message)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from blueprints import uploads
from blueprints.messages import rules
from models import (
    AnswerTemplate,
    Conversation,
    Document,
    DocumentFile,
    Message,
    MessageService,
    MessageTheme,
    User,
    db,
)

ATTACHMENT_KIND = "message"


# --------------------------------------------------------------------------- services, themes, templates


def active_themes() -> list[MessageTheme]:
    """The themes a family may write about: active, of an active service, in the agents' order."""
    return list(db.session.execute(
        select(MessageTheme).join(MessageService, MessageService.id == MessageTheme.service_id)
        .where(MessageTheme.active.is_(True), MessageService.active.is_(True))
        .order_by(MessageService.position, MessageService.id, MessageTheme.position, MessageTheme.id)
        .options(joinedload(MessageTheme.service))
    ).scalars())


def all_services() -> list[MessageService]:
    return list(db.session.execute(
        select(MessageService).order_by(MessageService.position, MessageService.id)
        .options(selectinload(MessageService.themes))
    ).scalars())


def templates_for(service_id: int | None, active_only: bool = True) -> list[AnswerTemplate]:
    """Answer templates of a service and those for every service (all of them when `service_id` is None)."""
    query = select(AnswerTemplate).order_by(AnswerTemplate.position, AnswerTemplate.title, AnswerTemplate.id)
    if service_id is not None:
        query = query.where(or_(AnswerTemplate.service_id == service_id, AnswerTemplate.service_id.is_(None)))
    if active_only:
        query = query.where(AnswerTemplate.active.is_(True))
    return list(db.session.execute(query.options(joinedload(AnswerTemplate.service))).scalars())


def save(row) -> None:
    """Add a service, theme or template an agent created or edited (flush)."""
    db.session.add(row)
    db.session.flush()


# --------------------------------------------------------------------------- a family's conversations


def family_conversations(family_id: int) -> list[Conversation]:
    """The family's conversations, the most recent activity first (1 query)."""
    return list(db.session.execute(
        select(Conversation).where(Conversation.family_id == family_id)
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .options(joinedload(Conversation.service), joinedload(Conversation.theme))
    ).scalars())


def family_conversation(family_id: int, conversation_id: int) -> Conversation | None:
    """Conversation `conversation_id` if it is the family's, else None (another family's is as unknown as a missing
    one), with its messages, their authors and attachments."""
    return db.session.execute(
        select(Conversation).where(Conversation.id == conversation_id, Conversation.family_id == family_id)
        .options(joinedload(Conversation.service), joinedload(Conversation.theme), _messages_loaded())
    ).scalar_one_or_none()


def _messages_loaded():
    return selectinload(Conversation.messages).options(
        joinedload(Message.author), joinedload(Message.document).selectinload(Document.files))


def family_unread_count(family_id: int) -> int:
    """How many of the family's conversations have a service message the family has not read (1 query)."""
    return db.session.scalar(select(func.count()).select_from(Conversation).where(
        Conversation.family_id == family_id,
        Conversation.last_service_message_id > Conversation.family_read_id))


# --------------------------------------------------------------------------- posting


@dataclass
class Posted:
    """What a post did: the conversation, the message, and who is to be told (a link only)."""

    conversation: Conversation
    message: Message
    tell_family: bool
    tell_service: bool


def find_by_token(token: str) -> Message | None:
    """The message a form with this one-time number already posted (a form sent twice posts one message)."""
    if not token:
        return None
    return db.session.execute(select(Message).where(Message.request_token == token)).scalar_one_or_none()


def _attachment(family_id: int, file: uploads.CheckedFile, now: dt.datetime, user_id: int) -> Document:
    stored_name = uploads.store(file.data, file.content_type)
    return Document(family_id=family_id, kind=ATTACHMENT_KIND, uploaded_at=now, uploaded_by_id=user_id,
                    files=[DocumentFile(position=1, original_name=file.name, stored_name=stored_name,
                                        content_type=file.content_type, size=len(file.data))])


def start(family_id: int, theme: MessageTheme, subject: str, body: str, file: uploads.CheckedFile | None, *,
          user: User, now: dt.datetime, token: str | None = None) -> Posted:
    """A family starts a conversation with the theme's service (flush); commit with `commit(posted)`."""
    conversation = Conversation(family_id=family_id, service_id=theme.service_id, theme_id=theme.id,
                                subject=subject.strip(), status="open", started_by_id=user.id, created_at=now,
                                last_message_at=now)
    conversation.service, conversation.theme = theme.service, theme
    db.session.add(conversation)
    return post(conversation, body, file, user=user, now=now, token=token)


def post(conversation: Conversation, body: str, file: uploads.CheckedFile | None, *, user: User,
         now: dt.datetime, token: str | None = None) -> Posted:
    """Add a message from the family (a parent) or from the service (an agent) to `conversation` (flush): the
    status moves as rules.status_after says, the writer's side has read everything up to its own message."""
    from_family = not user.is_agent
    message = Message(conversation=conversation, from_family=from_family, author_id=user.id, body=body.strip(),
                      created_at=now, request_token=token or None)
    if file is not None:
        message.document = _attachment(conversation.family_id, file, now, user.id)
    db.session.add(message)
    try:
        db.session.flush()  # the one-time number is unique: a form sent twice at once fails here
    except BaseException:
        db.session.rollback()
        for name in _names(message):
            uploads.discard(name)
        raise
    conversation.last_message_at = now
    conversation.status = rules.status_after(conversation.status,
                                             "family_message" if from_family else "service_message")
    if from_family:
        conversation.last_family_message_id = conversation.family_read_id = message.id
    else:
        conversation.last_service_message_id = conversation.service_read_id = message.id
        if conversation.assigned_to_id is None:
            conversation.assigned_to_id = user.id  # who answers handles it, unless someone already does
    if conversation.status == "open":
        conversation.closed_at = conversation.closed_by_id = None
    db.session.flush()
    return Posted(conversation, message, tell_family=not from_family, tell_service=from_family)


def _names(message: Message) -> list[str]:
    document = message.document
    return [f.stored_name for f in document.files] if document is not None else []


def commit(posted: Posted) -> None:
    """Commit the post; if that fails, the session is rolled back and the attachment's stored file removed (nothing
    half-saved), then the error goes on (IntegrityError: the same form sent twice at once)."""
    names = _names(posted.message)
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for name in names:
            uploads.discard(name)
        raise


def mark_read(conversation: Conversation, by_family: bool) -> bool:
    """Everything in the conversation is read by that side; True when that changed something (then commit)."""
    if by_family:
        if conversation.family_read_id >= conversation.last_service_message_id:
            return False
        conversation.family_read_id = conversation.last_service_message_id
    else:
        if conversation.service_read_id >= conversation.last_family_message_id:
            return False
        conversation.service_read_id = conversation.last_family_message_id
    return True


# --------------------------------------------------------------------------- agents


def _service_unread():
    return Conversation.last_family_message_id > Conversation.service_read_id


def _folder_filter(folder: str, agent_id: int):
    if folder == "unread":
        return _service_unread()
    if folder == "mine":
        return and_(Conversation.assigned_to_id == agent_id, Conversation.status == "open")
    return Conversation.status == folder


def inbox(service_id: int | None, folder: str, agent_id: int, limit: int = 200) -> list[Conversation]:
    """A service's conversations in `folder` (every service's when `service_id` is None), the most recent first."""
    query = select(Conversation).where(_folder_filter(folder, agent_id))
    if service_id is not None:
        query = query.where(Conversation.service_id == service_id)
    return list(db.session.execute(
        query.order_by(Conversation.last_message_at.desc(), Conversation.id.desc()).limit(limit)
        .options(joinedload(Conversation.service), joinedload(Conversation.theme), joinedload(Conversation.family),
                 joinedload(Conversation.assigned_to))
    ).scalars())


def folder_counts(service_id: int | None, agent_id: int) -> dict[str, int]:
    """How many conversations in each folder (1 query)."""
    columns = [func.coalesce(func.sum(case((_folder_filter(folder, agent_id), 1), else_=0)), 0).label(folder)
               for folder in rules.FOLDERS]
    query = select(*columns).select_from(Conversation)
    if service_id is not None:
        query = query.where(Conversation.service_id == service_id)
    row = db.session.execute(query).one()
    return {folder: int(row[i]) for i, folder in enumerate(rules.FOLDERS)}


def unread_by_service() -> dict[int, int]:
    """Conversations with a family message no agent has read, per service (1 query)."""
    return dict(db.session.execute(
        select(Conversation.service_id, func.count()).where(_service_unread()).group_by(Conversation.service_id)
    ).all())


def unread_for_agents() -> int:
    """Conversations with a family message no agent has read (every service)."""
    return db.session.scalar(select(func.count()).select_from(Conversation).where(_service_unread()))


def conversation_for_agent(conversation_id: int) -> Conversation | None:
    return db.session.execute(
        select(Conversation).where(Conversation.id == conversation_id)
        .options(joinedload(Conversation.service), joinedload(Conversation.theme),
                 joinedload(Conversation.family), joinedload(Conversation.assigned_to), _messages_loaded())
    ).scalar_one_or_none()


def agents() -> list[User]:
    """The agents a conversation can be given to."""
    return list(db.session.execute(
        select(User).where(User.role.in_(("agent", "admin")), User.active.is_(True)).order_by(User.display_name,
                                                                                                User.email)
    ).scalars())


def assign(conversation: Conversation, agent_id: int | None) -> None:
    conversation.assigned_to_id = agent_id


def set_status(conversation: Conversation, action: str, agent_id: int, now: dt.datetime) -> bool:
    """Close or reopen (rules.can); False when the conversation is already so (a replay: nothing changes)."""
    if not rules.can(action, conversation.status):
        return False
    conversation.status = rules.status_after(conversation.status, action)
    conversation.closed_at, conversation.closed_by_id = (now, agent_id) if action == "close" else (None, None)
    return True
