"""Writes and queries of the accounts a family opens or manages itself. Services flush; routes commit, then mail.

- Dossier keys: `issue_keys` (agents), `check_key` (registration step 2), `register` (the last step).
- Notification preferences: `preferences`, `set_preferences`, and `wants(user, kind)` for every other feature.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

import mail
from blueprints.accounts import rules
from blueprints.auth import tokens
from blueprints.auth.mails import invitation_mail
from models import (
    DossierKey,
    EmailChange,
    Family,
    NotificationPreference,
    Person,
    User,
    UserSession,
    db,
    normalize_email,
)

# --------------------------------------------------------------------------- dossier keys


def families_without_account() -> list[Family]:
    """Families no active login opens, by name: those a key letter is for."""
    with_login = select(User.family_id).where(User.family_id.is_not(None), User.active.is_(True))
    return list(db.session.scalars(select(Family).where(Family.id.not_in(with_login))
                                   .order_by(Family.name, Family.dossier_number)))


def key_rows(family_ids) -> dict[int, DossierKey]:
    """The key row of each family asked (families without a key are missing)."""
    ids = list(family_ids)
    if not ids:
        return {}
    return {row.family_id: row for row in db.session.scalars(select(DossierKey).where(DossierKey.family_id.in_(ids)))}


def issue_keys(family_ids, now: dt.datetime, *, actor_id: int | None) -> dict[int, str]:
    """A new key for each family (replacing its previous one, used or not); returns {family id: key}. Flush only:
    the caller commits before printing (a printed key always works)."""
    existing = key_rows(family_ids)
    keys = {}
    for family_id in family_ids:
        key = rules.new_key(secrets.choice)
        row = existing.get(family_id) or DossierKey(family_id=family_id)
        row.key_hash = rules.key_digest(key)
        row.created_at, row.created_by_id, row.used_at, row.used_by_id = now, actor_id, None, None
        db.session.add(row)
        keys[family_id] = key
    db.session.flush()
    return keys


def check_key(dossier_number: str, typed_key: str) -> int | None:
    """The id of the family whose unused key this is, or None. The digest is computed and compared whatever the
    dossier number (no shortcut that would time differently for an unknown number)."""
    row = db.session.execute(
        select(DossierKey).join(Family, Family.id == DossierKey.family_id)
        .where(Family.dossier_number == rules.normalise_dossier_number(dossier_number))
    ).scalar_one_or_none()
    matches = rules.key_matches(row.key_hash if row is not None else None, typed_key)
    if row is None or not matches or row.used_at is not None:
        return None
    return row.family_id


@dataclass(frozen=True)
class Registration:
    """What `register` did: "created" (a login, its activation link), "known" (the address already had a login:
    it gets a notice instead; the page says the same), or "key_gone" (the key was used or replaced meanwhile)."""

    outcome: str
    message: EmailMessage | None = None
    token: str | None = None


def register(draft: dict, now: dt.datetime) -> Registration:
    """The last step: use the key (atomically: one registration per key), then create the login (no password
    yet: the activation link, valid 24 h, chooses it) linked to the family and to the guardian of that name, or,
    when the address already has a login, prepare a notice to it. Flush only; the caller commits then mails."""
    used = db.session.execute(
        update(DossierKey)
        .where(DossierKey.family_id == draft["family_id"], DossierKey.key_hash == draft["key_hash"],
               DossierKey.used_at.is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:
        return Registration("key_gone")
    email = normalize_email(draft["email"])
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        return Registration("known", _known_notice(email))
    family = db.session.get(Family, draft["family_id"])
    guardians = [(p.id, p.first_name, p.last_name, p.birth_name or "") for p in family.guardians]
    person_id = rules.matching_guardian(draft["first_name"], draft["last_name"], guardians)
    if person_id is not None and db.session.scalar(select(User.id).where(User.person_id == person_id)):
        person_id = None  # that guardian already has a login: this one is linked to the family only
    user = User(email=email, role="parent", family_id=family.id, person_id=person_id, password_hash=None,
                display_name=f"{draft['first_name']} {draft['last_name']}"[:200], created_at=now)
    db.session.add(user)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # the same address registered at the same moment
        return Registration("known", _known_notice(email))
    db.session.execute(update(DossierKey).where(DossierKey.family_id == family.id).values(used_by_id=user.id))
    invitation = invitation_mail(user, now)
    return Registration("created", invitation.message, invitation.token)


def _known_notice(email: str) -> EmailMessage:
    from flask_babel import gettext as _

    return mail.build_message(email, _("Vous avez déjà un espace sur le portail familles"),
                              "accounts/mail_already_registered",
                              login_link=mail.external_url("auth.login"), forgot_link=mail.external_url("auth.forgot"))


def guardian_names(family_id: int) -> list[Person]:
    return list(db.session.scalars(select(Person).where(Person.family_id == family_id, Person.role == "guardian")))


# --------------------------------------------------------------------------- "Mon espace": e-mail, password, logins


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def request_email_change(user: User, new_email: str, now: dt.datetime) -> EmailMessage:
    """Start a change of login address: earlier pending changes stop, a new link (24 h) goes to the new address.
    When that address already belongs to a login, it is told so instead and nothing can be confirmed (the page
    says the same either way: no account enumeration). Flush only; returns the message to send after the commit."""
    from flask_babel import gettext as _

    new_email = normalize_email(new_email)
    db.session.execute(update(EmailChange).where(EmailChange.user_id == user.id, EmailChange.used_at.is_(None),
                                                 EmailChange.expires_at > now).values(expires_at=now))
    if db.session.scalar(select(User.id).where(User.email == new_email)) is not None:
        return _known_notice(new_email)
    raw = secrets.token_urlsafe(32)
    db.session.add(EmailChange(user_id=user.id, new_email=new_email, token_hash=_digest(raw), created_at=now,
                               expires_at=now + rules.EMAIL_CHANGE_LIFETIME))
    db.session.flush()
    return mail.build_message(new_email, _("Confirmez votre nouvelle adresse e-mail"), "accounts/mail_email_confirm",
                              link=mail.external_url("accounts.confirm_email", token=raw))


def pending_email_change(token: str, now: dt.datetime) -> EmailChange | None:
    """The change this link confirms, if it is still open (unused, not expired, its login active)."""
    if not token or len(token) > 100:
        return None
    change = db.session.scalar(select(EmailChange).where(EmailChange.token_hash == _digest(token)))
    if change is None or change.used_at is not None or change.expires_at <= now or not change.user.active:
        return None
    return change


def confirm_email_change(change: EmailChange, now: dt.datetime) -> tuple[str, EmailMessage] | None:
    """Use the link (atomically) and change the login's address; returns (old address, the notice to it), or None
    when the link was used meanwhile or the address was taken since. Flush only."""
    from flask_babel import gettext as _

    used = db.session.execute(update(EmailChange).where(EmailChange.id == change.id, EmailChange.used_at.is_(None))
                              .values(used_at=now))
    if used.rowcount != 1:
        return None
    user, old = change.user, change.user.email
    user.email = change.new_email
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        return None
    notice = mail.build_message(old, _("L'adresse de votre espace a été changée"), "accounts/mail_email_changed",
                                login_link=mail.external_url("auth.login"),
                                forgot_link=mail.external_url("auth.forgot"))
    return old, notice


def change_password(user: User, password_hash: str, keep_session_id: int | None, now: dt.datetime) -> int:
    """Store the new password; every other session of the login ends, and every open reset or activation link.
    Returns how many sessions were ended. Flush only."""
    user.password_hash = password_hash
    ended = db.session.execute(update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None),
        UserSession.id != (keep_session_id or 0)).values(revoked_at=now)).rowcount
    tokens.revoke_all(user, now)
    db.session.flush()
    return ended


def user_names(user: User) -> tuple[str, ...]:
    """The names a new password must not contain: the login's, its guardian's, its family's."""
    names = user.display_name.split()
    if user.person is not None:
        names += [*user.person.first_name.split(), *user.person.last_name.split()]
    if user.family is not None:
        names += user.family.name.split()
    return tuple(filter(None, names))


