"""Actualités (#9): Markdown sanitised (script, event handlers, javascript: links refused), images with their
alternative text, publication now or later (compared with `now`), targeting by school and activity, the public
list, page and Atom feed, "Mes actualités" with unread items, and the agents' editor (preview, history, CSRF)."""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
from absences_world import tiny_pdf, tiny_png
from sqlalchemy import func, select
from support import csrf_from, enroll, main_of, outbox, text, text_of

from blueprints.news import markup, rules
from models import ContentChange, NewsItem, NewsRead, School, db

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 23 November 2026, 10:00 in Paris


# --------------------------------------------------------------------------- sanitising (pure)


class Elements(HTMLParser):
    """The elements and attributes a browser would build from some HTML (escaped text is not an element)."""

    def __init__(self, html):
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    "Bonjour <img src=x onerror=alert(1)>",
    '<a href="#" onclick="alert(1)">clic</a>',
    "[clic](javascript:alert(1))",
    "[clic](JaVaScRiPt:alert(1))",
    "[clic](java&#x73;cript:alert(1))",
    "[clic](data:text/html;base64,PHNjcmlwdD4=)",
    "![x](javascript:alert(1))",
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{display:none}</style>",
    '[x](https://example.org "titre" onmouseover="alert(1)")',
    "<svg onload=alert(1)>",
])
def test_markdown_never_lets_code_through(source):
    for tag, attrs in Elements(markup.render(source)).found:
        assert tag not in ("script", "iframe", "style", "svg", "object", "embed")
        assert not [name for name in attrs if name.startswith("on")]
        for name in ("href", "src"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript", "data", "vbscript")), value


@pytest.mark.parametrize("source, expected", [
    ("**Inscriptions** ouvertes", "<p><strong>Inscriptions</strong> ouvertes</p>"),
    ("# Titre", "<h2>Titre</h2>"),  # the page's h1 is the item's title
    ("- un\n- deux", "<li>un</li>"),
    ("[Le site](https://www.example.org)", '<a href="https://www.example.org" rel="noopener noreferrer nofollow">'),
    ("Écrire à [la mairie](mailto:enfance@example.org)", 'href="mailto:enfance@example.org"'),
    ("Œuf, café, l'été", "Œuf, café, l'été"),
])
def test_markdown_keeps_plain_content(source, expected):
    assert expected in markup.render(source)


@pytest.mark.parametrize("source, problem", [
    ("![](/actualites/1/image)", "texte de remplacement"),
    ("![Le jardin](https://ailleurs.example/jardin.png)", "sur le portail"),
    ("![Le jardin](//ailleurs.example/jardin.png)", "sur le portail"),
    ("[clic](javascript:alert(1))", "page web"),
    ("[clic]( javascript:alert(1))", "page web"),
    ("[clic](vbscript:msgbox)", "page web"),
    ("[clic](ftp://example.org/x)", "page web"),
])
def test_what_an_agent_must_fix_before_saving(app, source, problem):
    with app.test_request_context():
        assert any(problem in p for p in markup.problems(source)), markup.problems(source)


@pytest.mark.parametrize("source", [
    "Texte simple", "![Les enfants au jardin](/actualites/3/image)", "[La mairie](https://example.org)",
    "[Écrire](mailto:a@example.org)", "[Plan du site](/plan-du-site)", "x" * 10_000,
])
def test_acceptable_markdown_has_no_problem(app, source):
    with app.test_request_context():
        assert markup.problems(source) == []


# --------------------------------------------------------------------------- rules (pure)


@pytest.mark.parametrize("publish_at, shown", [
    (NOW - dt.timedelta(days=3), True), (NOW, True), (NOW + dt.timedelta(seconds=1), False),
    (NOW + dt.timedelta(days=10), False),
])
def test_an_item_shows_from_its_publication_instant(publish_at, shown):
    assert rules.published(publish_at, NOW) is shown


@pytest.mark.parametrize("audience, schools, activities, concerned", [
    (rules.Audience("all"), set(), set(), True),
    (rules.Audience("school", school_id=1), {1, 2}, set(), True),
    (rules.Audience("school", school_id=3), {1, 2}, {3}, False),
    (rules.Audience("activity", activity_id=7), {7}, set(), False),
    (rules.Audience("activity", activity_id=7), set(), {5, 7}, True),
    (rules.Audience("school", school_id=None), {1}, set(), False),
    (rules.Audience("other"), {1}, {1}, False),
])
def test_who_an_item_concerns(audience, schools, activities, concerned):
    assert rules.concerns(audience, schools, activities) is concerned


@pytest.mark.parametrize("publish_at, announced_at, due", [
    (NOW - dt.timedelta(hours=1), None, True),
    (NOW, None, True),
    (NOW + dt.timedelta(minutes=1), None, False),  # planned later: announced once published
    (NOW - dt.timedelta(hours=1), NOW - dt.timedelta(minutes=30), False),  # once only
    (NOW - dt.timedelta(days=7), None, True),
    (NOW - dt.timedelta(days=7, seconds=1), None, False),  # too old when first seen: not announced
])
def test_when_an_item_is_announced_by_e_mail(publish_at, announced_at, due):
    assert rules.to_announce(publish_at, announced_at, NOW) is due


# --------------------------------------------------------------------------- pages


@pytest.fixture
def world(app, make_family, make_agent, make_activity):
    app.config["CLOCK"] = lambda: NOW

    class World:
        pass

    w = World()
    w.app = app
    w.ferry, w.moulin = School(name="École Jules-Ferry"), School(name="École du Moulin")
    db.session.add_all([w.ferry, w.moulin])
    db.session.commit()
    w.martin, w.parent, (w.lea,) = make_family("Martin", children=("Léa",), school=w.ferry)
    w.bernard, w.other_parent, (w.chloe,) = make_family("Bernard", children=("Chloé",), school=w.moulin)
    w.leisure, _unit, period = make_activity(code="loisirs", slot="morning", label="Matin")
    enroll(w.lea, w.leisure, period)
    w.agent = make_agent()
    db.session.commit()
    return w


def add_item(title, publish_at=NOW - dt.timedelta(hours=1), audience="all", school=None, activity=None, body="Texte"):
    item = NewsItem(title=title, body=body, publish_at=publish_at, audience=audience,
                    school_id=school.id if school else None, activity_id=activity.id if activity else None)
    db.session.add(item)
    db.session.commit()
    return item


def login(client, user):
    page = client.get("/connexion")
    response = client.post("/connexion", data={"email": user.email, "password": "Un-mot-de-passe-solide-2026",
                                               "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302


def test_public_list_and_page_hide_what_is_planned_later(world, client):
    shown = add_item("Inscriptions aux vacances de Noël", body="Les **inscriptions** sont ouvertes.")
    later = add_item("Menus de janvier", publish_at=NOW + dt.timedelta(days=2))
    page = client.get("/actualites")
    assert page.status_code == 200
    assert "Inscriptions aux vacances de Noël" in text(page) and "Menus de janvier" not in text(page)
    detail = client.get(f"/actualites/{shown.id}")
    assert "<strong>inscriptions</strong>" in detail.text
    assert "Publiée le lundi 23 novembre 2026 à 9 h" in text(detail)  # 08:00 UTC is 9 h in Paris
    assert client.get(f"/actualites/{later.id}").status_code == 404
    world.app.config["CLOCK"] = lambda: NOW + dt.timedelta(days=2)
    assert client.get(f"/actualites/{later.id}").status_code == 200


def test_atom_feed_lists_published_items(world, client):
    add_item("Fermeture du 11 novembre", body="<script>alert(1)</script> Fermé")
    add_item("Pas encore", publish_at=NOW + dt.timedelta(hours=1))
    response = client.get("/actualites/flux.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    assert b"<feed" in response.data and b"Fermeture du 11 novembre" in response.data
    assert b"Pas encore" not in response.data and b"<script" not in response.data


def test_mes_actualites_are_targeted_and_unread_is_marked(world, client):
    everyone = add_item("Pour tous")
    ferry = add_item("Sortie de l'école Jules-Ferry", audience="school", school=world.ferry)
    moulin = add_item("Kermesse du Moulin", audience="school", school=world.moulin)
    leisure = add_item("Programme de l'accueil de loisirs", audience="activity", activity=world.leisure)
    login(client, world.parent)
    page = client.get("/mes-actualites")
    body = text(page)
    assert "Pour tous" in body and "Sortie de l'école Jules-Ferry" in body and "Programme de l'accueil" in body
    assert "Kermesse du Moulin" not in body
    assert "3 actualités non lues" in body and body.count("Non lue") == 3
    assert client.get(f"/mes-actualites/{moulin.id}").status_code == 404  # another school's: not for this family
    assert client.get(f"/mes-actualites/{ferry.id}").status_code == 200
    client.get(f"/mes-actualites/{ferry.id}")  # read twice: one row
    assert db.session.execute(select(func.count()).select_from(NewsRead)).scalar_one() == 1
    assert "2 actualités non lues" in text(client.get("/mes-actualites"))
    dashboard = text(client.get("/mon-accueil"))
    assert "Mes actualités" in dashboard and "Pour tous" in dashboard
    assert everyone and leisure


def test_mes_actualites_is_for_parents(world, client):
    assert client.get("/mes-actualites").status_code == 302  # to the login page
    login(client, world.agent)
    assert client.get("/mes-actualites").status_code == 403


# --------------------------------------------------------------------------- the agents' editor


def post_news(client, url="/gestion/actualites/nouvelle", image=None, **fields):
    page = client.get(url)
    data = {"csrf_token": csrf_from(page.text), "title": "Inscriptions", "body": "Texte", "when": "now",
            "audience": "all", "school_id": "0", "activity_id": "0", "image_alt": "", "action": "save"}
    data.update(fields)
    if image is not None:
        data["image"] = (io.BytesIO(image[0]), image[1])
    return client.post(url, data=data, content_type="multipart/form-data")


def field_error(response, field_id):
    match = re.search(rf'id="{field_id}-error">(.*?)</p>', response.text, re.S)
    assert match, f"no error next to #{field_id}"
    return text_of(match.group(1)).removeprefix("Erreur : ")


def count_items():
    return db.session.execute(select(func.count()).select_from(NewsItem)).scalar_one()


def test_agent_publishes_now_with_a_picture_and_its_alternative_text(world, client):
    login(client, world.agent)
    response = post_news(client, title="Le jardin partagé", image=(tiny_png(), "jardin.png"),
                         image_alt="Les enfants arrosent les tomates")
    assert response.status_code == 302
    item = db.session.execute(select(NewsItem)).scalar_one()
    assert item.publish_at == NOW and item.image_type == "image/png"
    visitor = world.app.test_client()
    public = visitor.get(f"/actualites/{item.id}")
    assert 'alt="Les enfants arrosent les tomates"' in public.text
    assert visitor.get(f"/actualites/{item.id}/image").data == tiny_png()
    change = db.session.execute(select(ContentChange)).scalar_one()
    assert (change.kind, change.action, change.user_id, change.target) == ("news", "created", world.agent.id,
                                                                           "Le jardin partagé")


@pytest.mark.parametrize("fields, image, field_id, message", [
    ({"image_alt": ""}, (tiny_png(), "a.png"), "image_alt", "Décrivez l'image"),
    ({"image_alt": "Un PDF"}, (tiny_pdf(), "a.pdf"), "image", "JPEG ou PNG"),
    ({"image_alt": "Du texte"}, (b"<script>alert(1)</script>", "a.png"), "image", "n'est pas un PDF"),
    ({"body": "[clic](javascript:alert(1))"}, None, "body", "page web"),
    ({"body": "![](/actualites/1/image)"}, None, "body", "texte de remplacement"),
    ({"title": ""}, None, "title", "Saisissez le titre"),
    ({"title": "T" * 10_000}, None, "title", "150 caractères"),
    ({"when": "later"}, None, "publish_day", "Saisissez la date"),
    ({"when": "later", "publish_day": "31/02/2026", "publish_time": "08:00"}, None, "publish_day", "date valide"),
    ({"audience": "school"}, None, "school_id", "Choisissez l'école"),
    ({"audience": "school", "school_id": "999999"}, None, "school_id", "Choisissez une valeur"),
    ({"audience": "activity", "activity_id": "abc"}, None, "activity_id", "Choisissez une valeur"),
])
def test_agent_form_refuses_bad_input_and_saves_nothing(world, client, fields, image, field_id, message):
    login(client, world.agent)
    response = post_news(client, image=image, **fields)
    assert response.status_code == 200
    assert message in field_error(response, field_id)
    assert text(response).count(message) >= 2  # next to the field and in the error summary
    assert count_items() == 0


def test_agent_plans_an_item_for_later_and_a_school(world, client):
    login(client, world.agent)
    response = post_news(client, title="Photo de classe", when="later", publish_day="01/12/2026",
                         publish_time="07:30", audience="school", school_id=str(world.ferry.id))
    assert response.status_code == 302
    item = db.session.execute(select(NewsItem)).scalar_one()
    assert item.publish_at == dt.datetime(2026, 12, 1, 6, 30, tzinfo=UTC)  # 7 h 30 in Paris (winter time)
    assert (item.audience, item.school_id) == ("school", world.ferry.id)
    assert "Programmée" in text(client.get("/gestion/actualites"))
    assert client.get(f"/actualites/{item.id}").status_code == 404


def test_preview_saves_nothing(world, client):
    login(client, world.agent)
    response = post_news(client, body="Un **aperçu** <script>x</script>", action="preview")
    assert response.status_code == 200
    assert "<strong>aperçu</strong>" in main_of(response) and "<script>x" not in response.text
    assert count_items() == 0


def test_edit_and_delete_are_recorded(world, client):
    item = add_item("Ancien titre")
    login(client, world.agent)
    assert post_news(client, url=f"/gestion/actualites/{item.id}", title="Nouveau titre").status_code == 302
    page = client.get(f"/gestion/actualites/{item.id}/supprimer")
    assert client.post(f"/gestion/actualites/{item.id}/supprimer",
                       data={"csrf_token": csrf_from(page.text)}).status_code == 302
    assert count_items() == 0
    history = text(client.get("/gestion/contenus/historique"))
    assert "modification, Actualité « Nouveau titre »" in history
    assert "suppression, Actualité « Nouveau titre »" in history and "Ancien titre" in history


def test_editor_is_for_agents_and_needs_csrf(world, client):
    item = add_item("Titre")
    login(client, world.parent)
    assert client.get("/gestion/actualites").status_code == 403
    client = world.app.test_client()
    login(client, world.agent)
    assert client.post(f"/gestion/actualites/{item.id}/supprimer").status_code == 400
    assert count_items() == 1


def test_a_planned_item_and_its_picture_stay_hidden_until_published(world, client):
    login(client, world.agent)
    post_news(client, title="Bientôt", when="later", publish_day="01/12/2026", publish_time="08:00",
              image=(tiny_png(), "a.png"), image_alt="Une affiche")
    item = db.session.execute(select(NewsItem)).scalar_one()
    assert client.get(f"/actualites/{item.id}/image").status_code == 200  # the agent's preview
    visitor = world.app.test_client()
    assert visitor.get(f"/actualites/{item.id}/image").status_code == 404
    family = world.app.test_client()
    login(family, world.parent)
    assert "Bientôt" not in text(family.get("/mes-actualites"))
    assert family.get(f"/mes-actualites/{item.id}").status_code == 404
    world.app.config["CLOCK"] = lambda: dt.datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # 8 h in Paris
    assert visitor.get(f"/actualites/{item.id}/image").status_code == 200
    assert family.get(f"/mes-actualites/{item.id}").status_code == 200


# --------------------------------------------------------------------------- e-mails


def news_mails(app):
    return [(m["To"], m["Subject"]) for m in outbox(app) if "Actualité du service Enfance" in m["Subject"]]


def test_published_items_are_announced_once_to_the_families_concerned(world):
    from blueprints.news import service

    add_item("Inscriptions de l'été ouvertes")  # everybody
    add_item("Sortie à l'école Jules-Ferry", audience="school", school=world.ferry)  # Martin only
    add_item("Programme du centre", audience="activity", activity=world.leisure)  # Léa is enrolled: Martin
    add_item("Plus tard", publish_at=NOW + dt.timedelta(days=2))
    with world.app.test_request_context():
        assert service.announce_due(NOW, NOW.date()) == (3, 4)
        assert service.announce_due(NOW, NOW.date()) == (0, 0)  # once only
    got = news_mails(world.app)
    assert sorted(to for to, _subject in got) == sorted([world.parent.email] * 3 + [world.other_parent.email])
    assert ("Actualité du service Enfance : Sortie à l'école Jules-Ferry" in [subject for _to, subject in got])
    body = outbox(world.app)[0].get_body().get_content()
    assert "/mes-actualites/" in body and "Texte" not in body  # a link, never the text
    later = NOW + dt.timedelta(days=2, hours=1)
    with world.app.test_request_context():
        assert service.announce_due(later, later.date()) == (1, 2)


def test_families_who_turned_news_off_get_none(world):
    from blueprints.news import service
    from models import NotificationPreference

    db.session.add(NotificationPreference(user_id=world.other_parent.id, kind="news", enabled=False))
    add_item("Fermeture exceptionnelle")
    with world.app.test_request_context():
        assert service.announce_due(NOW, NOW.date()) == (1, 1)
    assert [to for to, _subject in news_mails(world.app)] == [world.parent.email]


def test_reminders_command_announces_the_news(world):
    add_item("Inscriptions de l'été ouvertes")
    result = world.app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "Actualités annoncées : 1 (2 e-mail(s))" in result.output

