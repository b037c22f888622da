"""Démarche rules, table-driven: statuses and who may move them, request numbers, steps, required documents, a file
changed since a request started, allocataire numbers, diet labels, phone numbers in every French way."""

from __future__ import annotations

import pytest

from blueprints.families.rules import diet_label_problem
from blueprints.phones import normalise_phone
from blueprints.procedures import rules
from blueprints.procedures.kinds import KINDS, school_year_of


@pytest.mark.parametrize("status, action, actor, expected", [
    ("draft", "submit", "family", "submitted"),
    ("incomplete", "submit", "family", "submitted"),
    ("submitted", "submit", "family", None),  # a replay sends nothing twice
    ("accepted", "submit", "family", None),
    ("submitted", "accept", "family", None),  # a family never decides its own request
    ("draft", "accept", "agent", None),  # agents never see drafts
    ("submitted", "take", "agent", "in_progress"),
    ("in_progress", "take", "agent", "in_progress"),
    ("incomplete", "take", "agent", None),
    ("submitted", "ask", "agent", "incomplete"),
    ("in_progress", "ask", "agent", "incomplete"),
    ("incomplete", "ask", "agent", None),
    ("submitted", "accept", "agent", "accepted"),
    ("in_progress", "accept", "agent", "accepted"),
    ("incomplete", "accept", "agent", None),  # the family has not answered yet
    ("in_progress", "refuse", "agent", "refused"),
    ("incomplete", "refuse", "agent", "refused"),
    ("accepted", "refuse", "agent", None),
    ("refused", "accept", "agent", None),
    ("submitted", "accept", "system", "accepted"),  # an immediate démarche
    ("in_progress", "accept", "system", None),
    ("draft", "submit", "agent", None),
])
def test_transitions(status, action, actor, expected):
    assert rules.transition(status, action, actor) == expected


@pytest.mark.parametrize("status, actions", [
    ("submitted", ["take", "ask", "accept", "refuse"]),
    ("in_progress", ["take", "ask", "accept", "refuse"]),
    ("incomplete", ["refuse"]),
    ("accepted", []),
    ("refused", []),
    ("draft", []),
])
def test_agent_actions(status, actions):
    assert rules.allowed_actions(status, "agent") == actions


@pytest.mark.parametrize("year, n, text", [(2026, 1, "2026-000001"), (2026, 123, "2026-000123"),
                                           (2027, 999999, "2027-999999"), (2027, 1000000, "2027-1000000")])
def test_number_format(year, n, text):
    assert rules.format_number(year, n) == text
    assert rules.parse_number(text) == (year, n)


@pytest.mark.parametrize("typed, expected", [("n° 2026-000123", (2026, 123)), (" 2026 - 000012 ", (2026, 12)),
                                             ("2026-12", None), ("demande", None), ("", None)])
def test_parse_number(typed, expected):
    assert rules.parse_number(typed) == expected


@pytest.mark.parametrize("numbers, gaps", [
    (["2026-000001", "2026-000002", "2027-000001"], False),
    (["2026-000002", "2026-000001"], False),
    (["2026-000001", "2026-000003"], True),
    (["2026-000001", "2026-000001"], True),
    (["2026-000002"], True),
    ([], False),
])
def test_has_gaps(numbers, gaps):
    assert rules.has_gaps(numbers) is gaps


@pytest.mark.parametrize("kind_steps, documents, expected", [
    (("adresse", "telephones"), [], ["adresse", "telephones"]),
    (("adresse",), ["Justificatif de domicile"], ["adresse", "pieces"]),
    ((), ["A", "B"], ["pieces"]),
])
def test_steps_of(kind_steps, documents, expected):
    assert rules.steps_of(kind_steps, documents) == expected


def test_next_and_first_unanswered():
    steps = ["adresse", "telephones", "pieces"]
    assert rules.next_step(steps, "adresse") == "telephones"
    assert rules.next_step(steps, "pieces") is None
    assert rules.first_unanswered(steps, []) == "adresse"
    assert rules.first_unanswered(steps, ["adresse"]) == "telephones"
    assert rules.first_unanswered(steps, ["adresse", "telephones", "pieces"]) is None


