#!/usr/bin/env bash
# Write a new revision from the models: storage/migrations/regenerate.sh "what changed"
# (then review it: a NOT NULL column on existing rows needs a server_default)
set -euo pipefail
cd "$(dirname "$0")/../.."
db=$(mktemp -d)/gen.db
.venv/bin/python - "$db" "$1" <<'PY'
import sys
from alembic import command
from storage.db import alembic_config
cfg = alembic_config(f"sqlite:///{sys.argv[1]}")
command.upgrade(cfg, "head")
from pathlib import Path
versions = Path("storage/migrations/versions")
number = 1 + max(int(p.name[:4]) for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py"))
command.revision(cfg, message=sys.argv[2], autogenerate=True, rev_id=f"{number:04d}")
PY
