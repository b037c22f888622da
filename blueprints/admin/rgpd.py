"""A family's data as the portal keeps it (right of access, article 15 RGPD): every row of the family, its members,
their health, authorisations, enrolments, bookings and their history, absences, documents (their description, not
the files), requests and their history, accounts and the file's journal. Columns are read from the tables
themselves, so a column added later is exported too; secrets are left out (SECRET_COLUMNS)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import inspect

from models import (
    Absence,
    Authorisation,
    ChildHealth,
    Document,
    DocumentFile,
    Enrollment,
    Family,
    FamilyChange,
    Person,
    ProcedureEvent,
    ProcedureRequest,
    Reservation,
    ReservationChange,
    User,
    db,
)

SECRET_COLUMNS = frozenset({"password_hash", "totp_secret", "totp_last_step", "calendar_token", "secret_hash",
                            "token_hash", "stored_name", "request_token", "draft_key", "creation_key"})
SECTIONS = (  # (key, French title): the order of the export
    ("famille", "La famille"), ("personnes", "Représentants, enfants et contacts"),
    ("comptes", "Comptes de connexion"), ("sante", "Santé des enfants"), ("autorisations", "Autorisations"),
    ("inscriptions", "Inscriptions aux activités"), ("reservations", "Réservations"),
    ("historique_reservations", "Historique des réservations"), ("absences", "Absences"),
    ("pieces", "Pièces justificatives (description)"), ("pages_de_pieces", "Pages des pièces (description)"),
    ("demandes", "Demandes"), ("historique_demandes", "Historique des demandes"),
    ("journal_du_dossier", "Journal du dossier"),
)


def _value(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return value


def row(obj) -> dict:
    """The columns of one row, secrets left out."""
    return {c.key: _value(getattr(obj, c.key)) for c in inspect(obj).mapper.column_attrs
            if c.key not in SECRET_COLUMNS}


def family_data(family_id: int) -> dict[str, list[dict]]:
    """Everything kept about the family `family_id`, by section (see SECTIONS); a constant number of queries."""
    def rows(model, *where, order=None):
        stmt = db.select(model).where(*where)
        stmt = stmt.order_by(*(order or (model.id,)))
        return [row(r) for r in db.session.execute(stmt).scalars()]

    people = db.select(Person.id).where(Person.family_id == family_id).scalar_subquery()
    documents = db.select(Document.id).where(Document.family_id == family_id).scalar_subquery()
    requests = db.select(ProcedureRequest.id).where(ProcedureRequest.family_id == family_id).scalar_subquery()
    return {
        "famille": rows(Family, Family.id == family_id),
        "personnes": rows(Person, Person.family_id == family_id),
        "comptes": rows(User, User.family_id == family_id),
        "sante": rows(ChildHealth, ChildHealth.child_id.in_(people)),
        "autorisations": rows(Authorisation, Authorisation.child_id.in_(people)),
        "inscriptions": rows(Enrollment, Enrollment.child_id.in_(people)),
        "reservations": rows(Reservation, Reservation.child_id.in_(people)),
        "historique_reservations": rows(ReservationChange, ReservationChange.child_id.in_(people)),
        "absences": rows(Absence, Absence.child_id.in_(people)),
        "pieces": rows(Document, Document.family_id == family_id),
        "pages_de_pieces": rows(DocumentFile, DocumentFile.document_id.in_(documents)),
        "demandes": rows(ProcedureRequest, ProcedureRequest.family_id == family_id),
        "historique_demandes": rows(ProcedureEvent, ProcedureEvent.request_id.in_(requests)),
        "journal_du_dossier": rows(FamilyChange, FamilyChange.family_id == family_id),
    }
