"""The messagerie's rules: plain functions, no database, no Flask, no clock.

- A message is 1 to MAX_BODY characters (spaces alone are not a message); a subject 1 to MAX_SUBJECT.
- Unread is by message id: a side has something unread when the other side's last message is after the last one it
  read (ids only grow: two messages in the same second are never confused).
- What each action does to a conversation's status: an agent closes and reopens; a family writing in a closed
  conversation reopens it (its question is not lost in the closed ones).
- The agents' inbox folders: unread, assigned to me, open, closed.
"""

from __future__ import annotations

MAX_BODY = 5000
MAX_SUBJECT = 120
FOLDERS = ("unread", "mine", "open", "closed")
DEFAULT_FOLDER = "unread"


def text_problem(text: str | None, limit: int) -> str | None:
    """"empty" (nothing but spaces), "too_long" (more than `limit` characters), or None."""
    cleaned = (text or "").strip()
    if not cleaned:
        return "empty"
    if len(cleaned) > limit:
        return "too_long"
    return None


def is_unread(last_other_id: int, read_id: int) -> bool:
    """The other side wrote after the last message this side read."""
    return last_other_id > read_id


def status_after(status: str, action: str) -> str:
    """The conversation's status after `action`: "close", "reopen" (agents), "family_message", "service_message".
    An agent's reply leaves it as it was (an agent may answer a closed one, to add a last word)."""
    if action == "close":
        return "closed"
    if action in ("reopen", "family_message"):
        return "open"
    return status


def can(action: str, status: str) -> bool:
    """Whether an agent may `action` ("close", "reopen") a conversation in `status`."""
    return (action == "close" and status == "open") or (action == "reopen" and status == "closed")


def folder_of(value: str | None) -> str:
    """The inbox folder asked for in the address, DEFAULT_FOLDER for anything else."""
    return value if value in FOLDERS else DEFAULT_FOLDER


def in_folder(folder: str, status: str, unread: bool, assigned_to_id: int | None, agent_id: int) -> bool:
    """Whether a conversation belongs in the agent's `folder` (the same test as service.inbox's query)."""
    if folder == "unread":
        return unread
    if folder == "mine":
        return assigned_to_id == agent_id and status == "open"
    return status == folder
