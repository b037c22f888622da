"""Back office: access, family search (page and htmx fragment), family page, invitations, demo outbox."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from support import csrf_from, link_in, outbox, text

from models import User, db


def result_names(response) -> list[str]:
    """The family names listed in the results table, in order."""
    block = re.search(r'<div id="results">.*', response.get_data(as_text=True), re.DOTALL).group(0)
    return [
        html.unescape(n)
        for n in re.findall(r'<th scope="row"><a href="/gestion/familles/\d+">Famille (.*?)</a>', block)
    ]


@pytest.fixture
def agent(client, make_agent, login_as):
    user = make_agent()
    assert login_as(user).status_code == 302
    return user


def invite_buttons(page) -> list[tuple[str, str]]:
    """(form action, button text) of each invitation button on a back-office family page."""
    body = page.get_data(as_text=True)
    return [
        (action, html.unescape(label).strip())
        for action, label in re.findall(
            r'<form method="post" action="(/gestion/familles/\d+/inviter/\d+)">.*?<button[^>]*>(.*?)<span',
            body,
            re.DOTALL,
        )
    ]


def click_invite(client, family_id):
    page = client.get(f"/gestion/familles/{family_id}")
    [(action, _)] = invite_buttons(page)
    return client.post(action, data={"csrf_token": csrf_from(page.text)}, follow_redirects=True)


# --------------------------------------------------------------------------- access


BACKOFFICE_PAGES = ["/gestion/", "/gestion/familles", "/gestion/familles/{family}", "/gestion/boite-envoi"]


@pytest.mark.parametrize("url", BACKOFFICE_PAGES)
def test_a_parent_is_refused_the_back_office(app, client, make_family, login_as, url):
    app.config["DEMO"] = True  # even the demo outbox
    fam, user, _ = make_family()
    login_as(user)
    response = client.get(url.format(family=fam.id))
    assert response.status_code == 403
    assert "Accès refusé" in text(response)


@pytest.mark.parametrize("url", BACKOFFICE_PAGES)
def test_an_anonymous_visitor_is_sent_to_login(client, make_family, url):
    fam, _, _ = make_family()
    path = url.format(family=fam.id)
    response = client.get(path)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/connexion" and parse_qs(location.query)["next"] == [path]


def test_a_parent_cannot_send_invitations(client, make_family, login_as):
    _fam, user, _ = make_family(password=True)
    other, _, _ = make_family(name="Bernard")
    login_as(user)
    page = client.get("/mon-accueil")
    guardian = other.guardians[0]
    response = client.post(
        f"/gestion/familles/{other.id}/inviter/{guardian.id}", data={"csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 403


def test_agent_home_counts_families_and_pending_accounts(client, agent, make_family):
    make_family(children=("Léa", "Hugo"))
    make_family(name="Bernard", password=False)
    page = text(client.get("/gestion/"))
    assert "2 familles, 3 enfants." in page
    assert "1 compte en attente d'activation." in page


# --------------------------------------------------------------------------- search


@pytest.fixture
def families(make_family):
    """Four families whose names exercise the search."""
    made = {}
    made["ndiaye"], _, _ = make_family(name="N'Diaye", children=("Aminata",), email="a.ndiaye@example.org")
    made["lefevre"], _, _ = make_family(name="Lefèvre", children=("Zoé", "Maël"), email="famille.lefevre@example.org")
    made["martin"], _, _ = make_family(name="Martin", children=("Léa",), email="camille.martin@example.org")
    made["oeuvray"], _, _ = make_family(name="Œuvray", children=("Hugo",), email="oeuvray@example.org")
    return made


SEARCHES = [
    ("", ["Lefèvre", "Martin", "N'Diaye", "Œuvray"]),
    ("Martin", ["Martin"]),
    ("martin", ["Martin"]),
    ("N'Diaye", ["N'Diaye"]),
    ("n’diaye", ["N'Diaye"]),  # typographic apostrophe, as phones type it
    ("Lefèvre", ["Lefèvre"]),
    ("LEFÈVRE", ["Lefèvre"]),
    ("lefevre", ["Lefèvre"]),  # without the accent
    ("Zoé", ["Lefèvre"]),  # a child's first name
    ("zoe", ["Lefèvre"]),
    ("Maël", ["Lefèvre"]),
    ("Aminata", ["N'Diaye"]),
    ("oeuvray", ["Œuvray"]),
    ("Œuvray", ["Œuvray"]),
    ("camille.martin@example", ["Martin"]),  # an e-mail address
    ("CAMILLE.MARTIN@EXAMPLE.ORG", ["Martin"]),
    ("Camille Lefèvre", ["Lefèvre"]),  # first and last name together
    ("Léa Lefèvre", []),
    ("%", []),  # no wildcard: a literal percent sign
    ("_", []),
    ("Dupont", []),
]


def test_search_finds_families_by_name_first_name_and_email(client, agent, families):
    """One table of what an agent types and the families listed (one app for all of them: the suite stays fast)."""
    wrong = {}
    for q, expected in SEARCHES:
        response = client.get("/gestion/familles", query_string={"q": q})
        assert response.status_code == 200
        found = sorted(result_names(response))
        count = (
            f"Aucune famille ne correspond à « {q} »."
            if not expected
            else f"{len(expected)} famille trouvée"
            if len(expected) == 1
            else f"{len(expected)} familles trouvées"
        )
        if found != sorted(expected) or count not in text(response):
            wrong[q] = found
    assert wrong == {}


def test_search_by_dossier_number(client, agent, families):
    dossier = families["martin"].dossier_number
    for typed in (dossier, dossier.lower()):
        assert result_names(client.get("/gestion/familles", query_string={"q": typed})) == ["Martin"]


def test_search_by_the_email_of_a_login(client, agent, families):
    """A parent whose login differs from the address on the file is found by the login's address."""
    martin = families["martin"]
    login = db.session.execute(db.select(User).where(User.family_id == martin.id)).scalar_one()
    login.email = "autre.adresse@example.net"
    db.session.commit()
    assert result_names(client.get("/gestion/familles", query_string={"q": "autre.adresse"})) == ["Martin"]


