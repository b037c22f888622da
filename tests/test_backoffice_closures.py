"""Closures in two steps: adding one first says what it will cancel (computed on the server, nothing written), the
confirmed form re-checks and says what was really done; deleting one says plainly that the cancelled bookings are
not restored, then deletes. Replays, forged ids, access and CSRF included."""

from __future__ import annotations

import re

from ops_world import FRI_27, MON_30, THU_26, TUE_24, token
from sqlalchemy import select
from support import PASSWORD, csrf_from, links, outbox, region, text_of, title_of

from blueprints.activities import service as settings_service
from models import Closure, Reservation, ReservationChange, User, db

PREVIEW_TUE = ("Fermeture du mardi 24 novembre : 5 réservations et 1 place en liste d'attente seront annulées, "
               "2 familles prévenues par e-mail.")
NOT_RESTORED = "Les réservations annulées ne sont pas rétablies : les familles doivent réserver de nouveau."


def closures_url(ops) -> str:
    return f"/gestion/activites/{ops.activity.id}/fermetures"


def post_closure(client, ops, day=TUE_24, reason="Grève", **extra):
    data = {"csrf_token": token(client), "closure-date": day.isoformat(), "closure-reason": reason, **extra}
    return client.post(closures_url(ops), data=data)


def hidden_fields(response) -> dict[str, str]:
    body = response.get_data(as_text=True)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body))


def snapshot():
    db.session.expire_all()
    return (sorted((r.child_id, r.unit_id, r.date, r.state) for r in db.session.execute(select(Reservation)).scalars()),
            db.session.execute(select(Closure.id)).scalars().all(),
            db.session.execute(select(ReservationChange.id)).scalars().all())


def test_adding_a_closure_first_says_what_it_will_cancel_and_writes_nothing(app, client, ops):
    before = snapshot()
    response = post_closure(client, ops)
    assert response.status_code == 200
    assert title_of(response).startswith("Confirmer la fermeture du mardi 24 novembre : Restauration")
    words = text_of(response)
    assert PREVIEW_TUE in words  # Léa and Inès: morning and meal; Hugo: morning, and his place in the waiting list
    assert "Fermé (Grève)" in words and "Rien n'est encore enregistré." in words
    assert snapshot() == before and outbox(app) == []
    fields = hidden_fields(response)
    assert fields["closure-date"] == "2026-11-24" and fields["closure-reason"] == "Grève"
    assert fields["confirm"] == "1" and fields["seen"] == "5-1-2"
    assert "Confirmer la fermeture" in words
    assert links(response)["Annuler et revenir aux paramètres sans fermer ce jour"] == (
        f"/gestion/activites/{ops.activity.id}#fermetures")
    # The lists of names of that day are one click away.
    assert links(response)["Liste des enfants : Repas"] == (
        f"/gestion/activites/{ops.activity.id}/occupation/2026-11-24/{ops.meal.id}")


def test_the_confirmed_form_closes_cancels_and_says_what_was_done(app, client, ops):
    preview = post_closure(client, ops)
    response = client.post(closures_url(ops), data=hidden_fields(preview))
    assert response.status_code == 302 and response.headers["Location"].endswith("#fermetures")
    status = region(client.get(f"/gestion/activites/{ops.activity.id}"), "status")
    assert ("Fermeture du mardi 24 novembre ajoutée : 5 réservations et 1 place en liste d'attente annulées, "
            "2 familles prévenues par e-mail.") in status
    assert "ont changé depuis l'aperçu" not in status
    db.session.expire_all()
    assert [c.date for c in db.session.execute(select(Closure)).scalars()] == [TUE_24]
    left = {(r.child_id, r.unit_id, r.date) for r in db.session.execute(select(Reservation)).scalars()}
    assert left == {(ops.lea.id, ops.meal.id, THU_26), (ops.lea.id, ops.study.id, TUE_24)}
    assert sorted(m["To"] for m in outbox(app)) == sorted([ops.martin_parent.email, ops.bernard_parent.email])


def test_counts_that_changed_since_the_preview_are_said_as_they_really_were(app, client, ops):
    preview = post_closure(client, ops)
    # Meanwhile Léa's family cancels her day (morning and meal).
    for row in db.session.execute(select(Reservation).where(Reservation.child_id == ops.lea.id,
                                                            Reservation.date == TUE_24,
                                                            Reservation.unit_id != ops.study.id)).scalars():
        db.session.delete(row)
    db.session.commit()
    assert client.post(closures_url(ops), data=hidden_fields(preview)).status_code == 302
    status = region(client.get(f"/gestion/activites/{ops.activity.id}"), "status")
    assert "Les réservations de ce jour ont changé depuis l'aperçu : voici ce qui a été fait." in status
    assert ("Fermeture du mardi 24 novembre ajoutée : 3 réservations et 1 place en liste d'attente annulées, "
            "1 famille prévenue par e-mail.") in status
    assert [m["To"] for m in outbox(app)] == [ops.bernard_parent.email]