@pytest.mark.parametrize("required, attached, missing", [
    (["Domicile", "Assurance"], [], ["Domicile", "Assurance"]),
    (["Domicile", "Assurance"], ["Assurance"], ["Domicile"]),
    (["Domicile"], ["Domicile", "Autre"], []),
    ([], ["Autre"], []),
])
def test_missing_documents(required, attached, missing):
    assert rules.missing_documents(required, attached) == missing


@pytest.mark.parametrize("before, now, wanted, keys", [
    # nobody else changed the file: no conflict
    ({"family.address": "1 rue A"}, {"family.address": "1 rue A"}, {"family.address": "3 rue B"}, []),
    # the other guardian moved the family meanwhile: accepting would overwrite it
    ({"family.address": "1 rue A"}, {"family.address": "5 rue C"}, {"family.address": "3 rue B"},
     ["family.address"]),
    # changed meanwhile to exactly what is wanted: no conflict
    ({"family.address": "1 rue A"}, {"family.address": "3 rue B"}, {"family.address": "3 rue B"}, []),
    # a value the request does not change is none of its business
    ({"family.address": "1 rue A", "family.city": "X"}, {"family.address": "1 rue A", "family.city": "Y"},
     {"family.address": "3 rue B"}, []),
    # nothing to compare with (a new contact): no conflict
    ({}, {"person.phone": "06"}, {"person.phone": "07"}, []),
])
def test_conflicts(before, now, wanted, keys):
    assert [c.key for c in rules.conflicts(before, now, wanted)] == keys


def test_changes_only_what_differs():
    assert rules.changes({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}) == {"b": 3}


@pytest.mark.parametrize("regime, number, problem", [
    ("CAF", "1234567", None), ("CAF", "123 45 67", None), ("CAF", "0012345", None),
    ("CAF", "123456", "caf"), ("CAF", "12345678", "caf"), ("CAF", "12345A7", "caf"), ("CAF", "", "needed"),
    ("MSA", "12345", None), ("MSA", "2 85 12 49 123 456 78", None), ("MSA", "1234", "msa"), ("MSA", "AB12345", "msa"),
    ("MSA", "1" * 16, "msa"), ("", "", None), ("", "1234567", "unexpected"),
])
def test_allocataire_number(regime, number, problem):
    assert rules.allocataire_number_problem(regime, number) == problem


@pytest.mark.parametrize("label, problem", [
    ("Sans porc", None), ("Végétarien", None), ("Panier repas (PAI)", None), ("Sans viande", None),
    ("Halal", "religious"), ("Repas HALAL", "religious"), ("Casher", "religious"), ("Kasher", "religious"),
    ("Régime religieux", "religious"), ("Carême", "religious"), ("", "empty"), ("   ", "empty"),
])
def test_diet_labels(label, problem):
    assert diet_label_problem(label) == problem


@pytest.mark.parametrize("typed, written", [
    ("0612345678", "06 12 34 56 78"), ("06 12 34 56 78", "06 12 34 56 78"), ("06.12.34.56.78", "06 12 34 56 78"),
    ("06-12-34-56-78", "06 12 34 56 78"), ("+33 6 12 34 56 78", "06 12 34 56 78"),
    ("+33 (0)6 12 34 56 78", "06 12 34 56 78"), ("0033612345678", "06 12 34 56 78"),
    ("02 41 12 34 56", "02 41 12 34 56"), ("0690 12 34 56", "0690 12 34 56"),  # Guadeloupe, dialled nationally
    ("06 39 98 12 34", "06 39 98 12 34"),  # ARCEP fiction range (the demo's)
    ("+32 470 12 34 56", "+32 470 12 34 56"), ("", ""),
    ("12345", None), ("0612", None), ("06 12 34 56 7", None), ("téléphone", None), ("0" * 41, None),
])
def test_phone_numbers(typed, written):
    assert normalise_phone(typed) == written


@pytest.mark.parametrize("year, month, expected", [(2026, 11, "2026-2027"), (2027, 1, "2026-2027"),
                                                   (2027, 3, "2027-2028"), (2027, 8, "2027-2028")])
def test_school_year_of(year, month, expected):
    assert school_year_of(year, month) == expected


def test_every_kind_has_forms_and_words():
    from blueprints.procedures.forms import FORMS

    for code, kind in KINDS.items():
        assert set(FORMS[code]) == set(kind.steps)
