"""Menus de la restauration scolaire (#9): allergy matching (table-driven, pure), the CSV (UTF-8 and Windows-1252,
`;`, every error with its line, all or nothing), the public week of a school, the agents' editor and history."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select
from support import csrf_from, main_of, text, text_of

from blueprints.menus import rules
from models import ContentChange, MenuDish, School, db

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 23 November 2026
MONDAY = dt.date(2026, 11, 23)
D1, D2 = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


# --------------------------------------------------------------------------- allergy matching (pure)


@pytest.mark.parametrize("declared, expected", [
    ("", set()),
    ("Aucune", set()),
    ("arachide", {"peanuts"}),
    ("Allergie aux cacahuètes (PAI)", {"peanuts"}),
    ("CACAHOUETES", {"peanuts"}),
    ("œufs et lait", {"eggs", "milk"}),
    ("oeuf", {"eggs"}),
    ("intolérance au lactose", {"milk"}),
    ("APLV", set()),  # an abbreviation glued to a letter is not guessed
    ("PLV", {"milk"}),
    ("fruits à coque, noisettes", {"nuts"}),
    ("noix de cajou", {"nuts"}),
    ("kiwi", set()),  # not one of the 14 regulatory allergens: no menu says it
    ("Blé ; sésame", {"gluten", "sesame"}),
    ("crevettes", {"crustaceans"}),
    ("moules", {"molluscs"}),
    ("céleri-rave", {"celery"}),
    ("lupin", {"lupin"}),
    ("sulfites", {"sulphites"}),
    ("soja", {"soy"}),
    ("moutarde", {"mustard"}),
    ("poisson", {"fish"}),
    ("lait d'amande", {"milk", "nuts"}),
    ("tablette", set()),  # "lait" inside another word is not milk
    ("glutenfree", set()),
])
def test_declared_allergies_are_read_as_regulatory_allergens(declared, expected):
    assert rules.allergens_in_text(declared) == expected


@pytest.mark.parametrize("child, dishes, warned", [
    ({"peanuts"}, [{"peanuts", "milk"}, set()], ["peanuts"]),
    ({"peanuts"}, [{"milk"}, {"gluten"}], []),
    ({"milk", "eggs"}, [{"milk"}, {"eggs", "gluten"}], ["eggs", "milk"]),  # the regulation's order
    (set(), [{"milk"}], []),
    ({"milk"}, [], []),  # no menu that day: nothing to say
])
def test_menu_warning(child, dishes, warned):
    assert rules.menu_warning(child, dishes) == warned


# --------------------------------------------------------------------------- CSV (pure)

CSV = ("date;ecole;type;plat;allergenes;labels\n"
       "23/11/2026;École Jules-Ferry;entrée;Carottes râpées;moutarde;bio, local\n"
       "2026-11-23;École Jules-Ferry;plat;Poisson pané;poisson, gluten, œufs;\n"
       "23/11/2026;École Jules-Ferry;dessert;Crème à la pistache;lait, fruits à coque;végétarien\n"
       "\n"
       "24/11/2026;École Jules-Ferry;accompagnement;Riz;aucun;\n")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_in_utf8_or_windows_1252(encoding):
    result = rules.parse_csv(rules.decode(CSV.encode(encoding)), D1, D2)
    assert result.errors == []
    assert [(d.day, d.course, d.name) for d in result.dishes][:2] == [
        (MONDAY, "starter", "Carottes râpées"), (MONDAY, "main", "Poisson pané")]
    assert result.dishes[1].allergens == {"fish", "gluten", "eggs"}
    assert result.dishes[0].labels == {"organic", "local"}
    assert result.dishes[2].allergens == {"milk", "nuts"} and result.dishes[2].labels == {"vegetarian"}
    assert result.dishes[3].allergens == set()


@pytest.mark.parametrize("line, code", [
    ("31/02/2026;École;plat;Riz;;", "date"),
    ("23/11/1899;École;plat;Riz;;", "date"),
    ("23/11/2026;;plat;Riz;;", "school"),
    ("23/11/2026;École;plat;;;", "name"),
    ("23/11/2026;École;plat;" + "x" * 151 + ";;", "name"),
    ("23/11/2026;École;boisson;Riz;;", "course"),
    ("23/11/2026;École;plat;Riz;kiwi;", "allergen:kiwi"),
    ("23/11/2026;École;plat;Riz;;halal", "label:halal"),
])
def test_csv_errors_say_their_line(line, code):
    result = rules.parse_csv("date;ecole;type;plat;allergenes;labels\n" + line + "\n", D1, D2)
    assert result.errors == [(2, code)] and result.dishes == []


def test_csv_without_its_header_is_refused():
    assert rules.parse_csv("23/11/2026;École;plat;Riz;;\n", D1, D2).errors == [(1, "header")]
    assert rules.parse_csv("", D1, D2).errors == [(1, "empty")]


# --------------------------------------------------------------------------- pages


@pytest.fixture
def world(app, make_agent, make_family):
    app.config["CLOCK"] = lambda: NOW

    class World:
        pass

    w = World()
    w.app = app
    w.ferry, w.moulin = School(name="École Jules-Ferry"), School(name="École du Moulin")
    db.session.add_all([w.ferry, w.moulin])
    db.session.commit()
    w.agent = make_agent()
    _f, w.parent, _c = make_family()
    return w


def login(client, user):
    page = client.get("/connexion")
    assert client.post("/connexion", data={"email": user.email, "password": "Un-mot-de-passe-solide-2026",
                                           "csrf_token": csrf_from(page.text)}).status_code == 302


def dish_count():
    return db.session.execute(select(func.count()).select_from(MenuDish)).scalar_one()


def import_csv(client, data: bytes, name="menus.csv"):
    page = client.get("/gestion/menus")
    return client.post("/gestion/menus/import", data={"csrf_token": csrf_from(page.text),
                                                      "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_import_then_read_the_week_as_the_public(world, client):
    login(client, world.agent)
    response = import_csv(client, CSV.encode("cp1252"))
    assert response.status_code == 302, text(response)
    assert dish_count() == 4
    change = db.session.execute(select(ContentChange)).scalar_one()
    assert (change.kind, change.action, change.user_id) == ("menu", "imported", world.agent.id)
    visitor = world.app.test_client()
    page = visitor.get(f"/menus/{world.ferry.id}")
    assert page.status_code == 200
    body = text_of(page)
    assert "Semaine du lundi 23 novembre au vendredi 27 novembre 2026" in body
    assert "Carottes râpées (bio, local)" in body and "Poisson pané gluten, œufs, poisson" in body
    assert "Menu du lundi 23 novembre 2026" in page.text  # each day's table has a caption
    assert 'scope="col"' in page.text and 'scope="row"' in page.text
    assert "Pas de menu publié ce jour-là." in body  # Wednesday
    assert "Le menu de cette semaine n'est pas encore publié." in text_of(visitor.get(f"/menus/{world.moulin.id}"))
    assert visitor.get("/menus").status_code == 200 and "École du Moulin" in text(visitor.get("/menus"))


def test_an_import_replaces_the_days_it_names(world, client):
    login(client, world.agent)
    import_csv(client, CSV.encode())
    again = "date;ecole;type;plat;allergenes;labels\n23/11/2026;ECOLE JULES-FERRY;plat;Lasagnes;gluten, lait;\n"
    assert import_csv(client, again.encode()).status_code == 302
    names = db.session.execute(select(MenuDish.name).order_by(MenuDish.day)).scalars().all()
    assert names == ["Lasagnes", "Riz"]  # Monday replaced, Tuesday kept


@pytest.mark.parametrize("data, message", [
    ((CSV + "25/11/2026;École inconnue;plat;Riz;;\n").encode(), "Ligne 7 : école inconnue : « École inconnue »"),
    ((CSV + "25/11/2026;École Jules-Ferry;plat;Riz;kiwi;\n").encode(), "Ligne 7 : allergène inconnu : « kiwi »"),
    (b"%PDF-1.4 not a csv", "Ce n'est pas un fichier CSV"),
    (b"", "Le fichier est vide"),
    (b"plat;date\nRiz;23/11/2026\n", "Ligne 1 : la première ligne doit être"),
])
def test_a_bad_file_saves_nothing_and_says_why(world, client, data, message):
    login(client, world.agent)
    response = import_csv(client, data)
    assert response.status_code == 200
    assert message in text_of(response)
    assert dish_count() == 0
    assert "<title>Erreur : " in response.text


def test_agent_adds_and_removes_a_dish(world, client):
    login(client, world.agent)
    url = f"/gestion/menus/{world.ferry.id}/semaine/{MONDAY.isoformat()}"
    page = client.get(url)
    response = client.post(url, data={"csrf_token": csrf_from(page.text), "day": "24/11/2026", "course": "main",
                                      "name": "Œufs brouillés à l'estragon", "allergens": ["eggs", "milk"],
                                      "labels": ["organic"]})
    assert response.status_code == 302
    dish = db.session.execute(select(MenuDish)).scalar_one()
    assert (dish.day, dish.allergens, dish.labels) == (dt.date(2026, 11, 24), "eggs,milk", "organic")
    page = client.get(url)
    assert "Œufs brouillés à l'estragon (bio)" in text_of(page)
    response = client.post(f"/gestion/menus/plats/{dish.id}/supprimer", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 302 and dish_count() == 0
    actions = db.session.execute(select(ContentChange.action).order_by(ContentChange.id)).scalars().all()
    assert actions == ["created", "deleted"]


@pytest.mark.parametrize("fields, message", [
    ({"name": ""}, "Saisissez le nom du plat"),
    ({"name": "x" * 10_000}, "150 caractères"),
    ({"allergens": ["poison"]}, "Choisissez une valeur"),
    ({"course": "boisson"}, "Choisissez une valeur"),
    ({"day": "2026-13-45"}, "date valide"),
])
def test_dish_form_refuses_bad_input(world, client, fields, message):
    login(client, world.agent)
    url = f"/gestion/menus/{world.ferry.id}/semaine/{MONDAY.isoformat()}"
    data = {"csrf_token": csrf_from(client.get(url).text), "day": "24/11/2026", "course": "main", "name": "Riz"}
    data.update(fields)
    response = client.post(url, data=data)
    assert response.status_code == 200 and message in main_of(response)
    assert dish_count() == 0


def test_menus_editor_is_for_agents_and_bad_addresses_are_404(world, client):
    visitor = world.app.test_client()
    assert visitor.get("/menus/999999").status_code == 404
    assert visitor.get(f"/menus/{world.ferry.id}/semaine/2026-02-30").status_code == 404
    assert visitor.get(f"/menus/{world.ferry.id}/semaine/1850-01-01").status_code == 404
    assert visitor.get("/gestion/menus").status_code == 302
    login(client, world.parent)
    assert client.get("/gestion/menus").status_code == 403
    agent = world.app.test_client()
    login(agent, world.agent)
    dish = MenuDish(school_id=world.ferry.id, day=MONDAY, course="main", name="Riz")
    db.session.add(dish)
    db.session.commit()
    assert agent.post(f"/gestion/menus/plats/{dish.id}/supprimer").status_code == 400
    assert dish_count() == 1
