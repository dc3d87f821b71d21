"""The checks a served deployment makes before its workers answer (see dashboard.wsgi)."""

from sqlalchemy import Engine

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
        engine.dispose()
        raise RuntimeError(
            f"{mismatch} (deploy/systemd/onemap-migrate.service migrates before the web and "
            "ingest units start)"
        )
    return engine
