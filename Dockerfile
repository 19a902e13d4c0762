# DutyDesk: the package installed with its data (prompts, catalogues, lexicon, migrations), run as a
# non-root user; SQLite (if used) and anything else the bot writes live in the /app/data volume.
# Build: docker build -t dutydesk .   Run: see compose.yaml and the README ("Deploy").
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The same step as tests/test_packaging.py checks: a plain, non-editable install of the wheel.
COPY pyproject.toml README.md /src/
COPY bot /src/bot
COPY handlers /src/handlers
COPY storage /src/storage
RUN pip install /src && rm -rf /src

RUN useradd --create-home --uid 10001 --user-group dutydesk \
    && mkdir -p /app/data \
    && chown -R dutydesk:dutydesk /app \
    && chmod 700 /app/data
WORKDIR /app
USER dutydesk
VOLUME ["/app/data"]

# Settings come from the environment (compose.yaml passes .env); the default database is SQLite
# in the volume. Webhook mode listens on WEBHOOK_LISTEN (compose sets 0.0.0.0:8080).
ENV DATABASE_URL=sqlite+aiosqlite:////app/data/dutydesk.db
EXPOSE 8080
STOPSIGNAL SIGTERM
CMD ["dutydesk", "run"]
