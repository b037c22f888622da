"""The demo's family files and démarches: the commune's démarches and diets, every family's allocataire number,
the Martin children's health files and authorisations, and the Martin family's requests in every status (a draft,
déposée, en cours with the agent, à compléter with the agent's message, acceptée, refusée), so that each state can
be seen at once. Relative to `now` like the rest of the demo; its own random generator, so the rest of the demo
does not change."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from models import (
    Authorisation,
    ChildHealth,
    Diet,
    Family,
    Person,
    ProcedureCounter,
    ProcedureEvent,
    ProcedureRequest,
    User,
    db,
)

DAY, HOUR = dt.timedelta(days=1), dt.timedelta(hours=1)
DIETS = ("Sans porc", "Sans viande", "Végétarien", "Panier repas (PAI)")
REFUSAL = ("Hugo est en moyenne section : le règlement ne permet pas aux enfants de maternelle de rentrer seuls. "
           "Les autres autorisations restent celles de votre dossier.")
ASK = "Merci de joindre le PAI signé par le médecin (photo ou PDF), ou de l'apporter à l'accueil du service."


def add_dossier(families: list[Family], users: dict[str, User], agent_email: str, login_of: dict[str, str],
                school_year_name: str, now: dt.datetime) -> None:
    """Everything above, in the current transaction (flush only)."""
    from blueprints.procedures import record, service, wording
    from blueprints.procedures.kinds import KINDS

    rng = random.Random(2027)
    db.session.add_all(Diet(label=label, position=n) for n, label in enumerate(DIETS))
    types = {kind: service.create_type(kind, wording.title(kind), str(wording.DESCRIPTIONS[kind]),
                                       school_year_name) for kind in sorted(KINDS, key=lambda k: KINDS[k].position)}
    for family in families:
        family.situation = rng.choice(["married", "married", "pacs", "cohabiting", "separated", "divorced", ""])
        if family.qf_source in ("CAF", "MSA"):
            family.allocataire_regime = family.qf_source
            digits = 7 if family.qf_source == "CAF" else 9
            family.allocataire_number = "".join(str(rng.randint(0, 9)) for _ in range(digits))
    martin = next(f for f in families if f.name == "Martin")
    martin.situation = "married"
    lea, hugo = (next(p for p in martin.members if p.first_name == first) for first in ("Léa", "Hugo"))
    sophie = next(p for p in martin.members if p.role == "guardian")
    if not any(p.role == "contact" for p in martin.members):
        martin.members.append(Person(role="contact", first_name="Monique", last_name="Martin", phone="06 39 98 00 17",
                                     relationship_label="grand-mère", can_pick_up=True, emergency_contact=True))
    year_end = dt.date(int(school_year_name[-4:]), 7, 3)
    db.session.add_all([
        ChildHealth(child=lea, doctor_name="Dr Claire Besnard", doctor_phone="02 61 91 00 12",
                    allergies="Arachides et fruits à coque (réaction grave)", diet="Panier repas (PAI)", pai=True,
                    pai_end_date=year_end, vaccinations_up_to_date=True,
                    vaccinations_date=(now - 200 * DAY).date(), notes="Trousse PAI dans le cartable.", updated_at=now),
        ChildHealth(child=hugo, doctor_name="Dr Claire Besnard", doctor_phone="02 61 91 00 12", diet="Sans porc",
                    vaccinations_up_to_date=True, vaccinations_date=(now - 90 * DAY).date(), updated_at=now),
    ])
    given = (now - 80 * DAY).date()
    for child, answers in ((lea, (True, False, True, True)), (hugo, (False, False, True, True))):
        for kind, granted in zip(("photo", "leave_alone", "transport", "emergency_care"), answers, strict=True):
            db.session.add(Authorisation(child=child, kind=kind, granted=granted, given_on=given))
    db.session.flush()
    _martin_requests(martin, types, {"sophie": sophie, "lea": lea, "hugo": hugo},
                     users[login_of["Martin"]], users[agent_email], now, record)


def _martin_requests(family: Family, types: dict, people: dict, parent: User, agent: User, now: dt.datetime,
                     record) -> None:
    """Six requests of the Martin family, one per status, numbered in order of submission."""
    sophie, lea, hugo = people["sophie"], people["lea"], people["hugo"]
    numbers = iter(range(1, 100))
    year = now.astimezone(ZoneInfo("Europe/Paris")).year

    def make(kind, person, answers, status, sent_ago, events=(), assigned=None):
        kind_type = types[kind]
        submitted = now - sent_ago if status != "draft" else None
        req = ProcedureRequest(family_id=family.id, type_id=kind_type.id, author_id=parent.id,
                               person_id=person.id if person else None, status=status, answers=answers,
                               snapshot=record.current_values(kind, family, person), created_at=now - sent_ago - HOUR,
                               updated_at=now - sent_ago, submitted_at=submitted, attested_at=submitted,
                               assigned_to_id=assigned.id if assigned else None,
                               draft_key=f"{family.id}:{kind_type.id}:{person.id if person else 0}"
                               if status == "draft" else None)
        if submitted:
            req.number = f"{year}-{next(numbers):06d}"
            req.events.append(ProcedureEvent(at=submitted, actor_id=parent.id, kind="status", status_from="draft",
                                             status_to="submitted"))
        for after, before, delay, message in events:
            req.events.append(ProcedureEvent(at=submitted + delay, actor_id=None if after == "accepted" and
                                             kind_type.applies_immediately else agent.id, kind="status",
                                             status_from=before, status_to=after, message=message))
        if status in ("accepted", "refused"):
            req.decided_at = submitted + events[-1][2]
        db.session.add(req)
        return req

    old_phone = sophie.phone
    make("telephones", sophie, {"telephones": {"phone": old_phone, "other_phone": "02 61 91 00 44", "employer": "",
                                               "work_phone": "", "email": sophie.email}},
         "accepted", 20 * DAY, [("accepted", "submitted", dt.timedelta(0), "")])
    sophie.other_phone = "02 61 91 00 44"
    make("autorisations", hugo, {"autorisations": {"photo": False, "leave_alone": True, "transport": True,
                                                   "emergency_care": True}},
         "refused", 14 * DAY, [("in_progress", "submitted", 2 * HOUR, ""), ("refused", "in_progress", 3 * HOUR,
                                                                             REFUSAL)], assigned=agent)
    make("sante", lea, {"medecin": {"doctor_name": "Dr Claire Besnard", "doctor_phone": "02 61 91 00 12",
                                    "vaccinations_up_to_date": True,
                                    "vaccinations_date": (now - 200 * DAY).date().isoformat()},
                        "alimentation": {"allergies": "Arachides, fruits à coque et kiwi",
                                         "diet": "Panier repas (PAI)"},
                        "pai": {"pai": True, "pai_end_date": (now + 200 * DAY).date().isoformat(),
                                "notes": "Trousse PAI dans le cartable."}},
         "incomplete", 6 * DAY, [("in_progress", "submitted", HOUR, ""), ("incomplete", "in_progress", 2 * HOUR, ASK)],
         assigned=agent)
    make("contact", None, {"_new": True, "identite": {"first_name": "Gérard", "last_name": "Martin",
                                                      "relationship_label": "grand-père"},
                           "telephones": {"phone": "06 39 98 00 18", "other_phone": ""},
                           "role": {"can_pick_up": True, "emergency_contact": True}},
         "in_progress", 3 * DAY, [("in_progress", "submitted", 5 * HOUR, "")], assigned=agent)
    make("coordonnees", sophie, {"adresse": {"address": "8 allée des Mésanges", "postcode": "49999",
                                             "city": "Démo-sur-Loire"},
                                 "telephones": {"phone": sophie.phone, "other_phone": "02 61 91 00 44",
                                                "employer": "Clinique du Val", "work_phone": "02 61 91 00 90",
                                                "email": sophie.email}},
         "submitted", DAY)
    make("allocataire", None, {"caisse": {"allocataire_regime": "CAF", "allocataire_number": "1234567"}}, "draft",
         2 * HOUR)
    db.session.add(ProcedureCounter(year=year, last=next(numbers) - 1))
    db.session.flush()
