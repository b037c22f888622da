"""French words of online payment (gettext)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from flask_babel import lazy_gettext as _l

UNAVAILABLE = {
    "disabled": _l("Le paiement en ligne n'est pas proposé par la commune pour le moment."),
    "nothing_due": _l("Cette facture n'a plus rien à payer."),
    "amount_too_small": _l("Le paiement en ligne est possible à partir de 1,00 €. Payez ce montant au guichet."),
    "amount_too_large": _l("Ce montant dépasse ce que permet le paiement en ligne : adressez-vous au guichet."),
    "amount_type": _l("Montant invalide."),
    "email": _l("Le paiement en ligne demande une adresse e-mail valide pour le reçu : modifiez-la dans votre "
                "compte."),
    "bank": _l("Le service de paiement ne répond pas pour le moment. Rien n'a été payé : réessayez dans quelques "
               "minutes."),
}

# What the parent is told on coming back from the bank, by the attempt's status.
RESULT_TITLE = {
    "paid": _l("Paiement accepté"),
    "refused": _l("Paiement refusé"),
    "abandoned": _l("Paiement abandonné"),
    "expired": _l("Paiement non abouti"),
    "created": _l("Paiement en cours de vérification"),
}
RESULT_TEXT = {
    "paid": _l("Merci : votre paiement a bien été reçu et enregistré sur la facture. Un reçu vous a été envoyé par "
               "e-mail."),
    "refused": _l("La banque a refusé le paiement : rien n'a été débité. Vous pouvez réessayer avec une autre carte ou "
                  "payer autrement."),
    "abandoned": _l("Vous avez abandonné le paiement : rien n'a été débité. La facture reste à payer."),
    "expired": _l("Le paiement n'a pas abouti dans le temps imparti : rien n'a été débité. La facture reste à payer."),
    "created": _l("La banque ne nous a pas encore confirmé le paiement. Rechargez cette page dans une minute ; si "
                  "vous avez payé, le paiement sera enregistré dès la confirmation de la banque, jamais deux fois."),
}

OUTCOME = {
    "credited": _l("Paiement enregistré"),
    "credited_late": _l("Paiement enregistré (confirmation tardive)"),
    "duplicate": _l("Déjà enregistré : ignoré"),
    "unknown": _l("Opération inconnue : ignorée"),
    "unverified": _l("Non confirmée par la banque : ignorée"),
    "wrong_reference": _l("Référence différente : ignorée"),
    "wrong_client": _l("Autre numéro client : ignorée"),
    "wrong_amount": _l("Montant différent : ignorée"),
    "pending": _l("En cours à la banque"),
    "refused": _l("Refusé par la banque"),
    "abandoned": _l("Abandonné par la famille"),
    "ignored": _l("Déjà traité : ignoré"),
    "paid_not_allocated": _l("Payé mais facture déjà réglée : à rembourser ou à créditer"),
}
SOURCE = {"notification": _l("Notification de la banque"), "return": _l("Retour de la famille")}


def euros(cents: int) -> str:
    """1234 -> "12,34 €" (French format, non-breaking spaces)."""
    return format_currency(Decimal(cents) / 100, "EUR", locale="fr_FR")


ACCOUNT_PROBLEMS = {  # sepa.check_account codes, next to the field
    "iban_empty": _l("Saisissez l'IBAN écrit sur votre RIB."),
    "iban_checksum": _l("Cet IBAN n'est pas valide (sa clé de contrôle ne correspond pas) : vérifiez chaque caractère "
                        "sur votre RIB."),
    "iban_length": _l("Cet IBAN n'a pas le bon nombre de caractères : 27 pour un compte en France, par exemple "
                      "FR76 3000 6000 0112 3456 7890 189."),
    "iban_format": _l("Cet IBAN n'est pas valide : il commence par deux lettres du pays (FR) puis des chiffres, par "
                      "exemple FR76 3000 6000 0112 3456 7890 189."),
    "iban_not_sepa": _l("Ce compte n'est pas dans la zone SEPA : le prélèvement n'est pas possible."),
    "bic_invalid": _l("Ce BIC n'est pas valide : 8 ou 11 caractères, par exemple BNPAFRPP. Vous pouvez aussi le "
                      "laisser vide."),
    "bic_country": _l("Ce BIC n'est pas celui d'une banque du pays de l'IBAN : vérifiez-le, ou laissez-le vide."),
    "bic_needed": _l("Nous ne connaissons pas le BIC de cette banque : saisissez-le, il est écrit sur votre RIB."),
}

REJECT_REFUSED = {
    "reason": _l("Indiquez le motif du rejet donné par la banque (par exemple « provision insuffisante »)."),
    "already_rejected": _l("Ce prélèvement est déjà enregistré comme rejeté."),
}
SEQUENCES = {"FRST": _l("Premier prélèvement (FRST)"), "RCUR": _l("Prélèvement récurrent (RCUR)")}
DEBIT_STATUS = {"exported": _l("Envoyé à la banque"), "rejected": _l("Rejeté")}
