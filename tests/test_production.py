"""Production pieces: hashed static files (WhiteNoise), one log line per request without secrets, GET /sante,
`flask backup` / `flask restore` (backup, wipe, restore, same data)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support import _config

import assets
from app import create_app
from models import Activity, Family, Person, Reservation, ReservationChange, Unit, User, db
from requestlog import loggable_path

# --------------------------------------------------------------------------- static files


def test_static_files_have_hashed_names_far_future_caching_and_gzip(client):
    page = client.get("/connexion").text
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert len(urls) == 4  # favicon, CSS, htmx, app.js
    for url in urls:
        assert assets.HASHED.search(url), url
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "max-age=315360000, public, immutable"
        assert response.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response.headers["Vary"]
    plain = client.get("/static/css/site.css")
    assert plain.status_code == 200 and "immutable" not in plain.headers["Cache-Control"]


def test_assets_build_writes_a_manifest_and_a_changed_source_is_not_hidden(tmp_path):
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "site.css").write_text("body { color: black; }\n" * 50)
    manifest = assets.build(static)
    hashed = manifest["css/site.css"]
    assert re.fullmatch(r"dist/css/site\.[0-9a-f]{12}\.css", hashed)
    assert (static / (hashed + ".gz")).exists()
    assert assets.load_manifest(static) == manifest
    (static / "css" / "site.css").write_text("body { color: navy; }\n")
    assert assets.load_manifest(static) == {}  # served under its own name until the next build
    assert "css/site.css" in assets.build(static) and not (static / hashed).exists()


# --------------------------------------------------------------------------- request log


@pytest.mark.parametrize("path, logged", [
    ("/enfants/12/agenda/2026-11", "/enfants/12/agenda/2026-11"),
    ("/enfants/12/reservations", "/enfants/12/reservations"),
    ("/calendrier/Xy9_secretToken-abc.ics", "/calendrier/:secret.ics"),
    ("/activer/Xy9_secretToken", "/activer/:secret"),
    ("/reinitialiser/abcdefabcdef/x", "/reinitialiser/:secret/:secret"),
    ("/gestion/familles/7", "/gestion/familles/7"),
    ("/static/dist/css/site.0123456789ab.css", "/static/dist/css/site.0123456789ab.css"),
    ("/camille.martin@example.org", "/:x"),
    ("/Martin/Léa", "/:x/:x"),
    ("/", "/"),
])
def test_logged_paths_keep_ids_and_words_and_hide_the_rest(path, logged):
    assert loggable_path(path) == logged


def test_one_line_per_request_with_an_id_and_no_personal_data(app, client, make_family, login_as, caplog):
    _, user, _ = make_family(name="Martin")
    with caplog.at_level(logging.INFO, logger="portail.request"):
        login_as(user)
        response = client.get("/activer/Un-Jeton-Secret-123?x=camille", headers={"X-Request-Id": "nginx-0123456789"})
        other = client.get("/sante")
    lines = [r.getMessage() for r in caplog.records if r.name == "portail.request"]
    assert len(lines) == 4  # GET and POST /connexion, the link, /sante
    assert response.headers["X-Request-Id"] == "nginx-0123456789"
    assert re.fullmatch(r"[0-9a-f]{16}", other.headers["X-Request-Id"])
    assert lines[2] == f"request id=nginx-0123456789 method=GET path=/activer/:secret status={response.status_code} " \
        + lines[2].split(" ")[-1]
    assert re.fullmatch(r"request id=[0-9a-f]{16} method=POST path=/connexion status=302 ms=\d+\.\d", lines[1])
    text = "\n".join(lines)
    for secret in ("Un-Jeton", "camille", "Martin", user.email, "127.0.0.1"):
        assert secret not in text


def test_a_forged_request_id_is_replaced(client):
    response = client.get("/sante", headers={"X-Request-Id": "bad id; INFO forged=line"})
    assert re.fullmatch(r"[0-9a-f]{16}", response.headers["X-Request-Id"])


# --------------------------------------------------------------------------- health


def test_health_says_ok_without_personal_data(client, make_family):
    make_family(name="Martin")
    response = client.get("/sante")
    assert response.status_code == 200
    assert response.json == {"statut": "ok", "base": "ok", "redis": "non utilisé"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_health_is_503_when_redis_is_unreachable(database_url, _schema, tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app({**_config(database_url), "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})
    with app.app_context():
        db.create_all()
        response = app.test_client().get("/sante")
        db.engine.dispose()
    assert response.status_code == 503
    assert response.json["redis"] == "erreur" and response.json["statut"] == "erreur"


def test_health_is_503_when_the_database_is_unreachable(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app({**_config("sqlite:////nonexistent-folder/portail.db")})
    response = app.test_client().get("/sante")
    assert response.status_code == 503 and response.json["base"] == "erreur"


# --------------------------------------------------------------------------- pooled connections


def _app_pinging_after(database_url, _schema, tmp_path, monkeypatch, seconds):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app({**_config(database_url), "DB_PING_AFTER_IDLE": seconds})
    with app.app_context():
        engine = db.engine
    return app, engine


@pytest.mark.parametrize("after, pinged", [(3600, 0), (0, 4)])  # idle limit (s), pings expected
def test_a_pooled_connection_is_pinged_only_after_being_idle(database_url, _schema, tmp_path, monkeypatch, after,
                                                              pinged):
    app, engine = _app_pinging_after(database_url, _schema, tmp_path, monkeypatch, after)
    real, calls = engine.dialect.do_ping, []
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: calls.append(c) or real(c))
    client = app.test_client()
    for _ in range(5):  # the first request opens the connection: nothing to check
        assert client.get("/sante").json["base"] == "ok"
    engine.dispose()
    assert len(calls) >= pinged if pinged else not calls  # every checkout after the first request, or none


def _kill_pooled_connection(app, engine, database_url) -> None:
    import psycopg
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    with app.app_context(), engine.connect() as conn:
        pid = conn.scalar(text("SELECT pg_backend_pid()"))
    url = make_url(database_url)
    with psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, dbname=url.database,
                         autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
        for _ in range(100):  # the backend ends a moment after being told to
            if not other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
                break
            time.sleep(0.02)


@pytest.mark.postgres
def test_a_connection_killed_while_idle_is_replaced_before_the_request_uses_it(database_url, _schema, tmp_path,
                                                                              monkeypatch):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: a server that drops the connection")
    app, engine = _app_pinging_after(database_url, _schema, tmp_path, monkeypatch, 0)
    client = app.test_client()
    assert client.get("/sante").status_code == 200
    _kill_pooled_connection(app, engine, database_url)  # e.g. PostgreSQL restarted during a quiet night
    assert client.get("/sante").json == {"statut": "ok", "base": "ok", "redis": "non utilisé"}
    engine.dispose()


@pytest.mark.postgres
def test_a_connection_killed_just_after_use_fails_one_request_then_the_pool_is_renewed(database_url, _schema,
                                                                                      tmp_path, monkeypatch):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: a server that drops the connection")
    app, engine = _app_pinging_after(database_url, _schema, tmp_path, monkeypatch, 3600)
    client = app.test_client()
    assert client.get("/sante").status_code == 200
    _kill_pooled_connection(app, engine, database_url)
    assert client.get("/sante").json["base"] == "erreur"  # the one request the trade-off costs (ping_when_idle)
    assert client.get("/sante").json["base"] == "ok"
    engine.dispose()


# --------------------------------------------------------------------------- backups


def snapshot() -> dict:
    return {
        "users": sorted(db.session.execute(select(User.email, User.password_hash)).all()),
        "reservations": sorted(db.session.execute(select(
            Reservation.child_id, Reservation.unit_id, Reservation.date, Reservation.state)).all()),
        "changes": db.session.scalar(select(func.count()).select_from(ReservationChange)),
    }


def world(password_hash) -> None:
    """A family with a child booked on three days (with their audit lines), in the current app's database."""
    day = dt.date(2026, 12, 7)
    now = dt.datetime(2026, 12, 1, 8, tzinfo=dt.timezone.utc)
    family = Family(dossier_number="S-0001", name="Martin")
    db.session.add(family)
    db.session.flush()
    child = Person(family_id=family.id, role="child", first_name="Léa", last_name="Martin")
    activity = Activity(code="restauration", name="Restauration")
    db.session.add_all([child, activity])
    db.session.flush()
    unit = Unit(activity_id=activity.id, slot="meal", label="Repas", capacity=20)
    db.session.add_all([unit, User(email="camille@example.org", role="parent", family_id=family.id,
                                   password_hash=password_hash)])
    db.session.flush()
    for n in range(3):
        db.session.add(Reservation(child_id=child.id, unit_id=unit.id, date=day + dt.timedelta(n), requested_at=now))
        db.session.add(ReservationChange(child_id=child.id, unit_id=unit.id, date=day + dt.timedelta(n),
                                         before=None, after="reserved", at=now))
    db.session.commit()