def test_a_day_with_nothing_booked_is_confirmed_the_same_way(app, client, ops):
    preview = post_closure(client, ops, day=MON_30, reason="Travaux")
    assert preview.status_code == 200
    assert ("Fermeture du lundi 30 novembre : aucune réservation ni place en liste d'attente ce jour-là, aucune "
            "famille à prévenir.") in text_of(preview)
    assert "Liste des enfants" not in text_of(preview)
    assert db.session.execute(select(Closure)).scalars().all() == []
    assert client.post(closures_url(ops), data=hidden_fields(preview)).status_code == 302
    assert [c.date for c in db.session.execute(select(Closure)).scalars()] == [MON_30]
    assert "il n'y avait aucune réservation" in region(client.get(f"/gestion/activites/{ops.activity.id}"), "status")
    assert outbox(app) == []


def test_families_no_email_reaches_are_named_before_and_after(app, client, ops):
    db.session.get(User, ops.bernard_parent.id).active = False
    db.session.commit()
    preview = post_closure(client, ops)
    words = text_of(preview)
    assert "5 réservations et 1 place en liste d'attente seront annulées, 1 famille prévenue par e-mail." in words
    assert ("La famille Bernard n'a pas de compte actif : elle ne recevra pas d'e-mail. Prévenez-la par téléphone."
            in words)
    client.post(closures_url(ops), data=hidden_fields(preview))
    status = region(client.get(f"/gestion/activites/{ops.activity.id}"), "status")
    assert "1 famille prévenue par e-mail." in status and "La famille Bernard n'a pas de compte actif" in status
    assert [m["To"] for m in outbox(app)] == [ops.martin_parent.email]


def test_a_replayed_confirmation_does_nothing_more(app, client, ops):
    confirmed = hidden_fields(post_closure(client, ops))
    assert client.post(closures_url(ops), data=confirmed).status_code == 302
    after_first = snapshot()
    mails = len(outbox(app))
    client.get(f"/gestion/activites/{ops.activity.id}")  # read the first flash
    replay = client.post(closures_url(ops), data=confirmed)
    assert replay.status_code == 302
    assert "La fermeture du mardi 24 novembre est déjà enregistrée." in region(
        client.get(f"/gestion/activites/{ops.activity.id}"), "status")
    assert snapshot() == after_first and len(outbox(app)) == mails


def test_the_preview_of_an_already_closed_day_is_an_error_next_to_the_date(client, ops):
    db.session.add(Closure(activity_id=None, date=FRI_27, reason="Pont"))
    db.session.commit()
    response = post_closure(client, ops, day=FRI_27)
    assert response.status_code == 200 and title_of(response).startswith("Erreur : ")
    body = response.get_data(as_text=True)
    assert '<a href="#closure-date">Une fermeture est déjà enregistrée ce jour-là.</a>' in body  # summary
    assert re.search(r'id="closure-date-error">.*Une fermeture est déjà enregistrée', body)  # next to the field
    assert db.session.execute(select(Closure)).scalars().all() != []


def test_a_forged_confirmation_with_bad_values_saves_nothing(client, ops):
    before = snapshot()
    for date, reason in (("31/02/2026", "Grève"), ("2026-11-24", " "), ("demain", "")):
        response = client.post(closures_url(ops), data={"csrf_token": token(client), "closure-date": date,
                                                        "closure-reason": reason, "confirm": "1", "seen": "x"})
        assert response.status_code == 200 and title_of(response).startswith("Erreur : "), (date, reason)
        assert snapshot() == before
    assert client.post(closures_url(ops), data={"closure-date": "2026-11-24", "closure-reason": "Grève",
                                                "confirm": "1"}).status_code == 400  # no CSRF token
    assert snapshot() == before


def test_closure_preview_counts_one_activity_and_distinct_families(app, ops):
    counts = settings_service.closure_preview(ops.activity.id, TUE_24)
    assert (counts.reserved, counts.waiting, counts.families, counts.unreachable) == (5, 1, 2, ())
    everything = settings_service.closure_preview(None, TUE_24)  # a commune-wide closure: the study too
    assert (everything.reserved, everything.waiting, everything.families) == (6, 1, 2)
    nothing = settings_service.closure_preview(ops.activity.id, MON_30)
    assert nothing.nothing and nothing.families == 0


