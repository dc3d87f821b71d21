"""WSGI entry for gunicorn: `gunicorn 'dashboard.wsgi:server' -w 4` (settings from ONEMAP_*).

Every worker imports this module and builds its own app, so anything a worker would make up
for itself must come from outside instead: above all the secret that signs the session
cookie (with a random one per worker, a browser signed in on one worker would be a stranger
to the other three). The store, the sign-in limit and the caches' versions are shared
through the database already.
"""

from dashboard.app import create_app
from dashboard.settings import Settings

MIN_SECRET_CHARS = 32


def production_settings(env: dict[str, str] | None = None) -> Settings:
    """The settings of a served deployment: as `onemap serve`'s, plus a real secret."""
    settings = Settings.from_env(env)
    if len(settings.secret_key) < MIN_SECRET_CHARS:
        raise ValueError(
            f"ONEMAP_SECRET_KEY must be set to at least {MIN_SECRET_CHARS} characters under "
            "gunicorn: every worker signs the session cookie with it (generate one with "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    return settings


app = create_app(production_settings())
server = app.server
