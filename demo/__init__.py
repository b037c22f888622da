"""Demo commune "Ville de Démo-sur-Loire": fictitious, reproducible data for `flask demo seed`.

Everything here is invented: names, addresses (a commune that does not exist), e-mails at example.org and phone
numbers from the ranges ARCEP reserves for fiction (02 61 91 xx xx, 06 39 98 xx xx), so nobody real is ever called.
The data is relative to the day it is seeded (`today`): the school year containing it (from August on, the coming
one), with every state to try near that day: open and locked days, a closure one to three weeks ahead, two full
Wednesdays ahead with a waiting list, Léa Martin's absence of her last days awaiting its certificate, the Martin
family's supporting documents in every state (demo/documents.py, files written to instance/uploads) and its file
(health, authorisations, contacts) with a request in every status (demo/dossier.py). The helpers
of demo/schoolyear.py (`school_year`, `closure_day`, `full_wednesdays`, `absence_span`) say where they are; a fixed
`random.Random(2026)` makes the same `today` give the same data. Open days are computed here (weekday of the unit,
inside the period, no public holiday, zone B school holidays, closures) so the seed does not depend on the
reservation rules module.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections import Counter, defaultdict

from sqlalchemy import insert, select

from demo.accounts import add_accounts
from demo.admin import add_agents
from demo.attendance import add_attendance
from demo.billing import add_billing
from demo.documents import add_documents
from demo.dossier import add_dossier
from demo.messages import add_messages
from demo.payments import add_payments
from demo.public import add_public
from demo.schoolyear import (  # noqa: F401  (public helpers, re-exported for the tests and the bench)
    DAY,
    PARIS,
    SUBDIVISION,
    UTC,
    WEEK,
    ZONE,
    SchoolYear,
    absence_span,
    closure_day,
    enrolment_times,
    full_wednesdays,
    school_year,
    span_days,
)
from models import (
    Absence,
    Activity,
    Closure,
    CommuneSettings,
    DeadlinePolicy,
    Enrollment,
    Family,
    Period,
    Person,
    Reservation,
    School,
    Unit,
    User,
    db,
    utcnow,
)

PARENT_PASSWORD, AGENT_PASSWORD = "Demo-Parent-2026!", "Demo-Agent-2026!"
AGENT_EMAIL = "agent@example.org"
CLOSURE_REASON = "Fermeture exceptionnelle : journée de formation des équipes d'animation"
ABSENT_CHILD = ("Martin", "Léa")  # ill on her last days before `today`, certificate not sent yet
# The two full Wednesdays: (children waiting, days before `now` the first asked, demo children at the head).
FULL_WEDNESDAY_QUEUES = ((2, 14, ()), (3, 7, (("Martin", "Léa"), ("Martin", "Hugo"))))

COMMUNE = dict(
    name="Ville de Démo-sur-Loire", service_name="Service Enfance", address="Hôtel de ville, 1 place de la Mairie",
    postcode="49999", city="Démo-sur-Loire", phone="02 61 91 00 00", email="service.enfance@example.org",
    opening_hours="Du lundi au vendredi de 8 h 30 à 12 h et de 13 h 30 à 17 h 30 (fermé le jeudi matin)",
    school_zone=ZONE, holiday_subdivision=SUBDIVISION, absence_justification_hours=48,
    publisher_name="Claire Dupuis-Morel, maire de Démo-sur-Loire",
    host_name="Service informatique de la Ville de Démo-sur-Loire, 1 place de la Mairie, 49999 Démo-sur-Loire",
)
SCHOOLS = {  # key -> (name, address)
    "maternelle": ("École maternelle Les Coquelicots", "4 rue des Écoles, 49999 Démo-sur-Loire"),
    "elementaire": ("École élémentaire Jean-de-La-Fontaine", "6 rue des Écoles, 49999 Démo-sur-Loire"),
    "groupe": ("Groupe scolaire Marie-Curie", "18 avenue de la Loire, 49999 Démo-sur-Loire"),
}
CLASS_AGE = {"PS": 3, "MS": 4, "GS": 5, "CP": 6, "CE1": 7, "CE2": 8, "CM1": 9, "CM2": 10}  # turned by Dec 31
MATERNELLE = ("PS", "MS", "GS")

EVENING_BEFORE = ("calendar_days", 1, None, dt.time(18, 0))
TWO_WORKING_DAYS = ("working_days", 2, None, dt.time(10, 0))
THURSDAY_BEFORE = ("weekday_before", 0, 3, dt.time(23, 59))
EIGHT_DAYS = ("calendar_days", 8, None, dt.time(23, 59))


def _leisure_units(weekdays: str, capacity: int) -> list[tuple]:
    """Matin / Repas / Après-midi of a leisure centre (its meal is then booked with a half-day)."""
    return [("morning", "Matin", weekdays, capacity), ("meal", "Repas", weekdays, capacity),
            ("afternoon", "Après-midi", weekdays, capacity)]


# code, name, calendar, description, booking policy, cancel policy, units (slot, label, weekdays, capacity)
ACTIVITIES = [
    ("accueil-matin", "Accueil périscolaire du matin", "school_days",
     "De 7 h 30 à l'entrée en classe, dans chaque école.", EVENING_BEFORE, EVENING_BEFORE,
     [("morning", "Accueil du matin", "0134", None)]),
    ("restauration", "Restauration scolaire", "school_days",
     "Repas du midi préparés par la cuisine centrale ; menus publiés chaque mois.", TWO_WORKING_DAYS, TWO_WORKING_DAYS,
     [("meal", "Repas", "0134", None)]),
    ("accueil-soir", "Accueil périscolaire du soir", "school_days",
     "De la sortie des classes à 18 h 30, goûter compris.", EVENING_BEFORE, EVENING_BEFORE,
     [("afternoon", "Accueil du soir", "0134", None)]),
    ("alsh-mercredi", "Accueil de loisirs du mercredi", "school_days",
     "Au centre de loisirs Les Castors, de 7 h 30 à 18 h 30 ; le repas se réserve avec une demi-journée.",
     THURSDAY_BEFORE, THURSDAY_BEFORE, _leisure_units("2", 24)),
    ("alsh-vacances", "Accueil de loisirs des vacances", "holidays_only",
     "Au centre de loisirs Les Castors pendant les vacances scolaires ; réservation à la journée ou demi-journée.",
     EIGHT_DAYS, EIGHT_DAYS, _leisure_units("01234", 20)),
]

# Family name, guardians (first name, or "First Last" when the name differs, with the relationship), children
# (first name, or (first name, class) to fix the class). The first guardian is the family's main contact.
FAMILIES = [
    ("Martin", [("Sophie", "mère"), ("Julien", "père")], [("Léa", "CE1"), ("Hugo", "MS")]),
    ("Bernard", [("Isabelle", "mère")], [("Chloé", "CM1")]),
    ("Lefèvre", [("Aurélie", "mère"), ("Thomas", "père")], ["Zoé", "Maël"]),
    ("N'Diaye", [("Fatou", "mère"), ("Moussa", "père")], ["Awa", "Noé", "Ibrahima"]),
    ("Le Gall-Moreau", [("Gaëlle Le Gall", "mère"), ("Yannick Moreau", "père")], ["Anaïs", "Malo"]),
    ("Nguyễn", [("Linh", "mère"), ("Minh", "père")], ["Lucas", "Mai"]),
    ("Müller", [("Anke", "mère"), ("Frédéric", "père")], ["Jonas", "Lina"]),
    ("D'Angelo", [("Giulia", "mère"), ("Marco", "père")], ["Matteo"]),
    ("Dubois", [("Émilie", "mère")], ["Jean-Baptiste", "Inès"]),
    ("Benali", [("Nadia", "mère"), ("Karim", "père")], ["Adam", "Yasmine"]),
    ("Da Silva", [("Ana", "mère"), ("João", "père")], ["Gabriel", "Léna"]),
    ("Petit", [("Céline", "mère"), ("Sébastien", "père")], ["Louis"]),
    ("Rousseau", [("Hélène", "mère"), ("Jérôme", "père")], ["Jade", "Arthur"]),
    ("Traoré", [("Aminata", "mère")], ["Sacha", "Aïssata"]),
    ("Kowalski", [("Agnieszka", "mère"), ("Piotr", "père")], ["Zofia", "Théo"]),
    ("Garnier", [("Stéphanie", "mère"), ("Grégory", "père")], ["Manon"]),
    ("Chevalier", [("Laëtitia", "mère"), ("Cédric", "père")], ["Timéo", "Maëlys"]),
    ("Haddad", [("Leïla", "mère"), ("Samir", "père")], ["Aylan", "Sofia"]),
    ("Fontaine", [("Amélie", "mère"), ("Benoît", "père")], ["Rose"]),
    ("Lambert", [("Élodie", "mère"), ("François", "père")], ["Raphaël", "Alice", "Jules"]),
    ("Mercier", [("Virginie", "mère"), ("Loïc", "père")], ["Ambre"]),
    ("Cœurdevey", [("Marion", "mère"), ("Antoine", "père")], ["Éthan", "Romane"]),
    ("Perrin", [("Julie", "mère")], ["Nathan"]),
    ("Lopez", [("Laura", "mère"), ("David", "père")], ["Mia", "Enzo"]),
    ("Roux", [("Caroline", "mère"), ("Olivier Blanchard", "beau-père")], ["Paul", "Héloïse"]),
    ("Girard", [("Audrey", "mère"), ("Maxime", "père")], ["Victor"]),
    ("Leclerc", [("Marine", "mère"), ("Guillaume", "père")], ["Margaux", "Clément"]),
    ("Hoarau", [("Sandrine", "mère"), ("Teddy", "père")], ["Kylian"]),
    ("Ben Youssef", [("Samia", "mère"), ("Hédi", "père")], ["Célia"]),
    ("Joly", [("Aurore", "mère"), ("Vincent", "père")], ["Marie-Lou", "Élise"]),
]
DEMO_LOGINS = {"Martin": "famille.martin@example.org", "Bernard": "famille.bernard@example.org"}
FULL_DAY = ("morning", "meal", "afternoon")
LEISURE_CHOICES = [FULL_DAY, ("morning", "meal"), ("meal", "afternoon"), ("morning",), ("afternoon",)]
SPARE_PLACES = 3  # places left free on ordinary leisure days, so that a visitor can book one
# Fixed plans of the demo children; the others are drawn at random. Weekdays as in Unit.weekdays;
# alsh-mercredi = (units, 1 every week | 2 every other week | 0 now and then); alsh-vacances = (units, share of weeks).
DEMO_PLANS = {
    ("Martin", "Léa"): {"restauration": "0134", "accueil-matin": "01", "accueil-soir": "0134",
                        "alsh-mercredi": (FULL_DAY, 1), "alsh-vacances": (FULL_DAY, 0.5)},
    ("Martin", "Hugo"): {"restauration": "0134", "accueil-matin": "01", "accueil-soir": "0134",
                         "alsh-mercredi": (FULL_DAY, 1)},
    ("Bernard", "Chloé"): {"restauration": "0134", "alsh-mercredi": (("morning", "meal"), 1)},
}
CONTACTS = [  # first name, relationship, can pick up, emergency contact, same family name
    ("Monique", "grand-mère", True, True, True), ("Gérard", "grand-père", True, True, True),
    ("Chantal", "grand-mère", True, True, False), ("Bernadette", "voisine", True, False, False),
    ("Patrick", "oncle", True, True, True), ("Nathalie", "tante", False, True, False),
    ("Josiane", "assistante maternelle", True, False, False),
]
OTHER_NAMES = ["Besnard", "Guérin", "Ménard", "Pelletier", "Brochard", "Lebreton", "Cailleau", "Rivière"]
STREETS = ["rue des Tilleuls", "allée des Mésanges", "avenue de la Loire", "impasse du Moulin", "rue Jean-Jaurès",
           "place de l'Église", "chemin des Vignes", "rue Victor-Hugo", "quai des Mariniers", "rue de la Gare",
           "résidence Les Peupliers", "rue du Pont-d'Arcole", "boulevard des Îles", "rue Émile-Zola"]
QF_BANDS = [(None, 3), ((280, 622), 6), ((623, 1000), 8), ((1001, 1500), 8), ((1501, 2400), 5)]


# --------------------------------------------------------------------------- seeding


def seed_demo(now: dt.datetime | None = None, today: dt.date | None = None) -> bool:
    """Create the demo commune in the current app context; False (and nothing changed) when a commune exists.

    `today` is the day the data is relative to (default: the Paris date of `now`); `now` stamps the rows (default:
    the current time, or 09:00 Paris on `today` when only that is given). Commits once at the end.
    """
    if db.session.execute(select(CommuneSettings.id).limit(1)).first() is not None:
        return False
    if now is None:
        now = dt.datetime.combine(today, dt.time(9), PARIS).astimezone(UTC) if today else utcnow()
    today = today or now.astimezone(PARIS).date()
    year = school_year(today)
    enrolled_at, booked_at = enrolment_times(year, now)
    rng = random.Random(2026)
    db.session.add(CommuneSettings(**COMMUNE))
    schools = {key: School(name=name, address=address) for key, (name, address) in SCHOOLS.items()}
    db.session.add_all(schools.values())
    activities = _add_activities(year)
    families, children = _add_families(rng, schools, activities, year, now, enrolled_at)
    users = _add_users(families, now)
    closure = closure_day(today)
    db.session.add(Closure(activity_id=None, date=closure, reason=CLOSURE_REASON))
    db.session.flush()
    for _activity, _period, units in activities.values():
        half_days = [str(u.id) for u in units.values() if u.slot != "meal"]
        if "meal" in units and half_days:  # a leisure-centre meal needs the morning or the afternoon
            units["meal"].requires_one_of = ",".join(half_days)
    full = {}  # day: (children waiting, when the first asked, demo children at the head of the queue)
    for day, (n_waiting, days_before, head) in zip(full_wednesdays(today), FULL_WEDNESDAY_QUEUES, strict=True):
        full[day] = (n_waiting, max(booked_at + DAY, now - dt.timedelta(days=days_before, hours=13)), head)
    span = absence_span(today)
    rows = _reservations(rng, children, activities, _open_days(activities, year, closure), booked_at, full, span)
    _add_absence(children, rows, users, span, now)
    add_documents(families, users, DEMO_LOGINS, users[AGENT_EMAIL], now, today)
    add_dossier(families, users, AGENT_EMAIL, DEMO_LOGINS, f"{year.first}-{year.first + 1}", now)
    add_messages(families, users, DEMO_LOGINS, AGENT_EMAIL, now)
    add_public(schools, activities, users[AGENT_EMAIL], now, today)
    add_agents(schools, users[AGENT_EMAIL].password_hash, now)
    db.session.flush()
    add_accounts(families, users, AGENT_EMAIL, now)
    add_payments(families, users, AGENT_EMAIL, now, year.start)  # demo/payments.py
    db.session.execute(insert(Reservation), list(rows.values()))
    add_attendance(users[AGENT_EMAIL], today, now)
    db.session.commit()
    add_billing(year.start, now, today)
    return True


def _add_activities(year: SchoolYear) -> dict[str, tuple[Activity, Period, dict[str, Unit]]]:
    """Activities with their deadline policies, units and school-year period, by code."""
    result = {}
    for position, (code, name, calendar, description, booking, cancel, unit_rows) in enumerate(ACTIVITIES):
        activity = Activity(code=code, name=name, calendar=calendar, description=description, position=position,
                            booking_policy=_policy(booking), cancel_policy=_policy(cancel))
        units = {slot: Unit(activity=activity, slot=slot, label=label, weekdays=weekdays, capacity=capacity,
                            position=pos) for pos, (slot, label, weekdays, capacity) in enumerate(unit_rows)}
        period = Period(activity=activity, name=year.name, start_date=year.start, end_date=year.end)
        db.session.add_all([activity, period, *units.values()])
        result[code] = (activity, period, units)
    return result


def _policy(spec: tuple) -> DeadlinePolicy:
    kind, days, weekday, cutoff = spec
    return DeadlinePolicy(kind=kind, days=days, weekday=weekday, cutoff=cutoff)


def _add_families(rng: random.Random, schools: dict, activities: dict, year: SchoolYear, now: dt.datetime,
                  enrolled_at: dt.datetime) -> tuple[list, list]:
    """Families with guardians, contacts, children and enrollments; returns (families, [(name, child, plan)])."""
    phones = iter(f"06 39 98 {n // 100:02d} {n % 100:02d}" for n in rng.sample(range(100, 10000), 300))
    emails: set[str] = set(DEMO_LOGINS.values())
    n_others = sum(len(kids) for name, _, kids in FAMILIES if name not in DEMO_LOGINS)
    mercredi = set(rng.sample(range(n_others), 25))  # popular: the busiest Wednesdays fill up
    vacances = set(rng.sample(range(n_others), 7))
    families, children, other_index = [], [], 0
    for number, (name, guardians, kids) in enumerate(FAMILIES, start=1):
        qf = _quotient(rng)
        family = Family(dossier_number=f"D-{year.first}-{number:04d}", name=name, postcode="49999",
                        city="Démo-sur-Loire", address=f"{rng.randint(1, 60)} {rng.choice(STREETS)}",
                        quotient_familial=qf, qf_source=(rng.choice(["CAF"] * 6 + ["MSA"]) if qf else None),
                        qf_start_date=(dt.date(year.first, 1, 1) if qf else None), created_at=now)
        for i, (full, relation) in enumerate(guardians):
            first, _, last = full.partition(" ")
            last = last or name
            email = DEMO_LOGINS[name] if i == 0 and name in DEMO_LOGINS else _unique_email(first, last, emails)
            family.members.append(Person(role="guardian", first_name=first, last_name=last, email=email,
                                         phone=next(phones), relationship_label=relation, can_pick_up=True,
                                         emergency_contact=True))
        family.email, family.phone = family.members[0].email, family.members[0].phone
        for first, relation, pick_up, emergency, same_name in rng.sample(CONTACTS, rng.choice([0, 1, 1, 2])):
            family.members.append(Person(role="contact", first_name=first, phone=next(phones),
                                         last_name=name.split("-")[0] if same_name else rng.choice(OTHER_NAMES),
                                         relationship_label=relation, can_pick_up=pick_up, emergency_contact=emergency))
        sector = "groupe" if rng.random() < 0.35 else None  # else maternelle + élémentaire
        classes = iter(rng.sample(list(CLASS_AGE), len(kids)))  # siblings are in different classes
        for kid in kids:
            first, class_name = kid if isinstance(kid, tuple) else (kid, next(classes))
            school = schools[sector or ("maternelle" if class_name in MATERNELLE else "elementaire")]
            child = Person(role="child", first_name=first, last_name=name, class_name=class_name, school=school,
                           birth_date=_birth_date(rng, class_name, year.first))
            family.members.append(child)
            plan = DEMO_PLANS.get((name, first))
            if plan is None:
                plan = _random_plan(rng, other_index in mercredi, other_index in vacances)
                other_index += 1
            for code in plan:
                activity, period, _units = activities[code]
                child.enrollments.append(Enrollment(activity=activity, period=period, created_at=enrolled_at))
            children.append((name, child, plan))
        db.session.add(family)
        families.append(family)
    return families, children


def _quotient(rng: random.Random) -> int | None:
    band = rng.choices([b for b, _ in QF_BANDS], weights=[w for _, w in QF_BANDS])[0]
    return rng.randint(*band) if band else None


def _birth_date(rng: random.Random, class_name: str, first: int) -> dt.date:
    """A birth date matching the class (French classes go by calendar year of birth); PS children are 3 in Sept."""
    year = first - CLASS_AGE[class_name]
    last = dt.date(year, 8, 31) if class_name == "PS" else dt.date(year, 12, 31)
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, (last - dt.date(year, 1, 1)).days))


def _ascii_slug(text: str) -> str:
    text = text.replace("œ", "oe").replace("Œ", "Oe")
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return "".join(c for c in plain.lower() if c.isalnum() or c == "-")


def _unique_email(first: str, last: str, taken: set[str]) -> str:
    base = f"{_ascii_slug(first)}.{_ascii_slug(last)}"
    email, n = f"{base}@example.org", 1
    while email in taken:
        n += 1
        email = f"{base}{n}@example.org"
    taken.add(email)
    return email


def _random_plan(rng: random.Random, mercredi: bool, vacances: bool) -> dict:
    """What a child of an ordinary family attends: most eat at the canteen, some come before or after school."""
    plan = {}
    if rng.random() < 0.88:
        plan["restauration"] = rng.choices(["0134", "013", "03", "14"], weights=[75, 15, 5, 5])[0]
    if rng.random() < 0.30:
        plan["accueil-matin"] = rng.choices(["0134", "01", "34", "1"], weights=[40, 20, 20, 20])[0]
    if rng.random() < 0.40:
        plan["accueil-soir"] = rng.choices(["0134", "013", "03"], weights=[50, 25, 25])[0]
    if mercredi:
        units = rng.choices(LEISURE_CHOICES, [45, 20, 10, 15, 10])[0]
        plan["alsh-mercredi"] = (units, rng.choices([1, 2, 0], weights=[40, 35, 25])[0])
    if vacances:
        plan["alsh-vacances"] = (rng.choice([FULL_DAY, FULL_DAY, ("morning", "meal")]), rng.choice([0.25, 0.5, 0.75]))
    return plan


def _add_users(families: list[Family], now: dt.datetime) -> dict[str, User]:
    """Demo logins (argon2: each password hashed once) plus pending invitations for about half of the families."""
    # Imported here: blueprints/__init__ imports the home page, which reads this module's logins (a cycle otherwise).
    from blueprints.auth.passwords import hash_password

    parent_hash, agent_hash = hash_password(PARENT_PASSWORD), hash_password(AGENT_PASSWORD)
    users = {AGENT_EMAIL: User(email=AGENT_EMAIL, role="agent", password_hash=agent_hash,
                                       display_name="Agent du Service Enfance", created_at=now),
             "admin@example.org": User(email="admin@example.org", role="admin", password_hash=agent_hash,
                                       display_name="Administration du portail", created_at=now)}
    for number, family in enumerate(families):
        guardians = [p for p in family.members if p.role == "guardian"]
        if family.name in DEMO_LOGINS:
            guardians, password_hash = guardians[:1], parent_hash
        elif number % 2:
            password_hash = None  # invitation pending: the back office can send the activation link
        else:
            continue  # no account yet: the back office can invite them
        for person in guardians:
            users[person.email] = User(email=person.email, role="parent", family=family, person=person,
                                       display_name=person.full_name, password_hash=password_hash, created_at=now)
    db.session.add_all(users.values())
    return users


def _open_days(activities: dict, year: SchoolYear, closure: dt.date) -> dict[int, list[dt.date]]:
    """Days each unit runs: its weekdays, inside the year, no public holiday, not the closure, and school days only
    (or school holidays only) depending on the activity's calendar."""
    result = {}
    for activity, _period, units in activities.values():
        holidays_only = activity.calendar == "holidays_only"
        for unit in units.values():
            result[unit.id] = [
                d for d in year.days
                if d.weekday() in unit.weekday_set and d not in year.public_holidays and d != closure
                and (activity.calendar == "all" or (d in year.school_holidays) == holidays_only)
            ]
    return result


