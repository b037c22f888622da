"""French titles and introductions of the public pages (the agents' text comes after)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

TITLES = {
    "services": _l("Services et activités"),
    "ecoles": _l("Les écoles"),
    "reglement": _l("Règlement intérieur"),
    "tarifs": _l("Tarifs"),
    "programmes": _l("Programmes de l'accueil de loisirs"),
    "contact": _l("Contact : texte complémentaire"),
}
FILE_KINDS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
TARIFFS_NOT_PUBLISHED = _l("Les tarifs ne sont pas encore publiés sur le portail : le service Enfance vous les "
                           "communique sur demande, selon votre quotient familial.")


def size_text(size: int) -> str:
    """ "240 Ko", "1,2 Mo" """
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} Ko"
    return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")
