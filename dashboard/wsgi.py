"""WSGI entry for gunicorn: `gunicorn 'dashboard.wsgi:server'` (settings from ONEMAP_*)."""

from dashboard.app import create_app
from dashboard.settings import Settings

app = create_app(Settings.from_env())
server = app.server