def recent_sessions(user_id: int, limit: int = 10) -> list[UserSession]:
    """The login's signed-in browsers, the most recent first (open ones, and those ended since the last login)."""
    return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user_id)
                                   .order_by(UserSession.created_at.desc(), UserSession.id.desc()).limit(limit)))


# --------------------------------------------------------------------------- notification preferences


def preferences(user_id: int) -> dict[str, bool]:
    """Every kind with the login's choice (or its default)."""
    stored = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.enabled)
                                     .where(NotificationPreference.user_id == user_id)).all())
    return {kind: rules.wants(stored, kind) for kind in rules.NOTIFICATION_KINDS}


def set_preferences(user_id: int, wanted: dict[str, bool]) -> None:
    """Store the login's choice for each kind given. Flush only."""
    rows = {row.kind: row for row in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id))}
    for kind, enabled in wanted.items():
        if kind not in rules.NOTIFICATION_KINDS:
            raise ValueError(kind)
        row = rows.get(kind) or NotificationPreference(user_id=user_id, kind=kind)
        row.enabled = bool(enabled)
        db.session.add(row)
    db.session.flush()


def wants(user: User, kind: str) -> bool:
    """Whether `user` wants e-mails of `kind` ("reminders", "news", "invoices"): the one question other features
    ask before sending such an e-mail. ValueError for an unknown kind."""
    stored = db.session.scalar(select(NotificationPreference.enabled).where(
        NotificationPreference.user_id == user.id, NotificationPreference.kind == kind))
    return rules.wants({} if stored is None else {kind: stored}, kind)


