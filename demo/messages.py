"""Demo messagerie: the services and themes families write to, answer templates, and a few conversations of the
Martin and Bernard families in several states (an answer the Martins have not read yet, with an attachment; one
closed; a Bernard question no agent has read). Relative to `now`; written through the messagerie's service."""

from __future__ import annotations

import datetime as dt

from blueprints.messages import service
from blueprints.uploads import CheckedFile
from demo.documents import demo_pdf
from models import AnswerTemplate, Family, MessageService, MessageTheme, User, db

SERVICES = (
    ("Service scolaire", "scolaire@example.org", ("facturation, quotient, inscription école", "restauration scolaire")),
    ("Activités périscolaires", "", ("inscription vacances, études", "accueil du mercredi")),
)
TEMPLATES = (
    ("Attestation de quotient reçue", 0,
     "Bonjour,\n\nNous avons bien reçu votre attestation : votre quotient familial est mis à jour et s'appliquera à "
     "partir du mois prochain.\n\nBien cordialement,\nLe service scolaire"),
    ("Inscriptions aux vacances", 1,
     "Bonjour,\n\nLes inscriptions aux vacances ouvrent trois semaines avant le premier jour. Elles se font dans "
     "l'agenda de votre enfant, sur le portail.\n\nBien cordialement,\nLes activités périscolaires"),
    ("Merci de votre message", None, "Bonjour,\n\nMerci de votre message : nous vous répondons au plus vite.\n\n"
                                     "Bien cordialement,"),
)


def add_messages(families: list[Family], users: dict[str, User], logins: dict[str, str], agent_email: str,
                 now: dt.datetime) -> None:
    """Services, themes, templates and conversations (flush)."""
    themes = {}
    rows = []
    for position, (name, email, labels) in enumerate(SERVICES):
        row = MessageService(name=name, email=email, position=position)
        db.session.add(row)
        db.session.flush()
        rows.append(row)
        for theme_position, label in enumerate(labels):
            theme = MessageTheme(service_id=row.id, label=label, position=theme_position, service=row)
            db.session.add(theme)
            themes[label] = theme
    for position, (title, service_index, body) in enumerate(TEMPLATES):
        db.session.add(AnswerTemplate(title=title, body=body, position=position,
                                      service_id=rows[service_index].id if service_index is not None else None))
    db.session.flush()
    agent, martin, bernard = users[agent_email], users[logins["Martin"]], users[logins["Bernard"]]
    day = dt.timedelta(days=1)

    # 1. The Martins asked about a bill (with the bill attached); the service answered; not read yet.
    bill = CheckedFile(demo_pdf("Facture d'octobre"), "application/pdf", "facture-octobre.pdf")
    posted = service.start(martin.family_id, themes["facturation, quotient, inscription école"],
                           "Facture d'octobre", "Bonjour,\nSur la facture d'octobre, le repas du 14 est compté "
                           "alors que Léa était absente. Pouvez-vous vérifier ?\nMerci.", bill, user=martin,
                           now=now - 5 * day)
    service.post(posted.conversation, "Bonjour,\nVous avez raison : le repas du 14 octobre sera déduit de la facture "
                 "de novembre.\nBien cordialement,\nLe service scolaire", None, user=agent, now=now - 4 * day)

    # 2. Holidays: asked, answered, thanked, closed by the agent (all read).
    posted = service.start(martin.family_id, themes["inscription vacances, études"], "Inscription aux vacances",
                           "Bonjour,\nQuand pourrons-nous inscrire Hugo pour les prochaines vacances ?", None,
                           user=martin, now=now - 12 * day)
    holidays = posted.conversation
    service.post(holidays, TEMPLATES[1][2], None, user=agent, now=now - 11 * day)
    service.post(holidays, "Merci beaucoup !", None, user=martin, now=now - 11 * day + dt.timedelta(hours=3))
    service.mark_read(holidays, by_family=False)
    service.set_status(holidays, "close", agent.id, now - 10 * day)

    # 3. The Bernards' question, not read by the service yet.
    service.start(bernard.family_id, themes["accueil du mercredi"], "Repas du mercredi pour Chloé",
                  "Bonjour,\nChloé peut-elle déjeuner à l'accueil du mercredi sans rester l'après-midi ?",
                  None, user=bernard, now=now - dt.timedelta(hours=20))
    db.session.flush()
