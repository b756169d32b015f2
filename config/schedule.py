"""Crontab lines, checked the way the scheduler (APScheduler 3) will read them."""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger


def check_cron(value: str) -> str:
    value = " ".join(value.split())
    try:
        CronTrigger.from_crontab(value, timezone="UTC")
    except ValueError as error:
        raise ValueError(f"is not a crontab line like '0 9 * * mon' ({error})") from None
    return value
