"""Agents' accounts as administrators keep them: create (an activation link is mailed), change role, sites and
the health right, deactivate (every session ends at once), reset two-factor authentication. Writes flush; the
route commits, then mails."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from blueprints.admin import twofactor
from blueprints.auth import sessions
from models import AgentSite, School, User, db, normalize_email

ROLE_CHOICES = ("admin", "direction", "site", "regie", "accueil")


@dataclass
class AgentData:
    email: str
    display_name: str
    role: str  # one of ROLE_CHOICES
    school_ids: list[int]
    can_see_health: bool


def email_taken(email: str, except_id: Optional[int] = None) -> bool:
    stmt = db.select(User.id).where(User.email == normalize_email(email))
    if except_id is not None:
        stmt = stmt.where(User.id != except_id)
    return db.session.execute(stmt).first() is not None


def role_choice(user: User) -> str:
    """The role as the form shows it: "admin" for an administrator, else the agent's role."""
    return "admin" if user.role == "admin" else (user.agent_role or "direction")


def site_ids(user: User) -> list[int]:
    return sorted(db.session.execute(db.select(AgentSite.school_id).where(AgentSite.user_id == user.id)).scalars())


def schools() -> list[School]:
    return list(db.session.execute(db.select(School).order_by(School.name)).scalars())


def agents() -> list[User]:
    return list(db.session.execute(db.select(User).where(User.role.in_(("agent", "admin")))
                                   .order_by(User.active.desc(), User.display_name, User.email)).scalars())


def _apply(user: User, data: AgentData) -> None:
    user.display_name = data.display_name.strip()
    user.role = "admin" if data.role == "admin" else "agent"
    user.agent_role = "direction" if data.role == "admin" else data.role
    user.can_see_health = data.can_see_health
    db.session.execute(db.delete(AgentSite).where(AgentSite.user_id == user.id))
    if data.role == "site":
        db.session.add_all([AgentSite(user_id=user.id, school_id=sid) for sid in sorted(set(data.school_ids))])


def create(data: AgentData, now: dt.datetime) -> User:
    """A new agent (no password yet: the activation link sets it). ValueError if the address is taken."""
    email = normalize_email(data.email)
    if email_taken(email):
        raise ValueError("email taken")
    user = User(email=email, created_at=now, role="agent")
    db.session.add(user)
    db.session.flush()
    _apply(user, data)
    db.session.flush()
    return user


def update(user: User, data: AgentData, now: dt.datetime) -> None:
    """Change role, sites, health right, name. A changed role or right takes effect at the agent's next page."""
    _apply(user, data)
    db.session.flush()


def set_active(user: User, active: bool, now: dt.datetime) -> int:
    """Deactivate (every session of the agent ends: returns how many) or reactivate an account."""
    user.active = active
    ended = 0 if active else sessions.revoke_all(user, now)
    db.session.flush()
    return ended


def reset_two_factor(user: User, now: dt.datetime) -> int:
    """Lost phone: two-factor authentication off, the agent's sessions ended; set up again at the next login."""
    twofactor.reset(user)
    return sessions.revoke_all(user, now)
