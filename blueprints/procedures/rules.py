"""Démarche rules: where a request may go from where it stands and who may move it, request numbers, the steps of
a démarche, the documents still missing, a family file changed since a request started, and the checks of the
answers that are not a field's shape (an allocataire number, a diet's label).

Pure functions: standard library only, never Flask, never the clock (`now` is a parameter). Answers are codes;
blueprints/procedures/wording.py says them in French.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# --------------------------------------------------------------------------- statuses

DRAFT, SUBMITTED, IN_PROGRESS, INCOMPLETE, ACCEPTED, REFUSED = (
    "draft", "submitted", "in_progress", "incomplete", "accepted", "refused")
OPEN = (SUBMITTED, IN_PROGRESS, INCOMPLETE)  # awaiting someone
DECIDED = (ACCEPTED, REFUSED)
EDITABLE = (DRAFT, INCOMPLETE)  # the family may change the answers

# (action, actor) -> {status before: status after}. Actors: family, agent, system (an immediate démarche).
TRANSITIONS: dict[tuple[str, str], dict[str, str]] = {
    ("submit", "family"): {DRAFT: SUBMITTED, INCOMPLETE: SUBMITTED},
    ("take", "agent"): {SUBMITTED: IN_PROGRESS, IN_PROGRESS: IN_PROGRESS},
    ("ask", "agent"): {SUBMITTED: INCOMPLETE, IN_PROGRESS: INCOMPLETE},
    ("accept", "agent"): {SUBMITTED: ACCEPTED, IN_PROGRESS: ACCEPTED},
    ("refuse", "agent"): {SUBMITTED: REFUSED, IN_PROGRESS: REFUSED, INCOMPLETE: REFUSED},
    ("accept", "system"): {SUBMITTED: ACCEPTED},
}


def transition(status: str, action: str, actor: str) -> str | None:
    """The status a request in `status` takes when `actor` does `action`; None when that is not allowed (a decided
    request never moves again; a family cannot accept its own request; an agent cannot submit for it)."""
    return TRANSITIONS.get((action, actor), {}).get(status)


def allowed_actions(status: str, actor: str) -> list[str]:
    """What `actor` may do to a request in `status`, in a stable order."""
    return [action for (action, who), moves in TRANSITIONS.items() if who == actor and status in moves]


# --------------------------------------------------------------------------- numbers

NUMBER_DIGITS = 6
NUMBER_PATTERN = re.compile(r"^(\d{4})-(\d{6,})$")


def format_number(year: int, n: int) -> str:
    """ "2026-000123": the year the request was submitted, then its rank that year."""
    return f"{year}-{n:0{NUMBER_DIGITS}d}"


def parse_number(text: str) -> tuple[int, int] | None:
    """(year, rank) of a request number as typed (spaces and "n°" ignored), or None."""
    match = NUMBER_PATTERN.match(re.sub(r"(?i)^n\s*°\s*|\s+", "", text or ""))
    return (int(match.group(1)), int(match.group(2))) if match else None


def has_gaps(numbers: Iterable[str]) -> bool:
    """Whether the numbers of each year are not exactly 1..n (a test of the counter, and a check for audits)."""
    by_year: dict[int, list[int]] = {}
    for number in numbers:
        parsed = parse_number(number)
        if parsed is None:
            return True
        by_year.setdefault(parsed[0], []).append(parsed[1])
    return any(sorted(ranks) != list(range(1, len(ranks) + 1)) for ranks in by_year.values())


# --------------------------------------------------------------------------- steps and documents

DOCUMENTS_STEP = "pieces"  # added after a démarche's own steps when its type requires documents


def steps_of(kind_steps: Iterable[str], documents: Iterable[str]) -> list[str]:
    """The steps of a démarche: its kind's, then "pieces" when the commune requires documents."""
    steps = list(kind_steps)
    if any(True for _ in documents):
        steps.append(DOCUMENTS_STEP)
    return steps


def next_step(steps: list[str], current: str) -> str | None:
    """The step after `current`, or None after the last one (then the recap)."""
    index = steps.index(current)
    return steps[index + 1] if index + 1 < len(steps) else None


def first_unanswered(steps: list[str], answered: Iterable[str]) -> str | None:
    """Where a family resuming a draft goes: the first step not answered yet; None when all are (the recap)."""
    done = set(answered)
    return next((step for step in steps if step not in done), None)


def missing_documents(required: Iterable[str], attached: Iterable[str]) -> list[str]:
    """The required documents not attached yet, in the order the commune lists them."""
    have = set(attached)
    return [label for label in required if label not in have]


# --------------------------------------------------------------------------- the file changed meanwhile


@dataclass(frozen=True)
class Conflict:
    """A value of the family file that changed since the request started: it was `before`, it is `now`, the request
    wants `wanted`."""

    key: str
    before: Any
    now: Any
    wanted: Any


def conflicts(before: Mapping[str, Any], now: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[Conflict]:
    """The values the request would change that someone else changed since it started (so accepting it would
    silently overwrite them). A value changed meanwhile to exactly what the request wants is no conflict; a value
    the request does not change is none of its business."""
    found = []
    for key, value in wanted.items():
        if key in before and before[key] != now.get(key) and now.get(key) != value:
            found.append(Conflict(key, before[key], now.get(key), value))
    return found


def changes(now: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    """The values a request would really change in the file as it is `now` (the rest is already so)."""
    return {key: value for key, value in wanted.items() if now.get(key) != value}


# --------------------------------------------------------------------------- answers that need more than a shape

CAF_DIGITS = 7
MSA_DIGITS = (5, 15)  # MSA numbers vary: an internal number, or the NIR (13 digits, 15 with its key)


def allocataire_number_problem(regime: str, number: str) -> str | None:
    """Why an allocataire number does not fit its caisse: "caf" (a CAF number is 7 digits), "msa" (digits only,
    5 to 15), "needed" (a caisse without number), "unexpected" (a number without caisse); None when it fits.

    CAF: the numéro allocataire printed on every CAF letter is 7 digits (leading zeros count). MSA: no single
    public format (an internal number or the social-security number, with or without its 2-digit key), so only
    digits of a plausible length are checked. Spaces are ignored."""
    digits = re.sub(r"\s+", "", number or "")
    if not regime:
        return "unexpected" if digits else None
    if not digits:
        return "needed"
    if regime == "CAF":
        return None if digits.isdigit() and len(digits) == CAF_DIGITS else "caf"
    low, high = MSA_DIGITS
    return None if digits.isdigit() and low <= len(digits) <= high else "msa"


def clean_allocataire_number(number: str) -> str:
    return re.sub(r"\s+", "", number or "")
