"""Demo agents with roles (a site agent of the nursery school, the régie) and the commune's data protection officer,
for the agents' administration pages. Same password as the other demo agents; two-factor authentication is offered,
not imposed, in demo mode (TWO_FACTOR_REQUIRED)."""

from __future__ import annotations

import datetime as dt

from models import AgentSite, CommuneSettings, School, User, db

DPO = dict(dpo_name="Délégué mutualisé de l'agglomération de Démo-sur-Loire", dpo_email="dpo@example.org",
           dpo_address="Hôtel d'agglomération, 2 quai de la Loire, 49999 Démo-sur-Loire")
SITE_AGENT = ("site@example.org", "Nadia Benali (École maternelle Les Coquelicots)")
REGIE_AGENT = ("regie@example.org", "Régie Enfance")


def add_agents(schools: dict[str, School], password_hash: str, now: dt.datetime) -> None:
    """The site agent of the maternelle and the régie; the DPO in the commune settings."""
    site = User(email=SITE_AGENT[0], role="agent", agent_role="site", display_name=SITE_AGENT[1],
                password_hash=password_hash, created_at=now)
    regie = User(email=REGIE_AGENT[0], role="agent", agent_role="regie", display_name=REGIE_AGENT[1],
                 password_hash=password_hash, created_at=now)
    db.session.add_all([site, regie])
    db.session.flush()
    db.session.add(AgentSite(user_id=site.id, school_id=schools["maternelle"].id))
    settings = db.session.execute(db.select(CommuneSettings).limit(1)).scalar_one()
    for key, value in DPO.items():
        setattr(settings, key, value)
