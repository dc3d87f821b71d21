"""gunicorn for the web tier: `gunicorn -c deploy/gunicorn.conf.py dashboard.wsgi:server`."""

import multiprocessing
import os

# Workers share nothing but the store: sessions, the sign-in limit and the data versions are
# in PostgreSQL, so any number of them serve alike. Two per core, at most 8 by default.
workers = int(os.environ.get("ONEMAP_WEB_WORKERS", min(8, 2 * multiprocessing.cpu_count())))
bind = os.environ.get("ONEMAP_WEB_BIND", "127.0.0.1:8050")
# A briefing PDF of the whole county takes a few seconds; nothing takes 60.
timeout = 60
graceful_timeout = 20
keepalive = 5
# A worker is replaced after this many requests (a wall screen polls for weeks; whatever a
# worker slowly gathers is let go), the restarts spread out so they never coincide.
max_requests = 20000
max_requests_jitter = 2000
# The proxy's X-Forwarded-* headers are read by the app itself (ONEMAP_TRUSTED_PROXIES).
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
