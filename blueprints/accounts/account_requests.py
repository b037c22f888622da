"""Families without a dossier key ask for an account: the pending request, the requester's private follow-up
link, and the agents' decisions. Services flush; routes commit, then mail (a link only: no personal data in the
e-mail body).

Accepting creates the family file (families/service.py, with the request's own creation key: an acceptance sent
twice makes one file), the guardian's login and its activation link (24 h); refusing keeps the reason, shown on
the requester's follow-up page."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from email.message import EmailMessage

from flask_babel import gettext as _
from sqlalchemy import func, select, update

import mail
from blueprints.auth.mails import invitation_mail
from blueprints.families import service as families
from models import ACCOUNT_REQUEST_STATUSES, AccountRequest, Person, User, db, normalize_email


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def submit(values: dict, children: list[dict], now: dt.datetime) -> tuple[AccountRequest, str]:
    """Record a pending request; returns it and the secret of its follow-up link. Flush only."""
    raw = secrets.token_urlsafe(32)
    request = AccountRequest(token_hash=_digest(raw), status="pending", created_at=now, children=children,
                             **{**values, "email": normalize_email(values["email"])})
    db.session.add(request)
    db.session.flush()
    return request, raw


def follow_link(raw: str) -> str:
    return mail.external_url("accounts.request_status", token=raw)


def receipt(request: AccountRequest, raw: str) -> EmailMessage:
    return mail.build_message(request.email, _("Votre demande de compte sur le portail familles"),
                              "accounts/mail_request_received", link=follow_link(raw))


def by_token(raw: str) -> AccountRequest | None:
    if not raw or len(raw) > 100:
        return None
    return db.session.scalar(select(AccountRequest).where(AccountRequest.token_hash == _digest(raw)))


def counts() -> dict[str, int]:
    """How many requests in each status (every status is a key)."""
    found = dict(db.session.execute(select(AccountRequest.status, func.count()).group_by(AccountRequest.status)).all())
    return {status: found.get(status, 0) for status in ACCOUNT_REQUEST_STATUSES}


def listing(status: str | None, limit: int = 200) -> list[AccountRequest]:
    """Requests of a status (all when None): pending ones oldest first, decided ones newest first."""
    query = select(AccountRequest)
    if status:
        query = query.where(AccountRequest.status == status)
    order = AccountRequest.created_at.asc() if status == "pending" else AccountRequest.created_at.desc()
    return list(db.session.scalars(query.order_by(order, AccountRequest.id).limit(limit)))


def email_has_login(request: AccountRequest) -> bool:
    return db.session.scalar(select(User.id).where(User.email == request.email)) is not None


@dataclass(frozen=True)
class Decision:
    """What an agent's decision did: "accepted" / "refused" with the e-mail to send, or "decided" (another agent
    decided first), or "email_taken" (the address is a login already: nothing created)."""

    outcome: str
    message: EmailMessage | None = None
    token: str | None = None


def _decide(request: AccountRequest, status: str, now: dt.datetime, actor_id: int | None, **values) -> bool:
    """Move a pending request to `status`, atomically (two agents cannot both decide)."""
    result = db.session.execute(update(AccountRequest).where(AccountRequest.id == request.id,
                                                             AccountRequest.status == "pending")
                                .values(status=status, decided_at=now, decided_by_id=actor_id, **values))
    return result.rowcount == 1


def accept(request: AccountRequest, now: dt.datetime, today: dt.date, *, actor_id: int | None) -> Decision:
    """Create the family file (committed by families.service.create_family; the same acceptance twice makes one
    file), then the guardian's login and its activation link, and mark the request accepted. Flush only after
    the file: the caller commits, then sends the invitation."""
    if request.status != "pending":
        return Decision("decided")
    if email_has_login(request):
        return Decision("email_taken")
    request_id = request.id
    family_id, _created = families.create_family(
        families.FamilyValues(name=request.last_name, address=request.address, postcode=request.postcode,
                              city=request.city, phone=request.phone, email=request.email),
        [families.PersonValues(first_name=request.first_name, last_name=request.last_name,
                               civility=request.civility, email=request.email, phone=request.phone)],
        [families.PersonValues(first_name=c["first_name"], last_name=c["last_name"],
                               birth_date=dt.date.fromisoformat(c["birth_date"])) for c in request.children],
        now, today, actor_id=actor_id, key=f"demande-compte-{request_id}")
    request = db.session.get(AccountRequest, request_id)
    if not _decide(request, "accepted", now, actor_id, family_id=family_id):
        db.session.rollback()
        return Decision("decided")
    guardian = db.session.scalar(select(Person).where(Person.family_id == family_id, Person.role == "guardian"))
    user = User(email=request.email, role="parent", family_id=family_id, person_id=guardian.id, password_hash=None,
                display_name=f"{request.first_name} {request.last_name}"[:200], created_at=now)
    db.session.add(user)
    db.session.flush()
    invitation = invitation_mail(user, now)
    return Decision("accepted", invitation.message, invitation.token)


def refuse(request: AccountRequest, reason: str, now: dt.datetime, *, actor_id: int | None) -> Decision:
    """Refuse with a reason; the requester gets a new follow-up link (the page shows the reason). Flush only."""
    raw = secrets.token_urlsafe(32)
    if not _decide(request, "refused", now, actor_id, reason=reason, token_hash=_digest(raw)):
        return Decision("decided")
    message = mail.build_message(request.email, _("Votre demande de compte sur le portail familles"),
                                 "accounts/mail_request_decided", link=follow_link(raw))
    return Decision("refused", message)
