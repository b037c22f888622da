"""The English catalogue (translations/en) covers every parent-facing string, with the same placeholders.

The strings are extracted here from the sources themselves (babel.cfg, the keywords of `make extract`), not read
from messages.pot: a string added without `make extract` is found too. Agents' pages stay French and e-mails are
written in French (mail.py), so their sources are left out (AGENT_ONLY, FRENCH_ONLY). A new agents-only module
outside blueprints/backoffice/ or templates/backoffice/ belongs in AGENT_ONLY.

When the first test fails, the integrator's flow is (README, "Langues"):
    make extract        # messages.pot from the sources, then translations/en/.../messages.po updated
    (translate the listed msgids in translations/en/LC_MESSAGES/messages.po, remove "#, fuzzy" once checked)
    make translations   # compile the .mo files the application reads
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "N_": None}  # as in the Makefile's `extract`

# Agents' back office: French only (the brief of issue #9: parent-facing pages). Also the agents' pages kept outside
# it: pointage and kitchen counts (attendance), CSV import (imports), two-factor login steps (agents only), the
# administration's wording (roles, audit, statistics), the forms only the back office uses (news, menus, pages),
# billing's agents' pages (tariffs, billing runs, family accounts), the printed access letters and the payments block
# of the back office's family page.
AGENT_ONLY = ("blueprints/backoffice/", "templates/backoffice/",
              "blueprints/attendance/", "templates/attendance/", "blueprints/imports/", "templates/imports/",
              "blueprints/twofactor/", "templates/twofactor/", "blueprints/admin/wording.py",
              "blueprints/news/forms.py", "blueprints/menus/forms.py", "blueprints/pages/forms.py",
              "templates/billing/agents/", "blueprints/billing/tariffs.py", "blueprints/billing/runs.py",
              "blueprints/billing/accounts.py", "blueprints/billing/dunning_views.py",
              "templates/accounts/letters.html", "templates/payments/_agent_family.html")
# Written in French whatever the page's language (mail.build_message), or never shown on a page: the e-mail
# subjects of the messagerie (messages/notify.py), of the reminders (reminders/service.py, `flask reminders`) and of
# the account request's receipt (accounts/account_requests.py), of the relances of late invoices
# (billing/dunning_service.py).
FRENCH_ONLY = ("blueprints/notify.py", "blueprints/auth/mails.py", "blueprints/messages/notify.py",
               "blueprints/reminders/service.py", "blueprints/accounts/account_requests.py",
               "blueprints/billing/dunning_service.py",
               "cli.py", "backups.py", "demo/", "bench/", "tests/", "migrations/")
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%[-#0 +]*\d*(?:\.\d+)?[sdif]")


def parent_facing(path: str) -> bool:
    if path.endswith(".txt"):  # e-mail bodies (templates/**/mail_*.txt)
        return False
    return not path.startswith(AGENT_ONLY + FRENCH_ONLY)


def parent_facing_messages() -> dict[str, str]:
    """msgid -> "file:line" of its first parent-facing use."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        path = Path(filename).as_posix()
        if not parent_facing(path):
            continue
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            found.setdefault(msgid, f"{path}:{lineno}")
    return found


@pytest.fixture(scope="module")
def english():
    with PO.open("rb") as fh:
        return read_po(fh, locale="en")


def translated(entry) -> bool:
    if entry is None or entry.fuzzy:
        return False
    forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
    return all(form and form.strip() for form in forms)


def test_every_parent_facing_string_has_an_english_translation(english):
    messages = parent_facing_messages()
    assert len(messages) > 900  # the extraction did find the pages (a broken babel.cfg would find nothing)
    missing = [(where, msgid) for msgid, where in messages.items() if not translated(english.get(msgid))]
    assert not missing, (
        f"{len(missing)} parent-facing string(s) without an English translation (or still fuzzy). Run `make extract`, "
        "translate them in translations/en/LC_MESSAGES/messages.po, then `make translations`:\n"
        + "\n".join(f"  {where}: {msgid!r}" for where, msgid in sorted(missing))
    )


def placeholders(text: str) -> list[str]:
    return sorted(match.group(0) if match.group(1) is None else f"%({match.group(1)})"
                  for match in PLACEHOLDER.finditer(text.replace("%%", "")))


def test_translations_keep_the_placeholders(english):
    """A msgstr that drops, renames or adds a %(name)s would raise at run time or lose a value."""
    wrong = []
    for entry in english:
        if not entry.id or not translated(entry):
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        expected = placeholders(ids[-1])
        for form in forms:
            if placeholders(form) != expected and not (len(ids) > 1 and set(placeholders(form)) <= set(expected)):
                wrong.append(f"  {ids[0]!r} -> {form!r}")
    assert not wrong, "placeholders differ between msgid and msgstr:\n" + "\n".join(wrong)


def test_babel_checks_pass(english):
    """Babel's own checks (python-format placeholders and plural forms)."""
    errors = [f"  {message.id!r}: {problem}" for message, problems in english.check() for problem in problems
              if not message.fuzzy]  # a fuzzy guess is never compiled (the first test lists it as missing)
    assert not errors, "\n".join(errors)


def test_plural_translations_have_both_forms(english):
    incomplete = [entry.id[0] for entry in english
                  if entry.id and entry.pluralizable and translated(entry) and len(entry.string) != 2]
    assert not incomplete, incomplete


def test_the_placeholder_pattern_sees_what_python_formats():
    assert placeholders("%(num)d page, %(when)s, 100 %% sûr, %(m)02d") == ["%(m)", "%(num)", "%(when)"]
    assert placeholders("Page %(num)d : %(file)s") == placeholders("Page %(num)d: %(file)s")
    assert placeholders("%(a)s") != placeholders("%(b)s")


def test_agents_and_mail_sources_are_not_required():
    assert not parent_facing("templates/backoffice/families.html")
    assert not parent_facing("blueprints/backoffice/requests.py")
    assert not parent_facing("templates/reservations/mail_promoted.txt")
    assert parent_facing("templates/reservations/month.html")
    assert parent_facing("blueprints/reservations/wording.py")
