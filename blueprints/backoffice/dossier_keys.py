"""Back office: "Clés enfance": the families without an account, and their key letters as one PDF (one page per
family). Printing a family's letter gives it a new key, which replaces the one sent before.

Routes only: keys are accounts/service.py's, the PDF accounts/letters.py's."""

from __future__ import annotations

from flask import make_response, request
from flask_babel import gettext as _
from flask_login import current_user

import clock
from blueprints.accounts import letters
from blueprints.accounts import service as accounts
from blueprints.backoffice import bp
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from models import db


@bp.route("/cles-enfance", methods=["GET", "POST"])
def dossier_keys():
    """The families no login opens, with their key's state; POST: the letters of the families ticked (or of all
    of them with "toutes"), new keys committed before the PDF is sent."""
    families = accounts.families_without_account()
    form = EmptyForm()
    errors = []
    if form.validate_on_submit():
        by_id = {f.id: f for f in families}
        if request.form.get("toutes"):
            chosen = families
        else:
            wanted = {int(v) for v in request.form.getlist("famille") if v.isdigit() and len(v) < 10}
            chosen = [f for f in families if f.id in wanted & by_id.keys()]
        if chosen:
            keys = accounts.issue_keys([f.id for f in chosen], clock.now(), actor_id=current_user.id)
            db.session.commit()
            pdf = letters.letters_pdf(chosen, keys, clock.today())
            response = make_response(pdf)
            response.headers["Content-Type"] = "application/pdf"
            response.headers["Content-Disposition"] = (
                f'attachment; filename="cles-enfance-{clock.today().isoformat()}.pdf"')
            response.headers["Cache-Control"] = "no-store"
            return response
        errors.append(("famille-0" if families else None, _("Cochez au moins une famille.")))
    return render("backoffice/dossier_keys.html", families=families, keys=accounts.key_rows(f.id for f in families),
                  form=form, errors=errors, status=400 if errors else 200)
