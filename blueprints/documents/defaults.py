"""The common document types a commune asks for, as the documents migration seeds them: `service.ensure_default_types`
adds those missing (a database built without the migrations: the demo on a fresh database, the tests). Agents edit
them afterwards in the back office; these values are data, not wording: stored in French, marked with N_ (which
returns its text unchanged) only so that `make extract` puts them in the catalogue. A family reading in English sees
a type's name and help in English while they are still these defaults (languages.formats.commune_text).

Each: (code, label, help text, validity rule, months of validity, concerns a child).
"""


def N_(text: str) -> str:  # noqa: N802  (gettext's conventional no-op marker, a `make extract` keyword)
    return text


DEFAULT_TYPES = [
    ('justificatif_domicile', N_("Justificatif de domicile"),
     N_("Facture d'électricité, de gaz, d'eau, de téléphone ou d'internet, quittance de loyer ou attestation "
        "d'assurance habitation, de moins de 3 mois."), 'months', 3, False),
    ('attestation_caf_msa', N_("Attestation CAF ou MSA (quotient familial)"),
     N_("L'attestation de quotient familial ou de paiement, de moins de 3 mois. Elle sert à calculer vos tarifs."),
     'months', 3, False),
    ('avis_imposition', N_("Avis d'imposition"),
     N_("Le dernier avis reçu, toutes les pages. Il sert à calculer vos tarifs si vous n'avez pas d'attestation CAF "
        "ou MSA."), 'months', 12, False),
    ('carnet_vaccination', N_("Carnet de vaccination"),
     N_("Les pages des vaccins du carnet de santé, avec le nom de l'enfant."), 'none', None, True),
    ('assurance_scolaire', N_("Attestation d'assurance scolaire et extrascolaire"),
     N_("L'attestation d'assurance de l'enfant pour l'année scolaire (responsabilité civile et individuelle "
        "accident)."), 'school_year', None, True),
    ('certificat_medical', N_("Certificat médical"),
     N_("Par exemple un certificat d'aptitude à une activité sportive. Valable un an."), 'months', 12, True),
    ('pai', N_("PAI (projet d'accueil individualisé)"),
     N_("Le PAI signé par le médecin, l'école et la famille, pour une allergie ou une maladie de l'enfant."),
     'school_year', None, True),
    ('jugement_garde', N_("Jugement (garde des enfants)"),
     N_("La décision du juge aux affaires familiales qui fixe la résidence des enfants ou l'autorité parentale."),
     'none', None, False),
    ('rib', N_("RIB (relevé d'identité bancaire)"),
     N_("Pour le prélèvement automatique. Au nom d'un représentant de la famille."), 'none', None, False),
]
