"""The family's choice of reminders."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField


class PreferencesForm(FlaskForm):
    week_unbooked = BooleanField(_l("Une semaine n'est pas encore réservée pour un enfant, quelques jours avant la "
                                    "date limite de réservation"))
    certificate = BooleanField(_l("Le justificatif d'une absence est attendu et le délai se termine bientôt"))
    document_expiring = BooleanField(_l("Une pièce justificative expire dans moins d'un mois"))
    invoice_due = BooleanField(_l("Une facture arrive à échéance dans quelques jours et n'est pas encore payée"))
