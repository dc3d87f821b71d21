"""WSGI entry for gunicorn: `gunicorn 'dashboard.wsgi:server' -w 4` (settings from ONEMAP_*).

Every worker imports this module and builds its own app, so anything a worker would make up
for itself must come from outside instead: above all the secret that signs the session
cookie (with a random one per worker, a browser signed in on one worker was a stranger to
the other three). The store, the sign-in limit and the caches' versions are shared through
the database already. Workers never migrate the schema (four at once would race): the
store must be up to date, which `onemap init-db` (the migrate unit in deploy/) makes it.
"""

from sqlalchemy import Engine

from dashboard.app import create_app
from dashboard.settings import Settings
from data_loaders.store.engine import make_engine, schema_mismatch

MIN_SECRET_CHARS = 32


def production_settings(env: dict[str, str] | None = None) -> Settings:
    """The settings of a served deployment: as `onemap serve`'s, plus a real secret."""
    settings = Settings.from_env(env)
    if len(settings.secret_key) < MIN_SECRET_CHARS or "CHANGE-ME" in settings.secret_key:
        raise ValueError(
            f"ONEMAP_SECRET_KEY must be set to at least {MIN_SECRET_CHARS} random characters under "
            "gunicorn: every worker signs the session cookie with it (generate one with "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    return settings


def migrated_engine(settings: Settings) -> Engine:
    """The store's engine; RuntimeError when its schema is not at the newest migration."""
    engine = make_engine(settings.db_url)
    mismatch = schema_mismatch(engine)
    if mismatch is not None:
        raise RuntimeError(
            f"{mismatch} (deploy/systemd/onemap-migrate.service migrates before the web and "
            "ingest units start)"
        )
    return engine


_settings = production_settings()
app = create_app(_settings, engine=migrated_engine(_settings))
server = app.server