# --------------------------------------------------------------------------- co-représentants: who has access


def family_logins(family_id: int) -> list[User]:
    """Every login of the family (withdrawn ones too), the first created first."""
    return list(db.session.scalars(select(User).where(User.family_id == family_id)
                                   .order_by(User.created_at, User.id)))


def login_facts(logins: list[User]) -> list[tuple[int, bool, object]]:
    return [(u.id, u.active, u.created_at) for u in logins]


@dataclass(frozen=True)
class Invitation:
    """What inviting a co-représentant did: "invited" (a login and its activation link), or "known" (the address
    is another family's or an agent's login: it gets a notice; the inviter's page says the same)."""

    outcome: str
    message: EmailMessage
    token: str | None = None
    user_id: int | None = None


def invite_coguardian(family: Family, first_name: str, last_name: str, email: str, now: dt.datetime) -> Invitation:
    """Give a second guardian their own login on the family (linked to the guardian of that name in the file if
    there is one) and an activation link valid 24 h. An address that is already this family's withdrawn login is
    given access again (new activation link, new password); the login of someone else only gets a notice.
    Flush only."""
    email = normalize_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None and (user.active or user.family_id != family.id or user.role != "parent"):
        return Invitation("known", _known_notice(email))
    if user is None:
        guardians = [(p.id, p.first_name, p.last_name, p.birth_name or "") for p in family.guardians]
        person_id = rules.matching_guardian(first_name, last_name, guardians)
        if person_id is not None and db.session.scalar(select(User.id).where(User.person_id == person_id)):
            person_id = None
        user = User(email=email, role="parent", family_id=family.id, person_id=person_id, created_at=now,
                    display_name=f"{first_name} {last_name}"[:200])
        db.session.add(user)
    else:  # this family's withdrawn login: access given again, with a new password
        user.active, user.password_hash, user.created_at = True, None, now
    db.session.flush()
    invitation = invitation_mail(user, now)
    return Invitation("invited", invitation.message, invitation.token, user.id)


def withdraw_access(target: User, now: dt.datetime) -> None:
    """The login can no longer open the family's space: deactivated, its sessions and links ended. Flush only."""
    target.active = False
    db.session.execute(update(UserSession).where(UserSession.user_id == target.id, UserSession.revoked_at.is_(None))
                       .values(revoked_at=now))
    tokens.revoke_all(target, now)
    db.session.flush()
