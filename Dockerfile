# retention-bot: one image, one process (`retention-bot run`). See docs/deployment.md.
#
#   docker build -t retention-bot .
#   docker run --rm --env-file .env retention-bot retention-bot db upgrade
#   docker run --rm --env-file .env retention-bot            # = retention-bot run
#
# docker-compose.yml runs it next to PostgreSQL 16. Settings come only from the environment
# (--env-file / env_file); .env is kept out of the image by .dockerignore.
FROM python:3.11-slim

# MPLCONFIGDIR: matplotlib (the digest chart) wants a writable config/cache folder.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib

RUN groupadd --system retention \
    && useradd --system --gid retention --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin retention

# Only what the package needs: pyproject.toml (README.md is its `readme`) and the five
# packages. No tests, benchmarks or dev dependencies.
WORKDIR /build
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY handlers/ handlers/
COPY insights/ insights/
COPY storage/ storage/
COPY surveys/ surveys/
RUN pip install ".[postgres]" \
    && rm -rf /build

# The working directory holds nothing but what the bot writes there (a SQLite database if
# DATABASE_URL is left at sqlite:///retention.db: mount a volume on /app for that).
WORKDIR /app
RUN chown retention:retention /app
USER retention

# HTTP_PORT (Slack HTTP mode: /slack/events, /healthz) and TELEGRAM_WEBHOOK_PORT
# (/telegram/webhook). Both only listen in those modes, and on 127.0.0.1 unless
# HTTP_HOST / TELEGRAM_WEBHOOK_HOST say 0.0.0.0 (docker-compose.yml sets both).
EXPOSE 8000 8080

# No HEALTHCHECK: the only HTTP health route (/healthz) exists in Slack HTTP mode alone,
# so a check on it would fail in the default polling / Socket Mode set-up.

# SIGTERM (docker stop) shuts `run` down cleanly; allow it time (docker stop -t 90,
# stop_grace_period in compose): the scheduler alone may wait 30 s for a running job.
CMD ["retention-bot", "run"]
