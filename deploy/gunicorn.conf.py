"""gunicorn's settings for Vitrine, from the environment (WORKERS, BIND_HOST, PORT): deploy.serve says which.

`python -m gunicorn --config deploy/gunicorn.conf.py` from the project folder; deploy/serve.py runs it so.
"""

import os

from deploy.serve import gunicorn_settings

globals().update(gunicorn_settings(os.environ))