def _reservations(rng: random.Random, children: list, activities: dict, open_days: dict, booked_at: dt.datetime,
                  full_days: dict, absence: tuple[dt.date, dt.date]) -> dict[tuple, dict]:
    """A year of bookings per child following their plan, capacities respected, then the full Wednesdays. The absent
    child goes to the holiday leisure centre on the weeks of the absence (so that it has bookings to mark)."""
    rows: dict[tuple, dict] = {}
    taken: Counter = Counter()

    def full(unit, day, spare=0):
        return unit.capacity is not None and taken[unit.id, day] >= unit.capacity - spare

    def book(child, unit, day, at, state="reserved"):
        if state == "reserved" and full(unit, day):
            return
        taken[unit.id, day] += state == "reserved"
        rows[child.id, unit.id, day] = dict(child_id=child.id, unit_id=unit.id, date=day, state=state,
                                            requested_at=at, absence_id=None)

    for family_name, child, plan in children:
        demo_child = (family_name, child.first_name) in DEMO_PLANS
        at = booked_at + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 6))
        week_parity = rng.randint(0, 1)
        keep = set(span_days(absence)) if (family_name, child.first_name) == ABSENT_CHILD else set()
        for code, pattern in plan.items():
            units = activities[code][2]
            if code in ("alsh-mercredi", "alsh-vacances"):
                slots, frequency = pattern
                days = [d for d in open_days[units[slots[0]].id] if d not in full_days]
                for day in _leisure_days(rng, days, code, frequency, week_parity, keep):
                    # The whole day or nothing (meal rule); ordinary days keep places free for the visitors.
                    if not any(full(units[s], day, spare=SPARE_PLACES) for s in slots):
                        for slot in slots:
                            book(child, units[slot], day, at)
                continue
            for unit in units.values():
                for day in open_days[unit.id]:
                    if str(day.weekday()) in pattern and (demo_child or rng.random() > 0.03):
                        book(child, unit, day, at)
    _fill_wednesdays(children, activities["alsh-mercredi"][2], book, full_days, booked_at)
    return rows