def test_backup_wipe_restore_gives_the_same_data(tmp_path, monkeypatch, password_hash):
    """On an SQLite file: `flask backup` (online backup API), rows and a document deleted, `flask restore FILE`."""
    instance = tmp_path / "instance"
    monkeypatch.setenv("INSTANCE_PATH", str(instance))
    app = create_app(_config(f"sqlite:///{tmp_path / 'portail.db'}"))
    runner = app.test_cli_runner()
    with app.app_context():
        db.create_all()
        world(password_hash)
        (instance / "uploads").mkdir(parents=True)
        (instance / "uploads" / "certificat.pdf").write_bytes(b"%PDF-1.4 test")
        before = snapshot()
        assert before["reservations"] and before["changes"]

        result = runner.invoke(args=["backup"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        files = sorted((instance / "backups").iterdir())
        assert [re.sub(r"\d{8}-\d{6}", "STAMP", f.name) for f in files] == [
            "portail-STAMP-documents.tar", "portail-STAMP.db"]
        assert all(f.stat().st_mode & 0o077 == 0 for f in files)

        db.session.execute(Reservation.__table__.delete())
        db.session.execute(ReservationChange.__table__.delete())
        db.session.execute(User.__table__.delete())
        db.session.commit()
        (instance / "uploads" / "certificat.pdf").unlink()
        assert snapshot() != before

        result = runner.invoke(args=["restore", str(files[1]), "--yes"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        db.session.remove()
        assert snapshot() == before
        assert (instance / "uploads" / "certificat.pdf").read_bytes() == b"%PDF-1.4 test"
        db.engine.dispose()


def test_backups_keep_the_newest_and_restore_refuses_other_files(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(_config(f"sqlite:///{tmp_path / 'portail.db'}"))
    with app.app_context():
        db.create_all()
        import backups

        for day in range(1, 5):
            backups.backup(keep=2, now=dt.datetime(2026, 12, day, 2, 30))
        names = sorted(p.name for p in (tmp_path / "instance" / "backups").iterdir())
        assert names == ["portail-20261203-023000.db", "portail-20261204-023000.db"]
        stranger = tmp_path / "portail-20261203-023000.db"
        stranger.write_bytes(b"not a database")
        result = app.test_cli_runner().invoke(args=["restore", str(stranger), "--yes"])
        assert result.exit_code == 1 and "rien n'a été modifié" in result.output
        db.engine.dispose()


def test_backup_refuses_an_in_memory_database(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app(_config("sqlite://"))
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 1 and "en mémoire" in result.output


@pytest.mark.postgres
def test_backup_on_postgresql_is_a_pg_dump_that_pg_restore_reads(app, database_url, make_family):
    import shutil
    import subprocess

    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    if shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore not installed (postgresql-client)")
    make_family(name="Martin")
    result = app.test_cli_runner().invoke(args=["backup"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    dump = next((Path(app.instance_path) / "backups").glob("portail-*.dump"))
    listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True, check=True).stdout
    assert "TABLE DATA public reservation" in listing and "TABLE DATA public family" in listing


def test_argon2_parameters_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("ARGON2_MEMORY_KIB", "19456")
    monkeypatch.setenv("ARGON2_TIME_COST", "2")
    monkeypatch.setenv("ARGON2_PARALLELISM", "1")
    config = {k: v for k, v in _config("sqlite://").items() if k != "ARGON2_PARAMS"}
    assert create_app(config).config["ARGON2_PARAMS"] == {"memory_cost": 19456, "time_cost": 2, "parallelism": 1}
    for name in ("ARGON2_MEMORY_KIB", "ARGON2_TIME_COST", "ARGON2_PARALLELISM"):
        monkeypatch.delenv(name)
    assert create_app(config).config["ARGON2_PARAMS"] == {}  # argon2-cffi's defaults
