"""Agents' roles: every back-office route declares the roles allowed (blueprints/roles.py), and the
guard enforces it on the server: each role gets 403 exactly where the map says so, on every registered route."""

from __future__ import annotations

import re

import pytest
from support import csrf_from, main_of, text_of

from blueprints import roles
from models import AgentSite, School, User, db

ROLE_ACCOUNTS = ("admin", "direction", "site", "regie", "accueil")
NAMED = {"day": "2026-11-23", "monday": "2026-11-23", "name": "absent.eml", "kind": "enfants", "month": "2026-11",
         "due": "2026-12-05", "batch": "0123456789abcdef"}


def backoffice_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/gestion"):
            yield rule


def sample_url(rule) -> str:
    """The rule's path with a value of the right shape for each variable (ids that exist nowhere)."""
    def value(match):
        name = match[1]
        return NAMED.get(name) or ("2026-11" if name == "ym" else "999999" if name.endswith("id") else "x")
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", value, rule.rule)


@pytest.fixture
def role_users(app, make_agent):
    school = School(name="École du Centre")
    db.session.add(school)
    db.session.flush()
    users = {}
    for role in ROLE_ACCOUNTS:
        user = make_agent(f"{role}@example.org", role="admin" if role == "admin" else "agent")
        user.agent_role = None if role == "admin" else role
        users[role] = user
    db.session.add(AgentSite(user_id=users["site"].id, school_id=school.id))
    db.session.commit()
    return users


def test_every_back_office_route_is_in_the_map_and_the_map_has_no_stale_entry(app):
    endpoints = {rule.endpoint for rule in backoffice_routes(app)}
    assert endpoints, "no back-office route found"
    missing = sorted(endpoints - set(roles.ACCESS))
    assert not missing, f"back-office routes without roles in roles.ACCESS: {missing}"
    assert not sorted(set(roles.ACCESS) - endpoints), "roles.ACCESS names routes that do not exist"


@pytest.mark.parametrize("role", ROLE_ACCOUNTS)
def test_each_role_gets_403_exactly_where_the_map_says(app, client, login_as, role_users, role):
    login_as(role_users[role])
    token = csrf_from(client.get("/gestion/securite").text)
    wrong = []
    for rule in backoffice_routes(app):
        url = sample_url(rule)
        expected_forbidden = role not in roles.ACCESS[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "POST":
                response = client.post(url, data={"csrf_token": token})
            else:
                response = client.get(url)
            forbidden = response.status_code == 403
            # child_health answers 403 itself to an agent without the health right (checked in its own tests).
            if forbidden != expected_forbidden and not (rule.endpoint == "backoffice.child_health"
                                                        and response.status_code in (403, 404)):
                wrong.append(f"{method} {url} ({rule.endpoint}): {response.status_code}")
    assert not wrong, f"role {role}: " + "; ".join(wrong)


def test_a_site_agent_sees_only_their_links_and_gets_403_elsewhere(client, login_as, role_users):
    login_as(role_users["site"])
    home = client.get("/gestion/")
    assert home.status_code == 200
    main = main_of(home)
    assert "/gestion/familles" not in main and "/gestion/activites" not in main and "Familles" not in main
    assert "Sécurité du compte" in text_of(home)
    assert client.get("/gestion/familles").status_code == 403
    assert client.get("/gestion/agents").status_code == 403


def test_parents_and_visitors_never_reach_the_back_office(client, login_as, make_family):
    assert client.get("/gestion/agents").status_code == 302  # to the login page
    _family, parent, _kids = make_family()
    login_as(parent)
    assert client.get("/gestion/agents").status_code == 403
    assert client.get("/gestion/securite").status_code == 403


def test_role_of_and_sites_for(app, role_users):
    assert roles.role_of(role_users["admin"]) == "admin"
    assert roles.role_of(role_users["regie"]) == "regie"
    legacy = User(email="ancien@example.org", role="agent")
    assert roles.role_of(legacy) == "direction"  # agents from before roles could do everything
    assert roles.sites_for(role_users["direction"]) is None
    assert roles.sites_for(role_users["site"]) == {db.session.execute(db.select(School.id)).scalar_one()}
    assert not roles.allowed("site", "backoffice.unknown_page")
    assert not roles.allowed(None, "backoffice.index")
