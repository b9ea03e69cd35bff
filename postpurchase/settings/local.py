"""Development: DEBUG on unless the environment says otherwise, console email."""

import os

os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: F403

# The beat schedule lives in VAR_DIR whatever the database and broker are (with DATABASE_URL and
# REDIS_URL set nothing else would create the folder, and beat would die on its first write).
VAR_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
