"""Back office: home, families (search, file) and invitations."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import joinedload, selectinload

import clock
import mail
from blueprints.absences import service as absences
from blueprints.auth import tokens
from blueprints.auth.mails import invitation_mail
from blueprints.backoffice import bp
from blueprints.backoffice.search import MAX_QUERY, family_search
from blueprints.documents import service as documents
from blueprints.documents import wording as document_wording
from blueprints.families import health
from blueprints.families import service as family_service
from blueprints.forms import EmptyForm
from blueprints.htmx import is_partial, render
from blueprints.procedures import service as procedures
from models import Enrollment, Family, Person, User, db, normalize_email

PAGE_SIZE = 50


@bp.route("/")
def index():
    """Back-office home: figures and entry points."""
    counts = {
        "families": db.session.scalar(db.select(func.count()).select_from(Family)),
        "children": db.session.scalar(db.select(func.count()).select_from(Person).where(Person.role == "child")),
        "pending": db.session.scalar(
            db.select(func.count()).select_from(User).where(User.role == "parent", User.password_hash.is_(None))
        ),
        "certificates": absences.pending_count(),
        "documents": documents.pending_count(),
        "requests": procedures.open_count(),
    }
    return render("backoffice/index.html", counts=counts)


@bp.route("/familles")
def families():
    """Searchable list of families (the result list is an htmx-refreshable block of the same page)."""
    q = request.args.get("q", "")[:MAX_QUERY]
    stmt = family_search(q).options(selectinload(Family.members)).limit(PAGE_SIZE + 1)
    rows = db.session.execute(stmt).scalars().all()
    return render(
        "backoffice/families.html",
        block="results",
        families=rows[:PAGE_SIZE],
        more=len(rows) > PAGE_SIZE,
        q=q,
        partial=is_partial(),
    )


def guardian_accounts(family: Family) -> list[tuple[Person, User | None]]:
    """Each guardian with their login, if any (matched by person, then by e-mail)."""
    users = db.session.execute(db.select(User).where(User.family_id == family.id)).scalars().all()
    by_person = {u.person_id: u for u in users if u.person_id}
    by_email = {u.email: u for u in users}
    return [(g, by_person.get(g.id) or by_email.get(normalize_email(g.email))) for g in family.guardians]


@bp.route("/familles/<int:family_id>")
def family(family_id: int):
    """A family's file: members, accounts, invitation state, enrolments, journal, supporting documents, and the
    links to change them (a constant number of queries, whatever the family)."""
    fam = db.get_or_404(
        Family,
        family_id,
        options=[
            selectinload(Family.members).options(
                joinedload(Person.school),
                selectinload(Person.enrollments).options(joinedload(Enrollment.activity),
                                                         joinedload(Enrollment.period)),
            )
        ],
    )
    return render("backoffice/family.html", family=fam, accounts=guardian_accounts(fam), form=EmptyForm(),
                  journal=family_service.journal(fam.id), documents=documents.family_documents(fam.id, clock.today()),
                  document_words=document_wording, requests=procedures.family_requests(fam.id, limit=20),
                  authorisations=health.authorisations_for(c.id for c in fam.children),
                  may_see_health=health.may_see_health(current_user))


@bp.route("/familles/<int:family_id>/inviter/<int:person_id>", methods=["POST"])
def invite(family_id: int, person_id: int):
    """Inviter la famille: create the guardian's login if needed and (re)send the activation e-mail."""
    fam = db.get_or_404(Family, family_id)
    guardian = next((g for g in fam.guardians if g.id == person_id), None)
    if guardian is None or not EmptyForm().validate_on_submit():
        abort(404 if guardian is None else 400)
    email = normalize_email(guardian.email)
    if not email:
        flash(
            _("%(name)s n'a pas d'adresse e-mail : ajoutez-la au dossier avant d'inviter.", name=guardian.full_name),
            "error",
        )
        return redirect(url_for(".family", family_id=fam.id))
    user = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
    if user is not None and (user.family_id != fam.id or user.is_agent):
        flash(_("L'adresse %(email)s est déjà utilisée par un autre compte.", email=email), "error")
        return redirect(url_for(".family", family_id=fam.id))
    if user is not None and user.has_password:
        flash(_("%(name)s a déjà activé son compte.", name=guardian.full_name), "error")
        return redirect(url_for(".family", family_id=fam.id))
    created = user is None
    if created:
        user = User(
            email=email, role="parent", family_id=fam.id, person_id=guardian.id, display_name=guardian.full_name
        )
        db.session.add(user)
        db.session.flush()
    invitation = invitation_mail(user, clock.now())
    db.session.commit()  # first: a failed commit must never mail a link that does not work
    try:
        mail.deliver(invitation.message)
    except OSError:
        current_app.logger.exception("invitation mail failed")
        # The link never left: withdraw it, and the login made for it (the family stays "pas encore invité").
        tokens.withdraw(invitation.token)
        if created:
            db.session.delete(user)
        db.session.commit()
        flash(_("L'e-mail n'a pas pu être envoyé (serveur de messagerie injoignable). Réessayez plus tard."), "error")
        return redirect(url_for(".family", family_id=fam.id))
    flash(_("Invitation envoyée à %(email)s (lien valable 24 heures).", email=email), "success")
    return redirect(url_for(".family", family_id=fam.id))