def _leisure_days(rng: random.Random, days: list[dt.date], code: str, frequency, week_parity: int,
                  keep: set[dt.date]) -> list[dt.date]:
    """Wednesdays (every week, every other week or now and then) or whole holiday weeks (a share of them, and the
    weeks with a day in `keep`)."""
    if code == "alsh-vacances":
        weeks = defaultdict(list)
        for day in days:
            weeks[day.isocalendar()[:2]].append(day)
        return [d for week in weeks.values() if rng.random() < frequency or keep.intersection(week) for d in week]
    if frequency == 1:
        return days
    if frequency == 2:
        return [d for d in days if d.isocalendar().week % 2 == week_parity]
    return [d for d in days if rng.random() < 0.3]


def _fill_wednesdays(children: list, units: dict[str, Unit], book, full_days: dict, booked_at: dt.datetime) -> None:
    """Make `full_days` full: exactly the capacity reserved on each unit, then a waiting list in arrival order."""
    capacity = min(u.capacity for u in units.values())
    enrolled = [(plan["alsh-mercredi"][1], child) for _name, child, plan in children if "alsh-mercredi" in plan]
    for day, (n_waiting, first_asked_at, waiting_first) in full_days.items():
        demo_waiting = [c for name, c, _ in children if (name, c.first_name) in waiting_first]
        # Children who come every week booked first (stable sort keeps the table order).
        candidates = [c for _freq, c in sorted(enrolled, key=lambda fc: fc[0] != 1) if c not in demo_waiting]
        for i, child in enumerate(candidates[:capacity]):
            for unit in units.values():
                book(child, unit, day, booked_at + dt.timedelta(minutes=i))
        for i, child in enumerate((demo_waiting + candidates[capacity:])[:n_waiting]):
            for unit in units.values():
                book(child, unit, day, first_asked_at + dt.timedelta(hours=2 * i, minutes=13 * i), state="waiting")


