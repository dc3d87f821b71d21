"""gunicorn for the web tier: `gunicorn -c deploy/gunicorn.conf.py dashboard.wsgi:server`."""

import multiprocessing
import os

# Workers share nothing but the store: sessions, the sign-in limit and the data versions are
# in PostgreSQL, so any number of them serve alike. Two per core, at most 8 by default.
workers = int(os.environ.get("ONEMAP_WEB_WORKERS", min(8, 2 * multiprocessing.cpu_count())))
# Threads in each worker (gthread): a slow request (a briefing, a ranking being recomputed)
# holds one thread, not the worker, so the walls' polls behind it are not kept waiting; the
# app is thread-safe (its caches lock), and kept-alive connections are served (the sync
# worker closes every connection).
threads = int(os.environ.get("ONEMAP_WEB_THREADS", "4"))
bind = os.environ.get("ONEMAP_WEB_BIND", "127.0.0.1:8050")
# A briefing PDF of the whole county takes a few seconds; nothing takes 60.
timeout = 60
graceful_timeout = 20
keepalive = 5
# Workers are not recycled after a number of requests (gunicorn's max_requests): fifty walls
# make ~17 requests a second, so any such number restarts workers every hour or so, each
# restart re-warming the caches; bench/wall.py measured no growth to let go of.
# The proxy's X-Forwarded-* headers are read by the app itself (ONEMAP_TRUSTED_PROXIES).
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