# --------------------------------------------------------------------------- deleting a closure


def add_closed_tuesday(client, ops):
    client.post(closures_url(ops), data=hidden_fields(post_closure(client, ops)))
    return db.session.execute(select(Closure.id)).scalar_one()


def test_deleting_a_closure_says_the_bookings_are_not_restored_then_deletes(app, client, ops):
    closure_id = add_closed_tuesday(client, ops)
    edit = client.get(f"/gestion/activites/{ops.activity.id}")
    url = f"/gestion/activites/{ops.activity.id}/fermetures/{closure_id}/supprimer"
    assert links(edit)["Supprimer la fermeture du mardi 24 novembre 2026"] == url  # a link: GET asks first
    page = client.get(url)
    assert page.status_code == 200
    assert title_of(page).startswith("Supprimer la fermeture du mardi 24 novembre : Restauration")
    assert NOT_RESTORED in text_of(page)
    assert hidden_fields(page)["confirm"] == "1"
    assert db.session.get(Closure, closure_id) is not None

    # A POST without the confirmation (an old page, a forged form) asks too.
    unconfirmed = client.post(url, data={"csrf_token": token(client)})
    assert unconfirmed.status_code == 200 and NOT_RESTORED in text_of(unconfirmed)
    db.session.expire_all()
    assert db.session.get(Closure, closure_id) is not None

    response = client.post(url, data=hidden_fields(page))
    assert response.status_code == 302 and response.headers["Location"].endswith("#fermetures")
    db.session.expire_all()
    assert db.session.execute(select(Closure)).scalars().all() == []
    status = region(client.get(f"/gestion/activites/{ops.activity.id}"), "status")
    assert ("Fermeture du mardi 24 novembre supprimée : les familles peuvent de nouveau réserver ce jour-là. "
            "Les réservations annulées par la fermeture ne sont pas rétablies.") in status
    left = {(r.child_id, r.date) for r in db.session.execute(select(Reservation)).scalars()}
    assert (ops.ines.id, TUE_24) not in left and (ops.hugo.id, TUE_24) not in left  # not restored

    replay = client.post(url, data=hidden_fields(page))
    assert replay.status_code == 302
    assert "Cette fermeture n'est plus enregistrée (déjà supprimée)." in region(
        client.get(f"/gestion/activites/{ops.activity.id}"), "status")


def test_other_activities_and_commune_wide_closures_are_not_deleted_from_here(client, ops):
    other = Closure(activity_id=ops.study_activity.id, date=THU_26, reason="Sortie")
    commune = Closure(activity_id=None, date=FRI_27, reason="Pont")
    db.session.add_all([other, commune])
    db.session.commit()
    for closure in (other, commune):
        url = f"/gestion/activites/{ops.activity.id}/fermetures/{closure.id}/supprimer"
        assert client.get(url).status_code == 404
        assert client.post(url, data={"csrf_token": token(client), "confirm": "1"}).status_code == 404
    assert client.get(f"/gestion/activites/999999/fermetures/{other.id}/supprimer").status_code == 404
    db.session.expire_all()
    assert len(db.session.execute(select(Closure)).scalars().all()) == 2


def test_parents_and_visitors_cannot_reach_the_confirmation_pages(app, ops):
    db.session.add(Closure(activity_id=ops.activity.id, date=THU_26, reason="Grève"))
    db.session.commit()
    closure_id = db.session.execute(select(Closure.id)).scalar_one()
    url = f"/gestion/activites/{ops.activity.id}/fermetures/{closure_id}/supprimer"
    parent = app.test_client()
    page = parent.get("/connexion").get_data(as_text=True)
    parent.post("/connexion", data={"email": ops.martin_parent.email, "password": PASSWORD,
                                    "csrf_token": csrf_from(page)})
    csrf = csrf_from(parent.get("/mon-accueil").get_data(as_text=True))
    assert parent.get(url).status_code == 403
    assert parent.post(url, data={"csrf_token": csrf, "confirm": "1"}).status_code == 403
    assert parent.post(closures_url(ops), data={"csrf_token": csrf, "closure-date": "2026-11-30",
                                                "closure-reason": "x"}).status_code == 403
    assert app.test_client().get(url).status_code == 302
    db.session.expire_all()
    assert len(db.session.execute(select(Closure)).scalars().all()) == 1
