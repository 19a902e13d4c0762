#!/usr/bin/env bash
# Write a new revision from the models: storage/migrations/regenerate.sh "what changed"
set -euo pipefail
cd "$(dirname "$0")/../.."
db=$(mktemp -d)/gen.db
.venv/bin/python - "$db" "$1" <<'PY'
import sys
from alembic import command
from storage.db import alembic_config
cfg = alembic_config(f"sqlite:///{sys.argv[1]}")
command.upgrade(cfg, "head")
command.revision(cfg, message=sys.argv[2], autogenerate=True)
PY
