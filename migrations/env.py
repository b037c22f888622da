import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging, without disabling the loggers that already exist: a migration run
# inside the application (tests, `flask db upgrade` from code) must not silence the application's own log.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger('alembic.env')


def get_engine():
    return current_app.extensions['migrate'].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace(
            '%', '%%')
    except AttributeError:
        return str(get_engine().url).replace('%', '%%')


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def render_item(type_, obj, autogen_context):
    """Write our UTCDateTime column type as a plain timezone-aware DateTime in migration files."""
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True
    )

    with context.begin_transaction():
        context.run_migrations()


def repair_orphans(connection):
    """SQLite only, after the migrations: rows pointing at a row that is gone (a database from before foreign keys
    were enforced, where deleting a row left its dependants behind) get what PostgreSQL would have done to them:
    deleted (ON DELETE CASCADE) or their reference emptied (SET NULL), until none is left; any other is logged.
    Without this, the now enforced foreign keys would refuse any later change to those rows."""
    for _round in range(20):
        problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if not problems:
            return
        repaired = 0
        for table, rowid, parent, fk_id in problems:
            keys = connection.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")').fetchall()
            key = next((k for k in keys if k[0] == fk_id), None)
            if key is None or rowid is None:
                continue
            column, on_delete = key[3], (key[6] or "").upper()
            if on_delete == "CASCADE":
                connection.exec_driver_sql(f'DELETE FROM "{table}" WHERE rowid = ?', (rowid,))
            elif on_delete == "SET NULL":
                connection.exec_driver_sql(f'UPDATE "{table}" SET "{column}" = NULL WHERE rowid = ?', (rowid,))
            else:
                logger.warning("row %s of %s points at a missing %s (%s): left as it is", rowid, table, parent,
                               column)
                continue
            logger.warning("row %s of %s pointed at a missing %s (%s): %s", rowid, table, parent, column,
                           "deleted" if on_delete == "CASCADE" else "reference emptied")
            repaired += 1
        connection.commit()
        if not repaired:
            return


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the old one: with foreign keys enforced (as the app
            # asks on every connection, schema/base.py), the drop would cascade to the rows that refer to it. The
            # pragma only takes effect outside a transaction, hence the commits.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        conf_args.setdefault("render_item", render_item)
        conf_args.setdefault("render_as_batch", sqlite)
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            **conf_args
        )

        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            connection.commit()
            repair_orphans(connection)
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
