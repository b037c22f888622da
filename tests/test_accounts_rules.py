"""Rules of the accounts a family opens itself (blueprints/accounts/rules.py): keys, steps, names, preferences."""

from __future__ import annotations

import itertools

import pytest

from blueprints.accounts import rules


@pytest.mark.parametrize(("typed", "stored", "shape_ok"), [
    ("K7F4-9QX2-M3PB", "K7F49QX2M3PB", True),
    ("k7f4 9qx2 m3pb", "K7F49QX2M3PB", True),
    ("  k7f49qx2m3pb ", "K7F49QX2M3PB", True),
    ("K7F4–9QX2–M3PB", "K7F49QX2M3PB", True),  # en dashes from a word processor
    ("K7F4-9QX2-M3P", "K7F49QX2M3P", False),  # one short
    ("K7F4-9QX2-M3PBB", "K7F49QX2M3PBB", False),
    ("O7F4-9QX2-M3PB", "O7F49QX2M3PB", False),  # O is not in the alphabet (no look-alikes)
    ("I7F4-9QX2-M3PB", "I7F49QX2M3PB", False),
    ("", "", False),
    ("é" * 12, "É" * 12, False),
])
def test_keys_are_read_however_typed(typed, stored, shape_ok):
    assert rules.normalise_key(typed) == stored
    assert rules.key_shape_ok(typed) is shape_ok


def test_a_new_key_has_twelve_characters_of_the_alphabet_and_prints_in_three_groups():
    chars = itertools.cycle("ABC23")
    key = rules.new_key(lambda alphabet: next(chars))
    assert key == "ABC23ABC23AB"
    assert rules.format_key(key) == "ABC2-3ABC-23AB"
    assert all(c not in rules.KEY_ALPHABET for c in "01OIL")


@pytest.mark.parametrize(("stored", "typed", "matches"), [
    (rules.key_digest("K7F49QX2M3PB"), "k7f4-9qx2-m3pb", True),
    (rules.key_digest("K7F49QX2M3PB"), "K7F49QX2M3PC", False),
    (None, "K7F49QX2M3PB", False),
    ("", "", False),
])
def test_a_typed_key_is_compared_with_the_stored_digest(stored, typed, matches):
    assert rules.key_matches(stored, typed) is matches


@pytest.mark.parametrize(("draft", "done", "next_step"), [
    ({}, [], "informations"),
    ({"first_name": "Zoé", "last_name": "Lefèvre"}, [], "informations"),
    ({"first_name": "Zoé", "last_name": "Lefèvre", "email": "z@example.org"}, ["informations"], "dossier"),
    ({"first_name": "Zoé", "last_name": "L", "email": "z@e.org", "family_id": 3, "key_hash": "ab"},
     ["informations", "dossier"], "conditions"),
    ({"first_name": "Zoé", "last_name": "L", "email": "z@e.org", "family_id": 3, "key_hash": "ab", "accepted": True},
     ["informations", "dossier", "conditions"], "recapitulatif"),
    ({"first_name": "Zoé", "last_name": "L", "email": "z@e.org", "accepted": True}, ["informations"], "dossier"),
    ({"first_name": "Zoé", "last_name": "L", "email": "z@e.org", "family_id": None, "key_hash": None,
      "accepted": True}, ["informations"], "dossier"),  # a key used meanwhile: back to step 2
])
def test_steps_open_in_order(draft, done, next_step):
    assert rules.completed_steps(draft) == done
    assert rules.first_open_step(draft) == next_step
    assert rules.may_open(next_step, draft)
    later = rules.STEPS[rules.STEPS.index(next_step) + 1:]
    assert not any(rules.may_open(step, draft) for step in later)


GUARDIANS = [(1, "Zoé", "Lefèvre-O'Neil", ""), (2, "Œdipe", "Martin", "Cœur"), (3, "Jean", "Durand", "")]


@pytest.mark.parametrize(("first", "last", "found"), [
    ("zoe", "LEFEVRE O NEIL", 1),
    ("Zoé", "Lefèvre-O’Neil", 1),
    ("oedipe", "martin", 2),
    ("Œdipe", "Cœur", 2),  # the birth name
    ("Jean", "Dupont", None),
    ("Marie", "Durand", None),
    ("Jean", "", None),
])
def test_the_guardian_is_found_by_name_loosely(first, last, found):
    assert rules.matching_guardian(first, last, GUARDIANS) == found


@pytest.mark.parametrize(("stored", "kind", "wanted"), [
    ({}, "reminders", True),
    ({"reminders": False}, "reminders", False),
    ({"reminders": False}, "news", True),
    ({"invoices": False}, "invoices", False),
])
def test_notification_preferences_default_to_yes(stored, kind, wanted):
    assert rules.wants(stored, kind) is wanted


def test_an_unknown_notification_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        rules.wants({}, "sms")


LOGINS = [(7, True, 3), (4, True, 1), (3, False, 0), (5, True, 2)]


def test_the_first_active_login_is_the_principal():
    assert rules.principal_login(LOGINS) == 4
    assert rules.principal_login([(1, False, 0)]) is None


@pytest.mark.parametrize(("actor", "target", "allowed"), [
    (4, 7, True),  # the first login withdraws a co-représentant
    (4, 5, True),
    (7, 5, False),  # a co-représentant cannot withdraw another
    (7, 4, False),  # nor the first
    (7, 7, True),  # but may leave
    (4, 4, False),  # the first cannot leave the family without a login
    (4, 3, False),  # already withdrawn
    (4, 99, False),  # not of this family
])
def test_who_may_withdraw_an_access(actor, target, allowed):
    assert rules.may_withdraw(actor, target, LOGINS) is allowed
