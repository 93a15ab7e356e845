"""Running Vitrine for real: `make serve` (serve.py: gunicorn, the background workers and, without
DATABASE_URL, a PostgreSQL server of its own from postgres.py) and nginx in front (nginx.py renders
nginx/vitrine.conf). Above the app's layers: it starts the app as processes and never imports its packages,
except core.config and core.static_files for the paths and fingerprints the proxy needs."""
