"""WSGI entry for gunicorn: `gunicorn 'dashboard.wsgi:server' -w 4` (settings from ONEMAP_*).

Every worker imports this module and builds its own app, so anything a worker would make up
for itself must come from outside instead: above all the secret that signs the session
cookie (with a random one per worker, a browser signed in on one worker was a stranger to
the other three). The store, the sign-in limit and the caches' versions are shared through
the database already. Workers never migrate the schema (four at once would race): the
store must be up to date, which `onemap init-db` (the migrate unit in deploy/) makes it.
"""

from dashboard.app import create_app
from dashboard.production import migrated_engine, production_settings

_settings = production_settings()
app = create_app(_settings, engine=migrated_engine(_settings))
server = app.server
