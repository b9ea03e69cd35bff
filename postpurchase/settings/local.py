"""Development: DEBUG on unless the environment says otherwise, console email."""

import os

os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: F403
