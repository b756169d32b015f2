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

# The one HTTP server of `run` (HTTP_PORT, default 8000): /telegram/webhook, /slack/events,
# /api/... and /healthz. It listens only when TELEGRAM_MODE=webhook, SLACK_MODE=http or
# API_KEYS asks for it, and on 127.0.0.1 unless HTTP_HOST=0.0.0.0 (docker-compose.yml
# sets it).
EXPOSE 8000

# No HEALTHCHECK: /healthz exists only while that HTTP server runs, so in the default
# set-up (Telegram polling, Slack Socket Mode, no API_KEYS) a check on it would always
# fail. docker-compose.yml has one, commented out, for set-ups that run the server.

# SIGTERM (docker stop) shuts `run` down cleanly; allow it time (docker stop -t 90,
# stop_grace_period in compose): requests in flight get up to 20 s, a running scheduler
# job up to 30 s, queued Slack alerts up to 10 s.
CMD ["retention-bot", "run"]