def _add_absence(children: list, rows: dict, users: dict[str, User], span: tuple, now: dt.datetime) -> None:
    """Léa Martin's absence (signalled on its first morning, certificate not yet sent) and her bookings of those days
    marked absent."""
    start, end = span
    created_at = min(dt.datetime.combine(start, dt.time(8, 30), PARIS).astimezone(UTC), now - dt.timedelta(hours=1))
    child = next(c for name, c, _ in children if (name, c.first_name) == ABSENT_CHILD)
    absence = Absence(child_id=child.id, start_date=start, end_date=end, reason="Enfant malade", created_at=created_at,
                      created_by_id=users[DEMO_LOGINS[ABSENT_CHILD[0]]].id)
    db.session.add(absence)
    db.session.flush()
    for (child_id, _unit_id, day), row in rows.items():
        if child_id == child.id and start <= day <= end and row["state"] == "reserved":
            row.update(state="absent", absence_id=absence.id)


def home_logins() -> tuple[tuple[str, str, str], ...]:
    """(e-mail, password, who) of the demo accounts, shown on the home page in demo mode only (app.create_app puts
    them in the configuration, so the public pages never import this module)."""
    return (
        (DEMO_LOGINS["Martin"], PARENT_PASSWORD, "Parent, famille Martin (deux enfants)"),
        (DEMO_LOGINS["Bernard"], PARENT_PASSWORD, "Parent, famille Bernard (un enfant)"),
        (AGENT_EMAIL, AGENT_PASSWORD, "Agent du service Enfance"),
    )
