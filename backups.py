"""Backups of the database and of the supporting documents (`flask backup`, `flask restore FILE`).

SQLite (the default): sqlite3's online backup API, a consistent copy even while the application writes, to
instance/backups/portail-YYYYmmdd-HHMMSS.db. PostgreSQL: `pg_dump --format=custom` to portail-YYYYmmdd-HHMMSS.dump
(restored with pg_restore, README). Beside it, portail-YYYYmmdd-HHMMSS-documents.tar holds instance/uploads. Files
are readable by their owner only (they hold personal data); the newest `keep` backups are kept.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from flask import current_app
from sqlalchemy.engine import make_url

from models import db

NAME = re.compile(r"portail-(\d{8}-\d{6})(\.db|\.dump|-documents\.tar)$")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is for the person at the terminal (French)."""


def folder() -> Path:
    path = Path(current_app.instance_path) / "backups"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def uploads() -> Path:
    return Path(current_app.instance_path) / "uploads"


def sqlite_file() -> Path | None:
    """The SQLite database file, or None on another engine (an in-memory database is refused)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("Base SQLite en mémoire : rien à sauvegarder.")
    return Path(url.database)


def backup(keep: int = 14, now: dt.datetime | None = None) -> list[Path]:
    """Write a dated backup of the database and of the documents; returns the files written."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    out = folder()
    if sqlite_file():
        written = [_backup_sqlite(out / f"portail-{stamp}.db")]
    else:
        written = [_pg_dump(out / f"portail-{stamp}.dump")]
    if uploads().is_dir() and any(uploads().iterdir()):
        archive = out / f"portail-{stamp}-documents.tar"
        with tarfile.open(archive, "w") as tar:
            tar.add(uploads(), arcname="uploads")
        archive.chmod(0o600)
        written.append(archive)
    prune(out, keep)
    return written


def _backup_sqlite(target: Path) -> Path:
    """Online backup (pages copied under a shared lock, writers wait a few ms), then an integrity check."""
    partial = target.with_suffix(".partial")
    with db.engine.connect() as conn:
        source = conn.connection.driver_connection
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest)
            dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file (the database runs with a WAL)
            if dest.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("La copie de la base est corrompue : sauvegarde annulée.")
        finally:
            dest.close()
    partial.chmod(0o600)
    partial.rename(target)
    return target


def libpq_environment() -> tuple[list[str], dict]:
    """pg_dump/pg_restore connection options from DATABASE_URL (the password goes through PGPASSWORD, never on the
    command line, which other users of the server can read)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    args = [f"--dbname={url.database}"]
    if url.host:
        args.append(f"--host={url.host}")
    if url.port:
        args.append(f"--port={url.port}")
    if url.username:
        args.append(f"--username={url.username}")
    return args, env


def _pg_dump(target: Path) -> Path:
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump est introuvable : installez le paquet postgresql-client.")
    args, env = libpq_environment()
    partial = target.with_suffix(".partial")
    result = subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={partial}", *args], env=env,
                            capture_output=True, text=True)
    if result.returncode:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump a échoué : {result.stderr.strip()[:500]}")
    partial.chmod(0o600)
    partial.rename(target)
    return target


def prune(out: Path, keep: int) -> None:
    """Keep the files of the newest `keep` backups (a database file and its documents archive share a stamp)."""
    stamps = sorted({m.group(1) for p in out.iterdir() if (m := NAME.fullmatch(p.name))}, reverse=True)
    for old in stamps[max(keep, 1):]:
        for path in out.glob(f"portail-{old}*"):
            path.unlink()


def restore(file: Path) -> list[str]:
    """Replace the SQLite database by `file` (through the backup API, so open connections see the new content), and
    the documents by the archive of the same stamp when there is one. The application should be stopped."""
    target = sqlite_file()
    if target is None:
        raise BackupError("Sous PostgreSQL, restaurez avec pg_restore (voir README, « Sauvegardes »).")
    match = NAME.fullmatch(file.name)
    if not match or match.group(2) != ".db":
        raise BackupError("Donnez un fichier portail-AAAAmmjj-HHMMSS.db écrit par `flask backup`.")
    source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    try:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("La sauvegarde est corrompue : rien n'a été modifié.")
        if not source.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'reservation'").fetchone():
            raise BackupError("Ce fichier n'est pas une base du Portail Familles : rien n'a été modifié.")
        with db.engine.connect() as conn:
            source.backup(conn.connection.driver_connection)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"Fichier illisible ({exc}) : rien n'a été modifié.") from exc
    finally:
        source.close()
    db.engine.dispose()
    restored = [str(target)]
    archive = file.with_name(f"portail-{match.group(1)}-documents.tar")
    if archive.exists():
        shutil.rmtree(uploads(), ignore_errors=True)
        with tarfile.open(archive) as tar:
            tar.extractall(uploads().parent, filter="data")
        restored.append(str(uploads()))
    return restored