def test_search_results_are_a_fragment_for_htmx(client, agent, families):
    full = client.get("/gestion/familles", query_string={"q": "lefevre"})
    partial = client.get("/gestion/familles", query_string={"q": "lefevre"}, headers={"HX-Request": "true"})
    assert full.status_code == partial.status_code == 200
    body = partial.get_data(as_text=True).strip()
    assert body.startswith('<div id="results">') and body.endswith("</div>")
    assert "<html" not in body and 'role="search"' not in body and "<title>" not in body
    assert result_names(partial) == result_names(full) == ["Lefèvre"]
    assert "HX-Request" in partial.headers.get("Vary", "")
    assert "HX-Request" in full.headers.get("Vary", "")
    page = full.get_data(as_text=True)
    assert "<html" in page and 'role="search"' in page and '<div id="results">' in page
    # the same search works without JavaScript: a GET form with the same URL
    assert 'method="get" action="/gestion/familles"' in page


def test_a_boosted_or_history_request_gets_the_whole_page(client, agent, families):
    for extra in ({"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}):
        body = client.get("/gestion/familles", headers={"HX-Request": "true", **extra}).get_data(as_text=True)
        assert "<html" in body


def test_search_query_is_shown_back_as_text(client, agent, families):
    q = '"><script>alert(1)</script>'
    body = client.get("/gestion/familles", query_string={"q": q}).get_data(as_text=True)
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    title = html.unescape(re.search(r"<title>(.*?)</title>", body, re.DOTALL).group(1))
    assert q in title


def test_a_very_long_query_is_cut_not_refused(client, agent, families):
    response = client.get("/gestion/familles", query_string={"q": "Martin" + " " * 200 + "x" * 300})
    assert response.status_code == 200
    assert result_names(response) == ["Martin"]  # only the first 100 characters count


def test_family_names_with_markup_are_escaped_in_the_list(client, agent, make_family):
    make_family(name='<img src=x onerror="alert(1)">', children=("<b>Léa</b>",))
    body = client.get("/gestion/familles").get_data(as_text=True)
    assert "<img src=x" not in body and "<b>Léa</b>" not in body
    assert "&lt;img src=x" in body and "&lt;b&gt;Léa&lt;/b&gt;" in body


# --------------------------------------------------------------------------- family page and invitations


def test_family_page_shows_members_and_account_state(client, agent, make_family, school):
    fam, user, (_lea,) = make_family(name="N'Diaye", children=("Léa",), school=school)
    fam.quotient_familial = 812
    db.session.commit()
    page = client.get(f"/gestion/familles/{fam.id}")
    shown = text(page)
    assert "<h1>Famille N'Diaye</h1>" in shown
    assert fam.dossier_number in shown and "812" in shown
    assert "Camille N'Diaye" in shown and user.email in shown
    assert "Compte : activé" in " ".join(shown.split())
    assert "Léa N'Diaye" in shown and school.name in shown
    assert invite_buttons(page) == []  # an activated account needs no invitation


def test_missing_family_is_404(client, agent):
    assert client.get("/gestion/familles/999999").status_code == 404


def test_inviting_the_family_creates_the_account_and_mails_the_link(app, client, agent, make_family):
    fam, user, _ = make_family(name="Lefèvre")
    email = user.email
    db.session.delete(user)
    db.session.commit()
    page = client.get(f"/gestion/familles/{fam.id}")
    assert "pas encore invité" in text(page)
    assert [label for _, label in invite_buttons(page)] == ["Inviter la famille"]

    response = click_invite(client, fam.id)
    assert f"Invitation envoyée à {email} (lien valable 24 heures)." in text(response)
    assert "invitation envoyée, en attente d'activation" in text(response)
    assert [label for _, label in invite_buttons(response)] == ["Renvoyer l'invitation"]

    account = db.session.execute(db.select(User).where(User.email == email)).scalar_one()
    guardian = fam.guardians[0]
    assert (account.role, account.family_id, account.person_id, account.password_hash) == (
        "parent",
        fam.id,
        guardian.id,
        None,
    )
    assert account.display_name == "Camille Lefèvre"
    [message] = outbox(app)
    assert message["To"] == email
    assert "Bonjour Camille Lefèvre," in message.get_content()
    assert link_in(message).startswith("/activer/")


def test_resending_the_invitation_keeps_one_account(app, client, agent, make_family):
    fam, _user, _ = make_family(password=False)
    response = click_invite(client, fam.id)
    assert "Invitation envoyée" in text(response)
    click_invite(client, fam.id)
    assert db.session.scalar(db.select(db.func.count()).select_from(User).where(User.family_id == fam.id)) == 1
    assert len(outbox(app)) == 2


def test_invitation_needs_an_email_address(app, client, agent, make_family):
    fam, user, _ = make_family()
    db.session.delete(user)
    guardian = fam.guardians[0]
    guardian.email = ""
    db.session.commit()
    page = client.get(f"/gestion/familles/{fam.id}")
    assert invite_buttons(page) == []  # no button without an address
    response = client.post(
        f"/gestion/familles/{fam.id}/inviter/{guardian.id}",
        data={"csrf_token": csrf_from(page.text)},
        follow_redirects=True,
    )
    assert "n'a pas d'adresse e-mail" in text(response)
    assert db.session.scalar(db.select(db.func.count()).select_from(User).where(User.role == "parent")) == 0
    assert outbox(app) == []


def test_invitation_refuses_an_address_used_by_another_account(app, client, agent, make_family):
    _, other_user, _ = make_family(name="Bernard")
    fam, user, _ = make_family(name="Martin")
    db.session.delete(user)
    fam.guardians[0].email = other_user.email.upper()
    db.session.commit()
    response = click_invite(client, fam.id)
    assert "est déjà utilisée par un autre compte" in text(response)
    assert outbox(app) == []


def test_invitation_is_only_for_a_guardian_of_this_family(client, agent, make_family):
    fam, _, (child,) = make_family()
    other, _, _ = make_family(name="Bernard")
    page = client.get(f"/gestion/familles/{fam.id}")
    token = csrf_from(page.text)
    assert client.post(f"/gestion/familles/{fam.id}/inviter/{child.id}", data={"csrf_token": token}).status_code == 404
    stranger = other.guardians[0].id
    assert client.post(f"/gestion/familles/{fam.id}/inviter/{stranger}", data={"csrf_token": token}).status_code == 404


def test_an_already_activated_account_is_not_invited_again(app, client, agent, make_family):
    fam, _, _ = make_family(password=True)
    guardian = fam.guardians[0]
    page = client.get(f"/gestion/familles/{fam.id}")
    response = client.post(
        f"/gestion/familles/{fam.id}/inviter/{guardian.id}",
        data={"csrf_token": csrf_from(page.text)},
        follow_redirects=True,
    )
    assert "a déjà activé son compte" in text(response)
    assert outbox(app) == []


# --------------------------------------------------------------------------- demo outbox


def test_demo_outbox_lets_agents_read_the_mails(app, client, agent, make_family):
    app.config["DEMO"] = True
    fam, user, _ = make_family(password=False)
    click_invite(client, fam.id)
    home = client.get("/gestion/")
    assert 'href="/gestion/boite-envoi"' in home.get_data(as_text=True)
    listing = client.get("/gestion/boite-envoi")
    assert listing.status_code == 200
    shown = text(listing)
    assert "Activez votre espace sur le portail familles" in shown and user.email in shown
    message_url = re.search(r'href="(/gestion/boite-envoi/[^"]+)"', listing.get_data(as_text=True)).group(1)
    message = client.get(message_url)
    assert message.status_code == 200
    link = re.search(r'<a href="http://localhost(/activer/[^"]+)">', message.get_data(as_text=True)).group(1)
    assert link == link_in(outbox(app)[0])
    parent = app.test_client()
    assert parent.get(link).status_code == 200


def test_demo_outbox_does_not_exist_outside_demo_mode(app, client, agent, make_family):
    app.config["DEMO"] = False
    fam, _, _ = make_family(password=False)
    click_invite(client, fam.id)
    assert len(outbox(app)) == 1
    assert "boite-envoi" not in client.get("/gestion/").get_data(as_text=True)
    assert client.get("/gestion/boite-envoi").status_code == 404
    [eml] = Path(app.instance_path, "outbox").glob("*.eml")
    assert client.get(f"/gestion/boite-envoi/{eml.stem}").status_code == 404
    app.config["DEMO"] = True
    assert client.get(f"/gestion/boite-envoi/{eml.stem}").status_code == 200  # the same URL, in demo mode


@pytest.mark.parametrize("name", ["..%2Fsecret_key", "nope", "a.b"])
def test_demo_outbox_only_opens_its_own_messages(app, client, agent, name):
    app.config["DEMO"] = True
    assert client.get(f"/gestion/boite-envoi/{name}").status_code == 404


def test_demo_outbox_empty(app, client, agent):
    app.config["DEMO"] = True
    assert "Aucun e-mail pour le moment." in text(client.get("/gestion/boite-envoi"))


def test_the_results_count_is_announced_only_after_an_htmx_refresh(client, agent, families):
    """The view tells the template whether the request is partial (blueprints/htmx.py decides); the page itself
    shows the count once, in the results."""
    partial = client.get("/gestion/familles", query_string={"q": "lefevre"}, headers={"HX-Request": "true"})
    assert re.search(
        r'<div id="status" hx-swap-oob="innerHTML"><p class="visually-hidden">1 famille trouvée</p>',
        partial.get_data(as_text=True),
    )
    for extra in ({}, {"HX-Request": "true", "HX-Boosted": "true"}):
        full = client.get("/gestion/familles", query_string={"q": "lefevre"}, headers=extra).get_data(as_text=True)
        assert 'hx-swap-oob="innerHTML"><p class="visually-hidden">' not in full


def test_only_the_htmx_module_reads_hx_headers():
    """ARCHITECTURE.md: templates and views get a flag from blueprints/htmx.py, they never read HX-* themselves."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readers = [
        str(path.relative_to(root))
        for pattern in ("blueprints/**/*.py", "templates/**/*.html", "*.py")
        for path in root.glob(pattern)
        if path.name != "htmx.py"
        and re.search(r"request\.htmx|request\.headers\.get\(\s*[\"']HX-", path.read_text(encoding="utf-8"))
    ]
    assert readers == []


def test_family_page_costs_the_same_queries_for_one_child_or_four(client, agent, make_family, make_activity):
    """Each child's school and enrolments (activity names) come with the family: no query per child."""
    from sqlalchemy import event

    from models import Enrollment, School

    costs = []
    for n in (1, 4):
        fam, _, kids = make_family(name=f"Famille{n}", children=tuple(f"Enfant{i}" for i in range(n)))
        activities = [make_activity(code=f"activite{n}{i}") for i in range(n)]
        for i, kid in enumerate(kids):
            kid.school = School(name=f"École {n}-{i}")
            db.session.add_all(Enrollment(child_id=kid.id, activity_id=a.id, period_id=p.id) for a, _u, p in activities)
        db.session.commit()
        url = f"/gestion/familles/{fam.id}"
        page = text(client.get(url))  # also the warm-up
        assert all(f"École {n}-{i}" in page for i in range(n)) and page.count(f"Activite{n}3") == (4 if n == 4 else 0)
        seen = []

        def count(conn, cursor, statement, *args):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        costs.append(len(seen))
    assert costs[0] == costs[1], costs
