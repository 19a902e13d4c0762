"""`python -m storage.migrate URL`: bring a database to the newest schema revision.

The bot runs this as a child process at start, so Alembic (about 11 MB) never stays in its memory.
"""

from __future__ import annotations

import sys

from storage.db import upgrade

if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m storage.migrate DATABASE_URL")
    upgrade(sys.argv[1])
