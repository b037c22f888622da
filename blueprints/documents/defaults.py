"""The common document types a commune asks for, as the documents migration seeds them: `service.ensure_default_types`
adds those missing (a database built without the migrations: the demo on a fresh database, the tests). Agents edit
them afterwards in the back office; these values are data, not wording (no gettext).

Each: (code, label, help text, validity rule, months of validity, concerns a child).
"""

DEFAULT_TYPES = [
    ('justificatif_domicile', "Justificatif de domicile",
     "Facture d'électricité, de gaz, d'eau, de téléphone ou d'internet, quittance de loyer ou attestation "
     "d'assurance habitation, de moins de 3 mois.", 'months', 3, False),
    ('attestation_caf_msa', "Attestation CAF ou MSA (quotient familial)",
     "L'attestation de quotient familial ou de paiement, de moins de 3 mois. Elle sert à calculer vos tarifs.",
     'months', 3, False),
    ('avis_imposition', "Avis d'imposition",
     "Le dernier avis reçu, toutes les pages. Il sert à calculer vos tarifs si vous n'avez pas d'attestation CAF "
     "ou MSA.", 'months', 12, False),
    ('carnet_vaccination', "Carnet de vaccination",
     "Les pages des vaccins du carnet de santé, avec le nom de l'enfant.", 'none', None, True),
    ('assurance_scolaire', "Attestation d'assurance scolaire et extrascolaire",
     "L'attestation d'assurance de l'enfant pour l'année scolaire (responsabilité civile et individuelle "
     "accident).", 'school_year', None, True),
    ('certificat_medical', "Certificat médical",
     "Par exemple un certificat d'aptitude à une activité sportive. Valable un an.", 'months', 12, True),
    ('pai', "PAI (projet d'accueil individualisé)",
     "Le PAI signé par le médecin, l'école et la famille, pour une allergie ou une maladie de l'enfant.",
     'school_year', None, True),
    ('jugement_garde', "Jugement (garde des enfants)",
     "La décision du juge aux affaires familiales qui fixe la résidence des enfants ou l'autorité parentale.",
     'none', None, False),
    ('rib', "RIB (relevé d'identité bancaire)",
     "Pour le prélèvement automatique. Au nom d'un représentant de la famille.", 'none', None, False),
]
