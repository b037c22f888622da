"""Import of families (CSV): the documented template, a dry run with a line-by-line report, the import in one
transaction, and inviting all families without an account."""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

import clock
import mail
from blueprints.auth import tokens
from blueprints.auth.mails import invitation_mail
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from blueprints.imports import bp, rules, service, wording
from blueprints.imports.forms import ConfirmForm, UploadForm
from models import db


@bp.route("/", methods=["GET"])
def index():
    """The template's columns, the file to check, and the invitations."""
    return render("imports/index.html", form=UploadForm(), invite_form=EmptyForm(), columns=rules.COLUMNS,
                  without_account=len(service.families_without_account()))


@bp.route("/modele.csv")
def template_csv():
    """The template to fill in: the header and one example family (UTF-8 with BOM, `;`)."""
    known = service.known_names()
    body = render_template("imports/modele.csv", example_school=min(known["schools"], default=""),
                           example_activities=" ".join(sorted(known["activities"])[:2]))
    response = make_response("\ufeff" + body.replace("\n", "\r\n"))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="modele-import-familles.csv"'
    return response


@bp.route("/", methods=["POST"])
def check():
    """Dry run: every line checked, the problems listed line by line, what the import would create; nothing is
    written. The file is kept (a random name) until the agent confirms."""
    form = UploadForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return render("imports/index.html", form=form, invite_form=EmptyForm(), columns=rules.COLUMNS,
                      without_account=len(service.families_without_account()), status=422)
    try:
        encoding, lines, problems = service.read(form.content, clock.today())
    except rules.DecodeError as error:
        form.file.errors = [str(wording.PROBLEMS[error.code])]
        return render("imports/index.html", form=form, invite_form=EmptyForm(), columns=rules.COLUMNS,
                      without_account=len(service.families_without_account()), status=422)
    plan = service.plan(lines, clock.today())
    blocking = rules.blocking(problems)
    token = None if blocking else service.keep(form.content)
    return render("imports/report.html", encoding=encoding, lines=lines, problems=problems, blocking=blocking,
                  plan=plan, token=token, confirm=ConfirmForm(token=token), problem_text=wording.problem_text)


@bp.route("/confirmer", methods=["POST"])
def confirm():
    """The import, in one transaction: all the file's lines or none (checked again: the base may have changed)."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    raw = service.kept(form.token.data)
    if raw is None:
        flash(_("Ce fichier a déjà été importé ou n'est plus disponible : envoyez-le de nouveau."), "error")
        return redirect(url_for(".index"))
    _encoding, lines, problems = service.read(raw, clock.today())
    if rules.blocking(problems):
        flash(_("Le fichier ne passe plus la vérification : envoyez-le de nouveau pour voir pourquoi."), "error")
        return redirect(url_for(".index"))
    plan = service.apply(lines, clock.today(), clock.now(), actor_id=current_user.id)
    db.session.commit()
    service.forget(form.token.data)
    flash(_("Import terminé : %(f)d familles, %(p)d personnes et %(e)d inscriptions créées ; le reste existait déjà.",
            f=len(plan.families), p=sum(plan.people.values()), e=plan.enrolments), "success")
    return redirect(url_for(".index"))


@bp.route("/inviter", methods=["POST"])
def invite_all():
    """Invite every family without an account: one activation link (24 h) to its first guardian with a valid
    e-mail; invalid addresses are skipped and listed."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    now = clock.now()
    report, users = service.invitation_logins(now)
    invitations = [(user, invitation_mail(user, now)) for user in users]
    db.session.commit()  # first: a mailed link always works
    failed = []
    for user, invitation in invitations:
        try:
            mail.deliver(invitation.message)
        except OSError:
            current_app.logger.exception("invitation mail failed")
            tokens.withdraw(invitation.token)
            db.session.delete(user)
            failed.append(user.email)
    db.session.commit()
    invited = [(family, email) for family, email in report.invited if email not in failed]
    return render("imports/invited.html", report=report, invited=invited, failed=failed)
